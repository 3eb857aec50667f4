//! Where CSV files come from: a file, a directory of `*.csv`, a `.zip` of them, or an
//! `http(s)://` URL of such a zip.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ImportError;

/// The largest download or zip entry we accept, so a wrong URL cannot exhaust memory.
const MAX_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// One place to import from, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Url(String),
}

impl Source {
    pub fn parse(raw: &str) -> Source {
        let lower = raw.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(raw.to_owned())
        } else {
            Source::Path(PathBuf::from(raw))
        }
    }
}

/// A unit of CSV input found in the sources, not yet read.
pub enum CsvInput {
    File(PathBuf),
    /// A zip archive held in memory, with the indexes of its CSV entries.
    Zip {
        name: String,
        archive: std::sync::Arc<Vec<u8>>,
        entries: Vec<(usize, String, u64)>,
    },
}

impl CsvInput {
    /// The number of CSV files this input holds.
    pub fn file_count(&self) -> usize {
        match self {
            CsvInput::File(_) => 1,
            CsvInput::Zip { entries, .. } => entries.len(),
        }
    }

    /// The bytes of uncompressed CSV this input holds, for the progress bar.
    pub fn size(&self) -> u64 {
        match self {
            CsvInput::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            CsvInput::Zip { entries, .. } => entries.iter().map(|(_, _, size)| size).sum(),
        }
    }
}

/// Expands the sources into CSV inputs: directories are listed (`*.csv`, sorted by name),
/// zips opened, URLs downloaded. Nothing is parsed yet.
pub async fn resolve(sources: &[Source]) -> Result<Vec<CsvInput>, ImportError> {
    let mut inputs = Vec::new();
    for source in sources {
        match source {
            Source::Url(url) => {
                let bytes = download(url).await?;
                inputs.push(open_zip(url.clone(), bytes)?);
            }
            Source::Path(path) => {
                let path = path.clone();
                let found = tokio::task::spawn_blocking(move || resolve_path(&path))
                    .await
                    .map_err(|e| ImportError::Source {
                        source_name: "import".into(),
                        reason: e.to_string(),
                    })??;
                inputs.extend(found);
            }
        }
    }
    Ok(inputs)
}

fn resolve_path(path: &Path) -> Result<Vec<CsvInput>, ImportError> {
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| ImportError::Source {
        source_name: shown.clone(),
        reason: format!("cannot be read: {e}"),
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    if metadata.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(unreadable)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && has_extension(p, "csv") && !is_hidden(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(ImportError::Source {
                source_name: shown,
                reason: "holds no .csv files; point at a directory of Kaggle CSV files".into(),
            });
        }
        return Ok(files.into_iter().map(CsvInput::File).collect());
    }
    let mut magic = [0u8; 4];
    let looks_zipped = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == *b"PK\x03\x04";
    if has_extension(path, "zip") || looks_zipped {
        let bytes = std::fs::read(path).map_err(unreadable)?;
        return Ok(vec![open_zip(shown, bytes)?]);
    }
    Ok(vec![CsvInput::File(path.to_path_buf())])
}

fn has_extension(path: &Path, wanted: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(wanted))
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn open_zip(name: String, bytes: Vec<u8>) -> Result<CsvInput, ImportError> {
    let bad_zip = |reason: String| ImportError::Source {
        source_name: name.clone(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..]))
        .map_err(|e| bad_zip(format!("is not a readable zip archive: {e}")))?;
    let mut entries = Vec::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|e| bad_zip(format!("has an unreadable entry: {e}")))?;
        let entry_name = entry.name().to_owned();
        let base = entry_name.rsplit('/').next().unwrap_or(&entry_name);
        if entry.is_file()
            && !entry_name.starts_with("__MACOSX/")
            && !base.starts_with('.')
            && has_extension(Path::new(base), "csv")
        {
            entries.push((index, entry_name, entry.size()));
        }
    }
    entries.sort_by(|a, b| a.1.cmp(&b.1));
    if entries.is_empty() {
        return Err(bad_zip("holds no .csv files".into()));
    }
    Ok(CsvInput::Zip {
        name,
        archive: std::sync::Arc::new(bytes),
        entries,
    })
}

/// Calls `each(display_name, bytes)` for every CSV file of `input`, reading one at a time.
pub fn read_each(
    input: &CsvInput,
    mut each: impl FnMut(&str, &[u8]) -> Result<(), ImportError>,
) -> Result<(), ImportError> {
    match input {
        CsvInput::File(path) => {
            let shown = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| ImportError::Source {
                source_name: shown.clone(),
                reason: format!("cannot be read: {e}"),
            })?;
            each(&shown, &bytes)
        }
        CsvInput::Zip {
            name,
            archive,
            entries,
        } => {
            let mut zip =
                zip::ZipArchive::new(std::io::Cursor::new(&archive[..])).map_err(|e| {
                    ImportError::Source {
                        source_name: name.clone(),
                        reason: format!("is not a readable zip archive: {e}"),
                    }
                })?;
            for (index, entry_name, size) in entries {
                let shown = format!("{name}:{entry_name}");
                let unreadable = |reason: String| ImportError::Source {
                    source_name: shown.clone(),
                    reason,
                };
                if *size > MAX_BYTES {
                    return Err(unreadable(format!("is larger than {MAX_BYTES} bytes")));
                }
                let mut entry = zip
                    .by_index(*index)
                    .map_err(|e| unreadable(format!("cannot be read: {e}")))?;
                let mut bytes = Vec::with_capacity(*size as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|e| unreadable(format!("cannot be decompressed: {e}")))?;
                each(&shown, &bytes)?;
            }
            Ok(())
        }
    }
}

async fn download(url: &str) -> Result<Vec<u8>, ImportError> {
    let failed = |reason: String| ImportError::Source {
        source_name: url.to_owned(),
        reason,
    };
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| failed(format!("cannot start an HTTP client: {e}")))?;
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|e| failed(format!("cannot be downloaded: {e}")))?;
    if !response.status().is_success() {
        return Err(failed(format!(
            "answered HTTP {}; check the URL",
            response.status()
        )));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| failed(format!("download broke off: {e}")))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() as u64 > MAX_BYTES {
            return Err(failed(format!("is larger than {MAX_BYTES} bytes")));
        }
    }
    Ok(bytes)
}

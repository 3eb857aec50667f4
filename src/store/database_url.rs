//! `DATABASE_URL` checked and described without its password: a URL may carry one, and
//! error messages end up in terminals, logs and CI output.

/// Replaces the password of `scheme://user:password@host...` with `***`; anything else is
/// returned as it is. Works on URLs that do not parse (those are the ones that get printed).
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    // The authority ends at the first '/', '?' or '#'; the credentials at its last '@'.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let credentials = &authority[..at];
    let Some(colon) = credentials.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}://{}:***{}",
        &url[..scheme_end],
        &credentials[..colon],
        &rest[at..]
    )
}

/// The password in `url` (raw and percent-decoded), to scrub from any message built from it.
pub fn password(url: &str) -> Option<String> {
    let redacted = redact(url);
    if redacted == url {
        return None;
    }
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let credentials = &authority[..authority.rfind('@')?];
    Some(credentials[credentials.find(':')? + 1..].to_owned())
}

/// Removes every trace of `url`'s password from `message`.
pub fn scrub(message: &str, url: &str) -> String {
    match password(url) {
        Some(password) if !password.is_empty() => {
            let decoded = percent_decode(&password);
            let mut out = message.replace(&password, "***");
            if !decoded.is_empty() {
                out = out.replace(&decoded, "***");
            }
            out
        }
        _ => message.to_owned(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which backend a URL names, or why it names none (the message names the wrong part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend(url: &str) -> Result<Backend, String> {
    if url.starts_with("sqlite:") {
        return Ok(Backend::Sqlite);
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Backend::Postgres);
    }
    Err(match url.split_once("://") {
        Some((scheme, _)) if !scheme.is_empty() => format!(
            "DATABASE_URL ({}): the scheme '{scheme}' is not supported; use sqlite://PATH or \
             postgres://USER@HOST:PORT/DB",
            redact(url)
        ),
        _ => format!(
            "DATABASE_URL ({}) is not a URL; use sqlite://PATH or postgres://USER@HOST:PORT/DB",
            redact(url)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_replaced_and_the_rest_kept() {
        assert_eq!(
            redact("postgres://u:s3cret@db.example:5432/k?sslmode=bogus"),
            "postgres://u:***@db.example:5432/k?sslmode=bogus"
        );
        assert_eq!(
            redact("redis://:pw@127.0.0.1:6379/0"),
            "redis://:***@127.0.0.1:6379/0"
        );
        // An '@' inside the password: the credentials end at the last '@'.
        assert_eq!(redact("postgres://u:p@ss@h/d"), "postgres://u:***@h/d");
        // Nothing to hide.
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(redact("sqlite://krispyto.db"), "sqlite://krispyto.db");
        assert_eq!(redact("not a url"), "not a url");
    }

    #[test]
    fn scrub_removes_raw_and_decoded_passwords() {
        let url = "postgres://u:p%40ss@h/d";
        assert_eq!(password(url).as_deref(), Some("p%40ss"));
        assert_eq!(scrub("x p%40ss y p@ss z", url), "x *** y *** z");
        assert_eq!(scrub("nothing here", "postgres://u@h/d"), "nothing here");
    }

    #[test]
    fn an_unsupported_scheme_is_named_without_the_password() {
        let error = backend("mysql://u:PASSWORD@h/d").unwrap_err();
        assert!(error.contains("scheme 'mysql'"), "{error}");
        assert!(!error.contains("PASSWORD"), "{error}");
        assert_eq!(backend("postgresql://h/d"), Ok(Backend::Postgres));
        assert_eq!(backend("sqlite::memory:"), Ok(Backend::Sqlite));
    }
}

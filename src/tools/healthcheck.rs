//! `krispyto health`: asks a running server's `/readyz` whether it is ready. It exists for
//! container `HEALTHCHECK`s and service scripts: the runtime image carries the binary and
//! nothing else (no curl, no shell tools), so the binary checks itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context;

/// The `/readyz` URL of a server listening on `addr` (`KRISPYTO_ADDR`). A server bound to
/// every interface (`0.0.0.0`, `[::]`) is asked on loopback: that is where a check run next
/// to it (in the same container or on the same host) reaches it.
pub fn readyz_url(addr: &str) -> String {
    let addr = addr.trim();
    let host_port = match addr.parse::<SocketAddr>() {
        Ok(socket) if socket.ip().is_unspecified() => {
            let loopback = match socket.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            };
            SocketAddr::new(loopback, socket.port()).to_string()
        }
        Ok(socket) => socket.to_string(),
        // A host name (`localhost:8000`): used as it is.
        Err(_) => addr.to_owned(),
    };
    format!("http://{host_port}/readyz")
}

/// Fetches `url` and succeeds with its body when it answers 200 within `timeout`; any other
/// answer, or none, is an error that says what was asked and what came back.
pub async fn check(url: &str, timeout: Duration) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .context("cannot build an HTTP client")?;
    let response = client.get(url).send().await.with_context(|| {
        format!("{url} did not answer; is krispyto serving there (KRISPYTO_ADDR, --url)?")
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status.is_success() {
        Ok(body)
    } else {
        anyhow::bail!("{url} answered {status}: {}", body.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::readyz_url;

    #[test]
    fn a_server_on_every_interface_is_asked_on_loopback() {
        assert_eq!(readyz_url("0.0.0.0:8000"), "http://127.0.0.1:8000/readyz");
        assert_eq!(readyz_url("[::]:8080"), "http://[::1]:8080/readyz");
    }

    #[test]
    fn a_specific_address_or_host_name_is_kept() {
        assert_eq!(readyz_url("127.0.0.1:8000"), "http://127.0.0.1:8000/readyz");
        assert_eq!(readyz_url(" 10.0.0.5:9000 "), "http://10.0.0.5:9000/readyz");
        assert_eq!(readyz_url("localhost:8000"), "http://localhost:8000/readyz");
    }
}

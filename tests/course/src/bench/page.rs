//! `GET /` (or the path a server is measured on): what each server
//! answers, so that the baseline can be started answering the same bytes,
//! and the one request the bench itself sends under load (the new
//! client's).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use harness::http::{self, Response};

use super::supervise::Running;

/// Socket timeouts of the `GET /` check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// What a server answers `GET /` with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The `Content-Type` value (empty if there was none).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// `GET /` on one server, which must answer 200.
pub fn home_page(server: &Running) -> Result<Page, String> {
    let (status, page) = get_home(server.addr, server.path, CHECK_TIMEOUT).map_err(|e| {
        format!(
            "GET {} on {} ({}): {e}",
            server.path, server.label, server.addr
        )
    })?;
    if status != 200 {
        return Err(format!(
            "GET {} on {} answered {status}, not 200: there is nothing to compare",
            server.path, server.label
        ));
    }
    Ok(page)
}

/// `GET /` on each server, in order.
pub fn home_pages(running: &[Running]) -> Result<Vec<Page>, String> {
    running.iter().map(home_page).collect()
}

/// The distinct pages, in order of first appearance, each with the indexes
/// of the servers that answer it.
pub fn distinct_pages(pages: &[Page]) -> Vec<(&Page, Vec<usize>)> {
    let mut distinct: Vec<(&Page, Vec<usize>)> = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        match distinct.iter_mut().find(|(seen, _)| *seen == page) {
            Some((_, users)) => users.push(index),
            None => distinct.push((page, vec![index])),
        }
    }
    distinct
}

/// One `GET /` with `Connection: close`, all of it within `timeout`: the
/// status code and the page (its `Content-Length` bytes).
///
/// The harness's `Client` gives each read its own fixed timeout; the new
/// client under load needs one deadline for the whole exchange, so the
/// socket is driven here and only the bytes are read by the harness.
pub fn get_home(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(u16, Page), String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        if let Some(response) = complete_response(&received) {
            return Ok(response);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no whole response within {} ms",
                timeout.as_millis()
            ));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| e.to_string())?;
        match stream.read(&mut buffer) {
            Ok(0) => {
                return Err(format!(
                    "closed after {} bytes, before a whole response",
                    received.len()
                ));
            }
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(format!("cannot read the response: {e}")),
        }
    }
}

/// The status and page of a complete response in `bytes`, `None` while it
/// is incomplete (a head the harness cannot read never completes, and the
/// wait runs out). The body is `Content-Length` long: every server here
/// sends one.
fn complete_response(bytes: &[u8]) -> Option<(u16, Page)> {
    let end = http::head_end(bytes)?;
    let response = Response::parse_head(&bytes[..end]).ok()?;
    let length = response.content_length().ok()??;
    let body = bytes.get(end..end + length)?;
    let page = Page {
        content_type: response
            .header("content-type")
            .unwrap_or_default()
            .to_string(),
        body: body.to_vec(),
    };
    Some((response.status, page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_whole_response() {
        let response =
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nContent-Type: text/plain\r\n\r\nhello";
        let page = Page {
            content_type: "text/plain".into(),
            body: b"hello".to_vec(),
        };
        assert_eq!(complete_response(response), Some((200, page)));
        assert_eq!(complete_response(&response[..response.len() - 1]), None);
        assert_eq!(complete_response(b"HTTP/1.1 200 OK\r\n"), None);
    }

    #[test]
    fn groups_servers_by_the_page_they_serve() {
        let page = |body: &str| Page {
            content_type: "text/html".into(),
            body: body.as_bytes().to_vec(),
        };
        let pages = [page("site"), page("app"), page("site")];
        let distinct = distinct_pages(&pages);
        assert_eq!(distinct.len(), 2);
        assert_eq!((distinct[0].0, &distinct[0].1), (&pages[0], &vec![0, 2]));
        assert_eq!((distinct[1].0, &distinct[1].1), (&pages[1], &vec![1]));
    }
}

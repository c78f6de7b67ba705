//! Just enough HTTP/1.x response reading for tests: find the end of the
//! head, split the status line, collect the headers. It interprets nothing
//! else, so a test can assert exactly what the server sent.

/// A response head longer than this is treated as a broken response.
pub const MAX_HEAD: usize = 64 * 1024;

/// The reason phrase RFC 9110 gives `status`, for failure messages that
/// show a whole status line; `...` for a status the course never sends.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        206 => "Partial Content",
        303 => "See Other",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "...",
    }
}

/// One HTTP response as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The head exactly as received, up to and including the blank line.
    pub head: Vec<u8>,
    /// The status line without its `\r\n`: `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// The version from the status line: `HTTP/1.1`.
    pub version: String,
    /// The status code: `200`.
    pub status: u16,
    /// The reason phrase: `OK` (may be empty).
    pub reason: String,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes (empty when only the head was read).
    pub body: Vec<u8>,
}

impl Response {
    /// Parses a head that ends with `\r\n\r\n`.
    pub fn parse_head(head: &[u8]) -> Result<Response, String> {
        let text = std::str::from_utf8(head)
            .map_err(|_| "the response head is not valid UTF-8 text".to_string())?;
        let mut lines = text
            .strip_suffix("\r\n\r\n")
            .ok_or("the response head does not end with \\r\\n\\r\\n")?
            .split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_string();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default().to_string();
        let code = parts.next().unwrap_or_default();
        let reason = parts.next().unwrap_or_default().to_string();
        if !version.starts_with("HTTP/") || code.len() != 3 {
            return Err(format!(
                "the status line {status_line:?} is not of the form \"HTTP/1.1 200 OK\""
            ));
        }
        let status = code
            .parse()
            .map_err(|_| format!("the status code {code:?} is not a number"))?;
        let mut headers = Vec::new();
        for line in lines {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("the header line {line:?} has no colon"))?;
            headers.push((name.to_string(), value.trim().to_string()));
        }
        Ok(Response {
            head: head.to_vec(),
            status_line,
            version,
            status,
            reason,
            headers,
            body: Vec::new(),
        })
    }

    /// The value of the first header with this name, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the headers with this name, in order.
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// `Content-Length` as a number; `Ok(None)` when absent.
    pub fn content_length(&self) -> Result<Option<usize>, String> {
        match self.headers_named("content-length").as_slice() {
            [] => Ok(None),
            [value] => value
                .parse()
                .map(Some)
                .map_err(|_| format!("Content-Length {value:?} is not a number")),
            many => Err(format!(
                "the response has {} Content-Length headers",
                many.len()
            )),
        }
    }

    /// The body as text (invalid UTF-8 shown as `�`).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Head and body together, as they came over the wire.
    pub fn raw(&self) -> Vec<u8> {
        [self.head.as_slice(), self.body.as_slice()].concat()
    }
}

/// The length of the head in `bytes` (through `\r\n\r\n`), if it is all there.
pub fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head() {
        let head = b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A:  b \r\n\r\n";
        let r = Response::parse_head(head).unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(r.reason, "Not Found");
        assert_eq!(r.header("content-length"), Some("3"));
        assert_eq!(r.header("x-a"), Some("b"));
        assert_eq!(r.content_length(), Ok(Some(3)));
    }

    #[test]
    fn rejects_what_is_not_a_response() {
        assert!(Response::parse_head(b"hello\r\n\r\n").is_err());
        assert!(Response::parse_head(b"HTTP/1.1 200 OK\r\nbad\r\n\r\n").is_err());
        assert_eq!(head_end(b"a\r\n\r\nb"), Some(5));
        assert_eq!(head_end(b"a\r\n\r"), None);
    }
}

//! A server to measure the generator against: a thread per connection,
//! the same small answer to every request, after a delay that the caller
//! chooses for each request in turn, so that it can stall on cue.
//!
//! ```text
//!  serve(|n| if n == 20 { 500 ms } else { 0 })   the 21st answer takes half a second
//!  serve(|_| 5 ms)                              every answer takes 5 ms
//! ```

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// What every request is answered with.
pub const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/// Serves on `127.0.0.1:0` in threads of its own, for as long as the
/// process lives, waiting `delay(n)` before the answer to the `n`th
/// request (from 0, over all connections). Returns where it listens.
pub fn serve(delay: impl Fn(u64) -> Duration + Send + Sync + 'static) -> io::Result<SocketAddr> {
    serve_answering(ANSWER, delay)
}

/// Like [`serve`], with `answer` (a whole response) to every request.
pub fn serve_answering(
    answer: &'static [u8],
    delay: impl Fn(u64) -> Duration + Send + Sync + 'static,
) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let delay = Arc::new(delay);
    let count = Arc::new(AtomicU64::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (delay, count) = (Arc::clone(&delay), Arc::clone(&count));
            std::thread::spawn(move || {
                // A client that vanishes mid-request ends only its thread.
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(reader) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(reader);
                let mut stream = stream;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    // The blank line ends a request head: answer it.
                    if line == "\r\n" {
                        std::thread::sleep(delay(count.fetch_add(1, Ordering::SeqCst)));
                        if stream.write_all(answer).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    Ok(addr)
}

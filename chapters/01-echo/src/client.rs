//! The echo client: send a message, say "that is all", read the answer.

#[expect(unused_imports, reason = "until you write exercise 1.3")]
use std::io::{self, Read, Write};
#[expect(unused_imports, reason = "until you write exercise 1.3")]
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
#[expect(unused_imports, reason = "until you write exercise 1.3")]
use std::thread;

// ANCHOR: exchange
// ANCHOR: exchange_signature
/// Connects to `addr`, sends all of `message`, half-closes the connection,
/// and returns everything the server sends back until it closes.
#[expect(unused_variables, reason = "until you write exercise 1.3")]
pub fn exchange(addr: impl ToSocketAddrs, message: &[u8]) -> io::Result<Vec<u8>> {
    // ANCHOR_END: exchange_signature
    todo!(
        "exercise 1.3: The client: send, half-close, read to EOF (read book/src/ch01-echo.md#exercise-13-the-client-send-half-close-read-to-eof)"
    )
}
// ANCHOR_END: exchange

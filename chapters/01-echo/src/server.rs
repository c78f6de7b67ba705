//! The echo server: every byte a client sends comes straight back.
//!
//! [`echo`] serves one connection; [`serve`] is the accept loop that hands it
//! one client after another. Neither knows anything about the bytes: echo is
//! the simplest protocol there is, which makes it the best place to see what
//! TCP itself does (and does not) promise.

#[expect(unused_imports, reason = "until you write exercise 1.1")]
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

#[expect(unused_imports, reason = "until you write exercise 1.2")]
use crate::backoff::AcceptBackoff;
use crate::shutdown::Shutdown;

// ANCHOR: echo
// ANCHOR: echo_signature
/// Sends every byte read from `stream` back to it, until the client
/// half-closes its side of the connection. Returns how many bytes were
/// echoed.
#[expect(unused_variables, reason = "until you write exercise 1.1")]
pub fn echo(stream: &mut TcpStream) -> io::Result<u64> {
    // ANCHOR_END: echo_signature
    todo!(
        "exercise 1.1: Echo one connection (read book/src/ch01-echo.md#exercise-11-echo-one-connection)"
    )
}
// ANCHOR_END: echo

// ANCHOR: serve
// ANCHOR: serve_signature
/// Accepts clients one after another and echoes each until it half-closes,
/// until `shutdown` is triggered. A client whose connection fails is logged
/// to stderr and does not stop the server.
#[expect(unused_variables, reason = "until you write exercise 1.2")]
pub fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    // ANCHOR_END: serve_signature
    todo!(
        "exercise 1.2: Accept clients one after another (read book/src/ch01-echo.md#exercise-12-accept-clients-one-after-another)"
    )
}
// ANCHOR_END: serve

//! The echo server: every byte a client sends comes straight back.
//!
//! [`echo`] serves one connection; [`serve`] is the accept loop that hands it
//! one client after another. Neither knows anything about the bytes: echo is
//! the simplest protocol there is, which makes it the best place to see what
//! TCP itself does (and does not) promise.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use crate::backoff::AcceptBackoff;
use crate::shutdown::Shutdown;

// ANCHOR: echo
// ANCHOR: echo_signature
/// Sends every byte read from `stream` back to it, until the client
/// half-closes its side of the connection. Returns how many bytes were
/// echoed.
pub fn echo(stream: &mut TcpStream) -> io::Result<u64> {
    // ANCHOR_END: echo_signature
    // exercise 1.1: Echo one connection
    // A fixed buffer: we never hold more than this much of a client's data,
    // however much it sends. TCP is a stream of bytes, not of messages, so
    // one read may return a whole line, half of one, or several at once; an
    // echo server does not care, it passes on whatever arrived.
    let mut buffer = [0; 8 * 1024];
    let mut echoed: u64 = 0;
    loop {
        let received = match stream.read(&mut buffer) {
            // Ok(0) is end of file: the client called shutdown(Write) or
            // closed the socket, and will never send another byte. That is
            // the only way we know it has finished.
            Ok(0) => return Ok(echoed),
            Ok(received) => received,
            // A signal arrived while we were blocked in read; nothing went
            // wrong, so read again (std's own read_to_end does the same).
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        // `write` may accept fewer bytes than we offer, when the socket's
        // send buffer is nearly full; `write_all` loops until every byte is
        // handed to the kernel. A TcpStream has no buffer of its own in our
        // process, so there is nothing to flush afterwards.
        stream.write_all(&buffer[..received])?;
        echoed += received as u64;
    }
    // end exercise
}
// ANCHOR_END: echo

// ANCHOR: serve
// ANCHOR: serve_signature
/// Accepts clients one after another and echoes each until it half-closes,
/// until `shutdown` is triggered. A client whose connection fails is logged
/// to stderr and does not stop the server.
pub fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    // ANCHOR_END: serve_signature
    // exercise 1.2: Accept clients one after another
    // `incoming()` calls `accept` over and over: each call blocks until a
    // client has connected, then yields its stream. While we echo one
    // client, the next ones wait in the listener's backlog (chapter 5 ends
    // that waiting).
    let mut backoff = AcceptBackoff::new();
    for accepted in listener.incoming() {
        // Check the flag after accept, not before: the loop spends its time
        // blocked inside accept, and the only way to wake it is to connect,
        // which is what `Shutdown::trigger` does. So when accept returns, the
        // new connection may be that wake-up call rather than a client.
        if shutdown.is_requested() {
            break;
        }
        // A failed accept does not stop the server: the listener is still
        // fine. But out of file descriptors, every accept fails at once
        // until one frees up, so `accepted` pauses before we try again
        // rather than spin (see the backoff module).
        let Some(mut stream) = backoff.accepted(accepted) else {
            continue;
        };
        // A client that vanishes mid-stream makes echo fail ("connection
        // reset by peer" on Linux and macOS, os error 10054 on Windows).
        // That is the client's problem, not the server's: log it and serve
        // the next one, instead of returning the error with `?`.
        match echo(&mut stream) {
            Ok(bytes) => eprintln!("echoed {bytes} bytes, then the client finished"),
            Err(e) => eprintln!("lost a client: {e}"),
        }
        // `stream` is dropped here, which closes the connection: the client
        // reads EOF after the last echoed byte.
    }
    Ok(())
    // end exercise
}
// ANCHOR_END: serve

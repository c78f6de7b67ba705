//! The accept loop and the life of one connection.
//!
//! One client at a time: while we serve one, the next waits in the
//! listener's backlog. One request per connection: we answer, then close.
//! Both keep this first server simple; chapter 3 keeps connections open
//! and chapter 5 serves many clients at once.

use std::io::{self, BufWriter, Read, Write};
use std::net::{self, TcpListener, TcpStream};
use std::time::Duration;

use crate::Shutdown;
use crate::request::{self, RequestError};
use crate::response::Response;
use crate::site;

// ANCHOR: timeouts
/// How long we wait for a client to send its request (each read waits at
/// most this long).
///
/// We serve one client at a time, so a client that connects and sends
/// nothing would otherwise block every client after it, forever. Browsers
/// do open connections in advance and leave them unused; a broken client
/// or a curious `nc` does the same. Two seconds is ages for a request that
/// is already typed (a browser sends it within milliseconds) and short
/// enough that the next visitor barely notices. After it: 408.
pub const READ_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a write may wait for the client to take our bytes. A client
/// that never reads would fill the socket buffers and block us, just like
/// a client that never writes.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// How much of an unread request we read and throw away before closing
/// after an error (see [`close_after_error`]).
const MAX_DISCARD_BYTES: usize = 256 * 1024;
// ANCHOR_END: timeouts

// ANCHOR: serve
/// Serves clients one after another until `shutdown` is triggered.
///
/// A problem with one client (a bad request, a timeout, a client that
/// vanished) is printed and the loop goes on: it never stops the server.
pub fn serve(listener: TcpListener, shutdown: Shutdown) -> io::Result<()> {
    for stream in listener.incoming() {
        // Checked after every accept: `Shutdown::trigger` sets the flag and
        // then connects, precisely to wake this loop up.
        if shutdown.is_requested() {
            break;
        }
        let stream = match stream {
            Ok(stream) => stream,
            // An accept can fail for reasons that concern one client only
            // (it gave up while waiting in the backlog): go on.
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        if let Err(error) = handle_connection(stream) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}
// ANCHOR_END: serve

// ANCHOR: handle_connection
/// Reads one request from `stream`, writes one response, and closes.
pub fn handle_connection(mut stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let peer = stream.peer_addr()?;
    // One line per request on stderr, so you can watch what a browser asks.
    let (response, unread_input) = match request::read_request(&mut stream) {
        Ok(request) => {
            let response = site::route(&request);
            let (method, target) = (&request.method, &request.target);
            eprintln!("{peer} \"{method} {target}\" {}", response.status.code());
            (response, false)
        }
        Err(error) => match site::error_response(&error) {
            Some(response) => {
                eprintln!("{peer} {error:?}: {}", response.status.code());
                // After a timeout the client has sent nothing more, so
                // there is nothing to drain; after any other error, part
                // of the request may still be on its way.
                (response, !matches!(error, RequestError::TimedOut))
            }
            // The client is gone: nobody to answer.
            None => return Ok(()),
        },
    };
    send(&stream, &response)?;
    if unread_input {
        close_after_error(&stream);
    }
    // Dropping the stream closes the connection.
    Ok(())
}
// ANCHOR_END: handle_connection

// ANCHOR: send
/// Writes `response` and tells the client that nothing more will follow.
fn send(stream: &TcpStream, response: &Response) -> io::Result<()> {
    // `write_to` writes many small pieces; the BufWriter gathers them so
    // they leave in one system call (and, usually, one packet) instead of
    // one per header line.
    let mut out = BufWriter::new(stream);
    response.write_to(&mut out)?;
    out.flush()?;
    // Half-close: the client reads the end of the stream right after the
    // body, even before we drop the socket.
    stream.shutdown(net::Shutdown::Write)
}
// ANCHOR_END: send

// ANCHOR: close_after_error
/// Reads and throws away what is left of a request we answered without
/// reading it all (a head that was too large, a body we refused).
///
/// Closing a socket that still has unread bytes makes the OS send a reset
/// (RST) instead of a normal end of stream, and a reset can make the
/// client's OS throw away our response before the client has read it:
/// the client would see "connection reset" instead of our 431. So we drain
/// the rest for a moment, within limits, and let the client close first.
fn close_after_error(mut stream: &TcpStream) {
    let mut discarded = 0;
    let mut chunk = [0; 4096];
    while discarded < MAX_DISCARD_BYTES {
        match stream.read(&mut chunk) {
            // The client closed its side, or went quiet for READ_TIMEOUT,
            // or the connection broke: either way we are done.
            Ok(0) | Err(_) => break,
            Ok(n) => discarded += n,
        }
    }
}
// ANCHOR_END: close_after_error

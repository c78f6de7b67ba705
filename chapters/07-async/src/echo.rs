//! Chapter 1's echo server again, as tokio tasks: the smallest server that
//! shows what changes, and what does not.
//!
//! Chapter 1 served one client at a time, because `echo` blocked its
//! thread until the client finished. Here `echo` is an `async fn`: where it
//! waits for bytes it *suspends*, and the runtime runs other tasks on the
//! thread meanwhile. So [`serve`] gives every client a task of its own, and
//! thousands of clients share a couple of threads.

use std::io;

#[expect(unused_imports, reason = "until you write exercise 7.1")]
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
#[expect(unused_imports, reason = "until you write exercise 7.1")]
use tokio_util::task::TaskTracker;

// ANCHOR: echo
// ANCHOR: echo_signature
/// Sends every byte read from `stream` back to it, until the client
/// half-closes its side. Returns how many bytes were echoed.
///
/// Generic over the stream, so a test can echo through an in-memory pipe.
#[expect(unused_variables, reason = "until you write exercise 7.1")]
pub async fn echo<S>(stream: &mut S) -> io::Result<u64>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // ANCHOR_END: echo_signature
    todo!("exercise 7.1: Echo as tasks (read book/src/ch07-async.md#exercise-71-echo-as-tasks)")
}
// ANCHOR_END: echo

// ANCHOR: serve
// ANCHOR: serve_signature
/// Accepts clients and echoes each in a task of its own, until `shutdown`
/// is cancelled; then closes every client's connection, waits for their
/// tasks to end, and returns.
#[expect(unused_variables, reason = "until you write exercise 7.1")]
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
    // ANCHOR_END: serve_signature
    todo!("exercise 7.1: Echo as tasks (read book/src/ch07-async.md#exercise-71-echo-as-tasks)")
}
// ANCHOR_END: serve

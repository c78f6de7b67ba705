//! Chapter 1's echo server again, as tokio tasks: the smallest server that
//! shows what changes, and what does not.
//!
//! Chapter 1 served one client at a time, because `echo` blocked its
//! thread until the client finished. Here `echo` is an `async fn`: where it
//! waits for bytes it *suspends*, and the runtime runs other tasks on the
//! thread meanwhile. So [`serve`] gives every client a task of its own, and
//! thousands of clients share a couple of threads.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

// ANCHOR: echo
// ANCHOR: echo_signature
/// Sends every byte read from `stream` back to it, until the client
/// half-closes its side. Returns how many bytes were echoed.
///
/// Generic over the stream, so a test can echo through an in-memory pipe.
pub async fn echo<S>(stream: &mut S) -> io::Result<u64>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // ANCHOR_END: echo_signature
    // exercise 7.1: Echo as tasks
    // Chapter 1's loop, with `.await` after each call that may wait. The
    // buffer is part of the task's state while it waits, so it is on the
    // heap with the task: 8 KiB per client, as in chapter 1.
    let mut buffer = vec![0; 8 * 1024];
    let mut echoed: u64 = 0;
    loop {
        let received = stream.read(&mut buffer).await?;
        if received == 0 {
            // The client half-closed: nothing more will come.
            return Ok(echoed);
        }
        stream.write_all(&buffer[..received]).await?;
        echoed += received as u64;
    }
    // end exercise
}
// ANCHOR_END: echo

// ANCHOR: serve
// ANCHOR: serve_signature
/// Accepts clients and echoes each in a task of its own, until `shutdown`
/// is cancelled; then closes every client's connection, waits for their
/// tasks to end, and returns.
pub async fn serve(listener: TcpListener, shutdown: CancellationToken) -> io::Result<()> {
    // ANCHOR_END: serve_signature
    // exercise 7.1: Echo as tasks
    let tasks = TaskTracker::new();
    loop {
        let mut stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    eprintln!("could not accept a client: {error}");
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // `spawn` returns at once: the accept loop goes back to accepting
        // while the task echoes. The task must own what it uses (`move`),
        // because it may outlive this loop iteration.
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            tokio::select! {
                echoed = echo(&mut stream) => match echoed {
                    Ok(bytes) => eprintln!("echoed {bytes} bytes, then the client finished"),
                    Err(error) => eprintln!("lost a client: {error}"),
                },
                // On shutdown the echo future is dropped where it waits,
                // which cancels it; the stream is dropped with the task,
                // which closes the connection.
                () = shutdown.cancelled() => {}
            }
        });
    }
    drop(listener);
    tasks.close();
    tasks.wait().await;
    Ok(())
    // end exercise
}
// ANCHOR_END: serve

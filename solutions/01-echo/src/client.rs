//! The echo client: send a message, say "that is all", read the answer.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::thread;

// ANCHOR: exchange
// ANCHOR: exchange_signature
/// Connects to `addr`, sends all of `message`, half-closes the connection,
/// and returns everything the server sends back until it closes.
pub fn exchange(addr: impl ToSocketAddrs, message: &[u8]) -> io::Result<Vec<u8>> {
    // ANCHOR_END: exchange_signature
    // exercise 1.3: The client: send, half-close, read to EOF
    let mut stream = TcpStream::connect(addr)?;
    // A second handle to the same socket, for the writing thread. Why a
    // thread: the server echoes while we are still sending, and nobody reads
    // that echo until we have finished writing. With a large message, the
    // echo fills our receive buffer, then the server's send buffer; the
    // server blocks in write_all and stops reading, so our write_all blocks
    // too, and both wait forever. Reading while another thread writes means
    // the bytes always have somewhere to go.
    let mut sending_half = stream.try_clone()?;
    // A scoped thread may borrow `message`, and is joined before the scope
    // ends, so no copy of the message and no forgotten thread.
    thread::scope(|scope| {
        let sender = scope.spawn(move || -> io::Result<()> {
            sending_half.write_all(message)?;
            // The half-close: the server reads EOF after the last byte and
            // knows the message is complete, while our reading half stays
            // open for the rest of the echo. Without it, the server would
            // wait for more bytes forever, and so would we.
            sending_half.shutdown(Shutdown::Write)
        });
        let mut reply = Vec::new();
        // Reads until the server closes the connection: its EOF is how we
        // know the echo is complete.
        let received = stream.read_to_end(&mut reply);
        // The writer can only have failed, never panicked: every failure of
        // write_all and shutdown is an io::Error.
        let sent = sender.join().expect("the sending thread does not panic");
        // When both failed, the write error is the cause: the server stopped
        // reading, so the reply is cut short too.
        sent?;
        received?;
        Ok(reply)
    })
    // end exercise
}
// ANCHOR_END: exchange

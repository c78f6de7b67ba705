//! A file as a response body, in constant memory.
//!
//! The simple way to send a file is `fs::read` and then `write_all`: the
//! whole file in memory first. For a 4 GiB video that is 4 GiB of RAM per
//! viewer, and the first byte leaves only after the last one was read. We
//! hand the open file to the response instead, and chapter 3's `write_to`
//! copies it to the socket through one small buffer: read 8 KiB, write
//! 8 KiB, again, until the length is reached. Memory stays the same
//! whatever the size of the file.

use std::fs::File;
#[expect(unused_imports, reason = "until you write exercise 4.6")]
use std::io::{self, Read, Seek, SeekFrom};

use chapter03::response::Body;

// ANCHOR: file_body
// ANCHOR: file_body_signature
/// The body that sends `length` bytes of `file`, starting at byte `start`,
/// without reading them now: they are read while the response is written.
#[expect(unused_variables, unused_mut, reason = "until you write exercise 4.6")]
pub fn file_body(mut file: File, start: u64, length: u64) -> io::Result<Body> {
    // ANCHOR_END: file_body_signature
    todo!(
        "exercise 4.6: Stream in constant memory (read book/src/ch04-file-server.md#exercise-46-stream-in-constant-memory)"
    )
}
// ANCHOR_END: file_body

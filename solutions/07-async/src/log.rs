//! The request log: one line per request on stderr, written by a task of
//! its own.
//!
//! Chapter 3 writes each line with one `eprint!`, which is one system call
//! per request, made by the thread that serves it. Measured on this
//! chapter's server, that one call cost a tenth of the requests per second
//! under load. Here a connection only sends its line over a channel, and
//! one task writes whatever lines have piled up in a single call: under
//! load, one system call for dozens of lines; when the server is quiet,
//! each line as soon as it comes.
//!
//! ```text
//!  connection ─┐
//!  connection ─┼─ send(line) ─▶ channel ─▶ writer task: recv_many, one write
//!  connection ─┘
//! ```

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

// ANCHOR: request_log
/// Where connections send their log lines. Cheap to clone: every clone
/// sends into the same channel.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    /// The writer task's channel; `None` writes each line directly, for a
    /// connection served on its own (as the tests do).
    lines: Option<mpsc::UnboundedSender<String>>,
}

impl RequestLog {
    /// Starts the writer task, on the current runtime. It ends once every
    /// clone of the returned log is dropped and every line is written, so
    /// awaiting its handle at the end of the server flushes the log.
    pub fn start() -> (RequestLog, JoinHandle<()>) {
        // Unbounded, because a log line must never make a connection wait;
        // the lines are small, and the writer drains them all at each turn.
        let (sender, receiver) = mpsc::unbounded_channel();
        let writer = tokio::spawn(write_lines(receiver));
        let log = RequestLog {
            lines: Some(sender),
        };
        (log, writer)
    }

    /// Logs one line (ending in `\n`).
    pub fn write(&self, line: String) {
        match &self.lines {
            // Fails only if the writer has ended, which it does only once
            // every sender is gone: then nobody can be calling this.
            Some(lines) => {
                let _ = lines.send(line);
            }
            None => eprint!("{line}"),
        }
    }
}

/// The writer task: takes every line waiting (up to a thousand at a time)
/// and writes them with one `eprint!`.
async fn write_lines(mut receiver: mpsc::UnboundedReceiver<String>) {
    let mut lines = Vec::new();
    while receiver.recv_many(&mut lines, 1024).await > 0 {
        // A blocking write on a runtime thread, which async code should
        // avoid; a batch of lines to stderr is quick to write, and it
        // happens once per batch, not once per request.
        eprint!("{}", lines.concat());
        lines.clear();
    }
}
// ANCHOR_END: request_log

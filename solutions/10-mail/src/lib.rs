//! Chapter 10, mail: an SMTP server written by hand on tokio, delivering
//! into Maildir, and losing nothing it has said 250 to.
//!
//! ```text
//!  TCP ─▶ server (a task per session) ─▶ lines ─▶ session (states) ─▶ replies
//!                                    └─▶ data phase (CRLF.CRLF) ─▶ maildir (fsync) ─▶ 250
//! ```
//!
//! The map:
//!
//! - [`reply`]: replies, one line or many;
//! - [`command`]: reading one command line (verbs, paths, parameters);
//! - [`session`]: the session's state machine, without sockets;
//! - [`data`]: the data phase, where only CRLF.CRLF ends a message;
//! - [`maildir`]: durable delivery, fsync before the 250;
//! - [`server`]: the accept loop and a task per session;
//! - [`send`]: the `send` subcommand, with lettre;
//! - [`web`]: the page that shows the mail, with axum and mailparse.

pub mod command;
pub mod data;
pub mod maildir;
pub mod reply;
pub mod send;
pub mod server;
pub mod session;
pub mod web;

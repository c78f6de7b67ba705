//! The SMTP server on tokio: an accept loop, and a task per session that
//! reads lines, asks the [`Session`] what to answer, reads the data phase
//! with a [`DataReader`], and delivers with [`maildir::deliver`] before it
//! says 250.
//!
//! ```text
//!  accept ─▶ session task: 220 ─▶ line ─▶ Session::command ─▶ reply ─▶ line ...
//!                                           │ Data: 354
//!                                           ▼
//!                                 DataReader until CRLF.CRLF ─▶ deliver (fsync) ─▶ 250 | 451 | 552
//! ```

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chapter01::backoff::AcceptBackoff;
use chapter07::CancellationToken;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time;

use crate::data::{Data, DataReader};
use crate::maildir;
use crate::reply::Reply;
use crate::session::{self, Action, MAX_LINE, Session};

/// How long a client may stay silent before the session is closed with
/// 421 (RFC 5321 4.5.3.2 suggests minutes; a test server wants less).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);
/// How many sessions at once; one more is told 421 and closed.
pub const MAX_SESSIONS: usize = 100;

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The session's rules: name, local domains, size limit.
    pub session: session::Config,
    /// Where the mailboxes are.
    pub maildir: PathBuf,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`MAX_SESSIONS`].
    pub max_sessions: usize,
}

impl Config {
    /// A server taking mail for `domains` into `maildir`, with the default
    /// timeout and session limit. The name it greets with is the first
    /// domain (or `localhost` when there is none).
    pub fn new(maildir: PathBuf, domains: &[String], max_size: usize) -> Config {
        let domains: Vec<String> = domains.iter().map(|d| d.to_ascii_lowercase()).collect();
        Config {
            session: session::Config {
                name: domains
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "localhost".to_string()),
                domains,
                max_size,
            },
            maildir,
            idle_timeout: IDLE_TIMEOUT,
            max_sessions: MAX_SESSIONS,
        }
    }
}

/// Serves SMTP on `listener` until `shutdown` is cancelled; sessions still
/// open are then told 421 and closed, and `serve` returns once they are.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let config = Arc::new(config);
    let sessions = Arc::new(Semaphore::new(config.max_sessions));
    let tasks = tokio_util::task::TaskTracker::new();
    let mut backoff = AcceptBackoff::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let (mut stream, peer) = match accepted {
            Ok(accepted) => {
                backoff.after_success();
                accepted
            }
            Err(error) => {
                let pause = backoff.after_error(&error);
                tokio::select! {
                    () = time::sleep(pause) => continue,
                    () = shutdown.cancelled() => break,
                }
            }
        };
        let Ok(permit) = Arc::clone(&sessions).try_acquire_owned() else {
            // Full: say so, without waiting on a client that may not read.
            let reply = Reply::new(
                421,
                format!("4.3.2 {} too many sessions; try later", config.session.name),
            );
            let _ = time::timeout(
                Duration::from_millis(100),
                stream.write_all(&reply.to_bytes()),
            )
            .await;
            continue;
        };
        let (config, shutdown) = (Arc::clone(&config), shutdown.clone());
        tasks.spawn(async move {
            if let Err(error) = session(stream, peer, &config, &shutdown).await {
                tracing::debug!(%peer, %error, "session ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    tasks.close();
    tasks.wait().await;
    Ok(())
}

/// What the next read brought.
enum Read {
    Bytes,
    Closed,
    Idle,
    ShuttingDown,
}

/// Reads more into `buffer`, unless the client is idle too long or the
/// server is shutting down.
async fn read_more(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    idle: Duration,
    shutdown: &CancellationToken,
) -> io::Result<Read> {
    let mut chunk = [0u8; 8192];
    tokio::select! {
        read = time::timeout(idle, stream.read(&mut chunk)) => match read {
            Err(_) => Ok(Read::Idle),
            Ok(Ok(0)) => Ok(Read::Closed),
            Ok(Ok(n)) => {
                buffer.extend_from_slice(&chunk[..n]);
                Ok(Read::Bytes)
            }
            Ok(Err(error)) => Err(error),
        },
        () = shutdown.cancelled() => Ok(Read::ShuttingDown),
    }
}

// ANCHOR: session
// ANCHOR: session_signature
/// One session, from the greeting to QUIT (or the idle timeout, too many
/// errors, the shutdown, or the client vanishing).
async fn session(
    mut stream: TcpStream,
    peer: SocketAddr,
    config: &Config,
    shutdown: &CancellationToken,
) -> io::Result<()> {
    // ANCHOR_END: session_signature
    // exercise 10.5: Serve sessions
    let mut session = Session::new(config.session.clone());
    stream.write_all(&session.greeting().to_bytes()).await?;
    let mut buffer: Vec<u8> = Vec::new();
    // A line too long is refused once, and its rest skipped to its CRLF.
    let mut skipping = false;
    loop {
        // Every complete line in the buffer, in order: pipelined commands
        // get one reply each, in the order they came.
        while let Some(end) = buffer.windows(2).position(|w| w == b"\r\n") {
            let line: Vec<u8> = buffer.drain(..end + 2).collect();
            let action = if std::mem::take(&mut skipping) {
                continue;
            } else if line.len() > MAX_LINE {
                session.line_too_long()
            } else {
                session.command(&line[..line.len() - 2])
            };
            match action {
                Action::Reply(reply) => stream.write_all(&reply.to_bytes()).await?,
                Action::Close(reply) => {
                    stream.write_all(&reply.to_bytes()).await?;
                    return stream.shutdown().await;
                }
                Action::Data(reply) => {
                    stream.write_all(&reply.to_bytes()).await?;
                    let answer = match read_data(&mut stream, &mut buffer, config, shutdown).await?
                    {
                        Some(Data::Message(message)) => {
                            let envelope = session.end_data().expect("DATA comes after RCPT");
                            store(config, peer, envelope, message).await
                        }
                        Some(Data::TooLarge) => {
                            session.end_data();
                            Reply::new(
                                552,
                                format!(
                                    "5.3.4 The message is larger than {} octets; not stored",
                                    config.session.max_size
                                ),
                            )
                        }
                        // Vanished, idle or shut down in the middle: nothing stored.
                        None => return Ok(()),
                    };
                    stream.write_all(&answer.to_bytes()).await?;
                }
            }
        }
        if buffer.len() > MAX_LINE {
            // No CRLF within a line's length: refuse it, keep reading to its end.
            stream
                .write_all(&reply_of(session.line_too_long()).to_bytes())
                .await?;
            buffer.clear();
            skipping = true;
        }
        match read_more(&mut stream, &mut buffer, config.idle_timeout, shutdown).await? {
            Read::Bytes => {}
            Read::Closed => return Ok(()),
            Read::Idle => {
                let reply = Reply::new(421, "4.4.2 Idle too long; closing");
                return stream.write_all(&reply.to_bytes()).await;
            }
            Read::ShuttingDown => {
                let reply = Reply::new(421, "4.3.0 Shutting down; try again later");
                return stream.write_all(&reply.to_bytes()).await;
            }
        }
    }
    // end exercise
}
// ANCHOR_END: session

fn reply_of(action: Action) -> Reply {
    match action {
        Action::Reply(reply) | Action::Data(reply) | Action::Close(reply) => reply,
    }
}

// ANCHOR: read_data
// ANCHOR: read_data_signature
/// The data phase: the message, or `None` if the client went away, stayed
/// silent past the timeout, or the server is shutting down first.
async fn read_data(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    config: &Config,
    shutdown: &CancellationToken,
) -> io::Result<Option<Data>> {
    // ANCHOR_END: read_data_signature
    // exercise 10.5: Serve sessions
    let mut reader = DataReader::new(config.session.max_size);
    loop {
        let (used, data) = reader.feed(buffer);
        buffer.drain(..used);
        if data.is_some() {
            return Ok(data);
        }
        match read_more(stream, buffer, config.idle_timeout, shutdown).await? {
            Read::Bytes => {}
            Read::Closed | Read::Idle | Read::ShuttingDown => return Ok(None),
        }
    }
    // end exercise
}
// ANCHOR_END: read_data

// ANCHOR: store
/// Delivers the message, off the runtime (fsync blocks), and says how it went.
async fn store(
    config: &Config,
    peer: SocketAddr,
    envelope: session::Envelope,
    message: Vec<u8>,
) -> Reply {
    let from = envelope
        .from
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let date = chapter03::response::http_date(SystemTime::now()).replace(" GMT", " +0000");
    let head = format!(
        "Return-Path: <{from}>\r\nReceived: from {} ([{}]) by {} with ESMTP; {date}\r\n",
        envelope.helo,
        peer.ip(),
        config.session.name
    );
    let (root, host, to) = (
        config.maildir.clone(),
        config.session.name.clone(),
        envelope.to.clone(),
    );
    let delivered = tokio::task::spawn_blocking(move || {
        maildir::deliver(&root, &host, &to, head.as_bytes(), &message)
    })
    .await;
    match delivered {
        Ok(Ok(_)) => Reply::new(250, "2.0.0 Stored"),
        Ok(Err(error)) => {
            tracing::error!(%error, "delivery failed");
            Reply::new(451, "4.3.0 Could not store the message; try again later")
        }
        Err(error) => {
            tracing::error!(%error, "delivery task failed");
            Reply::new(451, "4.3.0 Could not store the message; try again later")
        }
    }
}
// ANCHOR_END: store

//! One player's task: the WebSocket on one side, the room on the other,
//! and every way a client can go wrong in between.
//!
//! ```text
//!            ┌───────────────────────── select! ─────────────────────────┐
//!  room ────▶│ queue: state ─▶ send (≤ stall, else gone)                 │
//!  (queue)   │        lagged ─▶ skip to the newest, go on                │
//!            │        closed ─▶ close 1001                               │
//!  shutdown ▶│ stopped ─▶ close 1001                                     │
//!  socket ──▶│ frame: input ─▶ rate limit ─▶ room                        │
//!            │        chat ─▶ rate limit ─▶ room (too fast: an error)    │
//!            │        invalid ─▶ error message; the 5th ─▶ close 1008    │
//!            │        too large ─▶ close 1009                            │
//!            │ timer: ping; nothing heard for pong_timeout ─▶ gone       │
//!            └───────────────────────────────────────────────────────────┘
//!                                      └─▶ finally: Leave, so the next state lacks it
//! ```
//!
//! One loop does both directions, so there is nothing to share and
//! nothing to lock. Each `await` in it has a bound: a send waits at most
//! [`Limits::stall`], a silent client is found by the ping timer.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use tokio::time::{self, Instant};

use crate::protocol::{HEIGHT, ServerMessage, WIDTH};
use crate::room::{Command, Room};

/// The close codes this server sends: the first three are RFC 6455's
/// (section 7.4.1), the last is from IANA's registry of close codes.
pub mod close_code {
    /// The server is going away: it is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The client broke the rules: too many invalid messages.
    pub const POLICY: u16 = 1008;
    /// A frame larger than the server reads.
    pub const TOO_BIG: u16 = 1009;
    /// The room is full: try again later.
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

// ANCHOR: limits
/// How much a player may get away with before the server lets it go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How often the server pings, so a silent client is still heard from.
    pub ping_every: Duration,
    /// How long the server waits without hearing anything (a pong is
    /// enough) before it decides the client is gone.
    pub pong_timeout: Duration,
    /// How long one send may wait for the client's socket to take it: a
    /// client that has not read for this long is disconnected.
    pub stall: Duration,
    /// The invalid message that closes the session (1008).
    pub max_errors: u32,
    /// Inputs a second that the room applies; more are dropped.
    pub inputs_per_second: u32,
    /// Chat lines a second that the room relays; more are refused.
    pub chats_per_second: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            ping_every: Duration::from_secs(5),
            pong_timeout: Duration::from_secs(15),
            stall: Duration::from_secs(10),
            max_errors: 5,
            inputs_per_second: 60,
            chats_per_second: 5,
        }
    }
}
// ANCHOR_END: limits

/// How long a closing server waits for the client's close frame in reply.
pub const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Why a player's session ended, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The client closed, or its connection went away.
    Left,
    /// The client did not take a message for [`Limits::stall`].
    Stalled,
    /// Nothing heard for [`Limits::pong_timeout`].
    Silent,
    /// The [`Limits::max_errors`]th invalid message, or a frame too large.
    Broke,
    /// The room stopped: the server is shutting down.
    Shutdown,
}

// ANCHOR: play
/// Plays `name` in `room` over `socket` until one side ends it; the
/// player is then removed from the room, whatever the reason.
pub async fn play(mut socket: WebSocket, name: String, room: Room, limits: Limits) -> Ending {
    let Some(joined) = room.join(&name).await else {
        close(
            &mut socket,
            close_code::GOING_AWAY,
            "the server is shutting down",
            limits,
        )
        .await;
        return Ending::Shutdown;
    };
    let id = joined.id;
    let welcome = ServerMessage::Welcome {
        id,
        tick_hz: room.tick_hz(),
        width: WIDTH,
        height: HEIGHT,
    };
    let ending = match send(&mut socket, welcome.to_json().into(), limits).await {
        Ok(()) => serve(&mut socket, id, joined.messages, &room, limits).await,
        Err(ending) => ending,
    };
    room.send(Command::Leave { id }).await;
    ending
}
// ANCHOR_END: play

// ANCHOR: serve
// ANCHOR: serve_signature
/// The loop of [`play`], once the player is in.
async fn serve(
    socket: &mut WebSocket,
    id: u64,
    mut messages: tokio::sync::broadcast::Receiver<Utf8Bytes>,
    room: &Room,
    limits: Limits,
) -> Ending {
    // ANCHOR_END: serve_signature
    // exercise 11.5: One player's loop
    use tokio::sync::broadcast::error::RecvError;

    use crate::protocol::{ClientMessage, parse_client};

    let mut pings = time::interval_at(Instant::now() + limits.ping_every, limits.ping_every);
    let mut last_heard = Instant::now();
    let mut errors = 0;
    let mut inputs = RateLimit::new(limits.inputs_per_second);
    let mut chats = RateLimit::new(limits.chats_per_second);
    loop {
        tokio::select! {
            // In this order: a server shutting down closes at once, even
            // while the queue still holds messages.
            biased;
            () = room.stopped() => {
                close(socket, close_code::GOING_AWAY, "the server is shutting down", limits).await;
                return Ending::Shutdown;
            }
            message = messages.recv() => match message {
                Ok(text) => {
                    if let Err(ending) = send(socket, text, limits).await {
                        return ending;
                    }
                }
                // This player fell more than the queue's length behind and
                // missed `skipped` messages; the next one is the oldest
                // still kept. Go on: a player who stopped here would be
                // deaf for the rest of the game.
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(id, skipped, "a slow player skipped ahead");
                }
                Err(RecvError::Closed) => {
                    close(socket, close_code::GOING_AWAY, "the server is shutting down", limits).await;
                    return Ending::Shutdown;
                }
            },
            frame = socket.recv() => {
                last_heard = Instant::now();
                let problem = match frame {
                    None | Some(Ok(Message::Close(_))) => return Ending::Left,
                    Some(Err(error)) => {
                        if too_big(error) {
                            let reason = format!("a frame is at most {} bytes", crate::MAX_FRAME);
                            close_unread(socket, close_code::TOO_BIG, &reason, limits).await;
                            return Ending::Broke;
                        }
                        return Ending::Left;
                    }
                    Some(Ok(Message::Text(text))) => match parse_client(&text) {
                        Ok(ClientMessage::Input { dx, dy }) => {
                            if inputs.allow(Instant::now()) {
                                room.send(Command::Input { id, dx, dy }).await;
                            }
                            None
                        }
                        Ok(ClientMessage::Chat { text }) => {
                            if chats.allow(Instant::now()) {
                                room.send(Command::Chat { id, text }).await;
                            } else {
                                // Not invalid, only too fast: said, not counted.
                                let message = format!(
                                    "at most {} chat lines a second; this one was dropped",
                                    limits.chats_per_second
                                );
                                let error = ServerMessage::Error { message };
                                if let Err(ending) = send(socket, error.to_json().into(), limits).await {
                                    return ending;
                                }
                            }
                            None
                        }
                        Err(problem) => Some(problem),
                    },
                    Some(Ok(Message::Binary(_))) => {
                        Some("binary frames mean nothing here: send JSON text".to_string())
                    }
                    // tungstenite answers pings itself; a pong only shows
                    // that the client is there, which `last_heard` noted.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => None,
                };
                if let Some(problem) = problem {
                    errors += 1;
                    let error = ServerMessage::Error { message: problem };
                    if let Err(ending) = send(socket, error.to_json().into(), limits).await {
                        return ending;
                    }
                    if errors >= limits.max_errors {
                        close(socket, close_code::POLICY, "too many invalid messages", limits).await;
                        return Ending::Broke;
                    }
                }
            }
            _ = pings.tick() => {
                if last_heard.elapsed() >= limits.pong_timeout {
                    return Ending::Silent;
                }
                if let Err(ending) = send_frame(socket, Message::Ping(Default::default()), limits).await {
                    return ending;
                }
            }
        }
    }
    // end exercise
}
// ANCHOR_END: serve

/// Sends one text message, waiting at most [`Limits::stall`] for the
/// client's socket to take it.
async fn send(socket: &mut WebSocket, text: Utf8Bytes, limits: Limits) -> Result<(), Ending> {
    send_frame(socket, Message::Text(text), limits).await
}

async fn send_frame(socket: &mut WebSocket, frame: Message, limits: Limits) -> Result<(), Ending> {
    match time::timeout(limits.stall, socket.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Ending::Left),
        Err(_) => Err(Ending::Stalled),
    }
}

/// Sends a close frame with `code` and `reason`, then waits (at most
/// [`CLOSE_WAIT`]) for the client's close in reply, dropping whatever
/// comes before it: the closing handshake of RFC 6455 section 7.1. A
/// socket dropped with the client's bytes still unread is ended by the
/// kernel with a reset, which can destroy the close frame before the
/// client has read it.
pub async fn close(socket: &mut WebSocket, code: u16, reason: &str, limits: Limits) {
    if send_close(socket, code, reason, limits).await.is_err() {
        return;
    }
    let _ = time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(frame)) = socket.recv().await {
            if let Message::Close(_) = frame {
                break;
            }
        }
    })
    .await;
}

/// Like [`close`], for a socket whose next bytes must not be read: the
/// rest of a frame too large to read. The client is given [`CLOSE_WAIT`]
/// to read the close frame before the socket is dropped.
async fn close_unread(socket: &mut WebSocket, code: u16, reason: &str, limits: Limits) {
    if send_close(socket, code, reason, limits).await.is_ok() {
        time::sleep(CLOSE_WAIT).await;
    }
}

async fn send_close(
    socket: &mut WebSocket,
    code: u16,
    reason: &str,
    limits: Limits,
) -> Result<(), Ending> {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    send_frame(socket, Message::Close(Some(frame)), limits).await
}

/// Whether a read failed because a frame or message was larger than the
/// socket was configured to read (see [`crate::MAX_FRAME`]).
fn too_big(error: axum::Error) -> bool {
    matches!(
        error.into_inner().downcast_ref::<tungstenite::Error>(),
        Some(tungstenite::Error::Capacity(_))
    )
}

// ANCHOR: rate_limit
/// At most `per_second` events in each second: a fixed window, which is
/// simple and enough to stop a client flooding the room.
#[derive(Debug)]
pub struct RateLimit {
    per_second: u32,
    window: Option<Instant>,
    used: u32,
}

impl RateLimit {
    pub fn new(per_second: u32) -> RateLimit {
        RateLimit {
            per_second,
            window: None,
            used: 0,
        }
    }

    /// Whether one more event at `now` is allowed; counts it if so.
    pub fn allow(&mut self, now: Instant) -> bool {
        match self.window {
            Some(start) if now.duration_since(start) < Duration::from_secs(1) => {}
            _ => {
                self.window = Some(now);
                self.used = 0;
            }
        }
        if self.used < self.per_second {
            self.used += 1;
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: rate_limit

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_allows_so_many_a_second() {
        let start = Instant::now();
        let mut limit = RateLimit::new(3);
        let allowed = (0..5).filter(|_| limit.allow(start)).count();
        assert_eq!(allowed, 3);
        assert!(limit.allow(start + Duration::from_secs(1)));
    }
}

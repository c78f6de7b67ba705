//! Chapter 11, a game server: one room, an authoritative tick, and a
//! WebSocket per player, where no player can stall the others.
//!
//! ```text
//!  GET /          ─▶ the page (canvas + JavaScript)
//!  GET /ws?name=N ─▶ 101 Switching Protocols ─▶ player task ◀─▶ room task (tick, broadcast)
//! ```
//!
//! The map:
//!
//! - [`protocol`]: the JSON messages, and reading a client's;
//! - [`game`]: the world and its step, with no sockets and no clock;
//! - [`room`]: the task that owns the world, ticks, and broadcasts;
//! - [`player`]: one player's task, and every limit it enforces;
//! - [`bots`]: the load generator, with tokio-tungstenite's client;
//! - this file: the routes, the seats, and the server.

pub mod bots;
pub mod game;
pub mod player;
pub mod protocol;
pub mod room;

use std::io;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use axum::routing::get;
use chapter07::CancellationToken;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use crate::player::Limits;
use crate::room::Room;

/// The largest frame or message the server reads, in bytes: far above
/// any honest message (see [`protocol::MAX_MESSAGE`]), far below what
/// would cost the server memory. A larger one closes the socket (1009),
/// because the rest of such a frame cannot be skipped.
pub const MAX_FRAME: usize = 64 * 1024;

/// How many bytes tungstenite reads from a player's socket at a time,
/// into a buffer it keeps for each player. An honest message is at most
/// [`protocol::MAX_MESSAGE`], 4 KiB, so one read holds it; a larger frame
/// (up to [`MAX_FRAME`]) takes several reads. The default, 128 KiB, would
/// be 64 MB for 500 players.
pub const READ_BUFFER: usize = 4096;

/// What the page at `/` is: one file, no build step.
const PAGE: &str = include_str!("../static/index.html");

/// What a refused name is told.
pub const NAME_RULE: &str = "a name is 1 to 16 printable characters: /ws?name=ada";

// ANCHOR: config
/// The server's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Ticks a second: states sent to every player each second.
    pub tick_hz: u32,
    /// Players at once; one more is closed with 1013.
    pub max_players: usize,
    /// What each player may get away with.
    pub limits: Limits,
    /// Where the first coins fall.
    pub seed: u64,
    /// Each connection's kernel send buffer (see chapter 8's
    /// `Config::send_buffer`): small, so a client that stops reading is
    /// felt in a second, not after megabytes.
    pub send_buffer: Option<usize>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            tick_hz: 20,
            max_players: 64,
            limits: Limits::default(),
            seed: 1,
            send_buffer: Some(64 * 1024),
        }
    }
}
// ANCHOR_END: config

/// What every request handler shares.
#[derive(Clone)]
struct Game {
    room: Room,
    /// One permit per player who may be in the room at once.
    seats: Arc<Semaphore>,
    player_limits: Limits,
    /// Every player's task, so shutdown can wait for their close frames.
    players: TaskTracker,
}

/// The routes: the page and the WebSocket.
fn router(game: Game) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/ws", get(join))
        .with_state(game)
}

/// The query of `/ws`.
#[derive(Deserialize)]
struct JoinQuery {
    name: Option<String>,
}

// ANCHOR: join
// ANCHOR: join_signature
/// `GET /ws?name=NAME`: checks the name, upgrades to a WebSocket, and, if
/// there is a seat, plays; if not, closes with 1013.
async fn join(
    State(game): State<Game>,
    Query(JoinQuery { name }): Query<JoinQuery>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // ANCHOR_END: join_signature
    // exercise 11.4: Let a player in
    use axum::http::StatusCode;
    use axum::response::IntoResponse;

    use crate::player::{close, close_code, play};

    let Some(name) = name.filter(|name| protocol::valid_name(name)) else {
        return (StatusCode::BAD_REQUEST, NAME_RULE).into_response();
    };
    // tungstenite refuses larger frames before reading them into memory.
    let upgrade = upgrade
        .max_frame_size(MAX_FRAME)
        .max_message_size(MAX_FRAME)
        .read_buffer_size(READ_BUFFER);
    upgrade.on_upgrade(move |mut socket| async move {
        // The seat is taken after the upgrade, so the refusal can say why
        // in a close frame, which a browser shows to its script; a 503
        // before the upgrade reaches the script only as "failed".
        let Ok(seat) = game.seats.clone().try_acquire_owned() else {
            let reason = "the room is full; try again later";
            close(
                &mut socket,
                close_code::TRY_AGAIN_LATER,
                reason,
                game.player_limits,
            )
            .await;
            return;
        };
        let ending = game
            .players
            .track_future(play(socket, name, game.room.clone(), game.player_limits))
            .await;
        drop(seat);
        tracing::info!(?ending, "a player left");
    })
    // end exercise
}
// ANCHOR_END: join

// ANCHOR: serve
/// Serves the game on `listener` until `shutdown` is cancelled; then every
/// player is sent a close frame (1001) and `serve` returns once all are
/// gone.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let (room, room_task) = Room::start(config.tick_hz, config.seed, shutdown.clone());
    let players = TaskTracker::new();
    let game = Game {
        room,
        seats: Arc::new(Semaphore::new(config.max_players)),
        player_limits: config.limits,
        players: players.clone(),
    };
    // Chapter 8's loop: a deadline for request heads, a graceful stop for
    // HTTP requests, and upgrades. Small frames go out at once.
    let http = chapter08::Config {
        nodelay: true,
        send_buffer: config.send_buffer,
        ..chapter08::Config::default()
    };
    let stop = shutdown.clone().cancelled_owned();
    let served = chapter08::server::run(listener, router(game), stop, &http).await;
    // The room and every player stop on the same token: each player sends
    // its close frame (1001) and ends, and the room's end closes the
    // queues of any still joining.
    shutdown.cancel();
    let _ = room_task.await;
    players.close();
    players.wait().await;
    served
}
// ANCHOR_END: serve

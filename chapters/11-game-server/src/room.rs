//! The room: one task that owns the world, runs the tick, and broadcasts
//! each state to every player.
//!
//! ```text
//!  player tasks ──Command (mpsc)──▶ room task ──tick: step, view, to_json once──▶ broadcast
//!                                  (owns World)                                  ├─▶ player 1's receiver ─▶ socket
//!                                                                                ├─▶ player 2's receiver ─▶ socket
//!                                                                                └─▶ ...
//! ```
//!
//! Nobody else touches the world, so it needs no lock: players send their
//! intentions as commands and the room applies them between ticks. The
//! room never waits for a player. A `broadcast` channel keeps the last
//! [`BROADCAST_CAPACITY`] messages for each receiver; a player that falls
//! further behind loses the oldest (it will get the newest, which is all a
//! game needs) and is told how many it missed.

use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use chapter07::CancellationToken;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::game::World;

/// How many messages each player's queue holds: at 20 ticks a second, a
/// second and a half of states. A player further behind skips to the
/// newest.
pub const BROADCAST_CAPACITY: usize = 32;

/// How many commands may wait for the room. Each player's inputs and chat
/// lines are limited (65 a second in all), so this is a quarter of a
/// second of a full room of 64.
const COMMAND_CAPACITY: usize = 1024;

/// What a player's task asks of the room.
#[derive(Debug)]
pub enum Command {
    /// Add a player; the room answers on `joined`.
    Join {
        name: String,
        joined: oneshot::Sender<Joined>,
    },
    /// Remove a player: it left, cleanly or not.
    Leave { id: u64 },
    /// The direction player `id` holds from now on.
    Input { id: u64, dx: i8, dy: i8 },
    /// A chat line from player `id`, for everyone.
    Chat { id: u64, text: String },
}

/// A player's place in the room: its id, and its queue of messages (the
/// JSON of each state and chat line, serialized once for everyone).
#[derive(Debug)]
pub struct Joined {
    pub id: u64,
    pub messages: broadcast::Receiver<Utf8Bytes>,
}

/// A handle on the room, cheap to clone: one per player.
#[derive(Debug, Clone)]
pub struct Room {
    commands: mpsc::Sender<Command>,
    tick_hz: u32,
    shutdown: CancellationToken,
}

impl Room {
    /// Starts the room's task, ticking `tick_hz` times a second until
    /// `shutdown` is cancelled. The task's handle lets the caller wait for
    /// it to end.
    pub fn start(
        tick_hz: u32,
        seed: u64,
        shutdown: CancellationToken,
    ) -> (Room, tokio::task::JoinHandle<()>) {
        let (commands, inbox) = mpsc::channel(COMMAND_CAPACITY);
        let task = tokio::spawn(run(World::new(seed), inbox, tick_hz, shutdown.clone()));
        let room = Room {
            commands,
            tick_hz,
            shutdown,
        };
        (room, task)
    }

    /// How many ticks a second the room runs.
    pub fn tick_hz(&self) -> u32 {
        self.tick_hz
    }

    /// Completes when the room is stopping: the server is shutting down.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
    }

    /// Joins the room as `name`; `None` when the room has stopped.
    pub async fn join(&self, name: &str) -> Option<Joined> {
        let (joined, answer) = oneshot::channel();
        self.send(Command::Join {
            name: name.to_string(),
            joined,
        })
        .await;
        answer.await.ok()
    }

    /// Sends the room a command. When the room has stopped there is nobody
    /// to tell, and nothing to do.
    pub async fn send(&self, command: Command) {
        let _ = self.commands.send(command).await;
    }
}

/// How long one tick lasts at `tick_hz`.
pub fn period(tick_hz: u32) -> Duration {
    Duration::from_secs(1) / tick_hz.max(1)
}

// ANCHOR: run
// ANCHOR: run_signature
/// The room's task: the tick, and the commands between ticks.
#[expect(unused_variables, unused_mut, reason = "until you write exercise 11.3")]
async fn run(
    mut world: World,
    mut inbox: mpsc::Receiver<Command>,
    tick_hz: u32,
    shutdown: CancellationToken,
) {
    // ANCHOR_END: run_signature
    todo!(
        "exercise 11.3: Tick and broadcast (read book/src/ch11-game-server.md#exercise-113-tick-and-broadcast)"
    )
}
// ANCHOR_END: run

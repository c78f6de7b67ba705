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
async fn run(
    mut world: World,
    mut inbox: mpsc::Receiver<Command>,
    tick_hz: u32,
    shutdown: CancellationToken,
) {
    // ANCHOR_END: run_signature
    // exercise 11.3: Tick and broadcast
    use std::time::Instant;
    use tokio::time::{self, MissedTickBehavior};

    use crate::protocol::{ServerMessage, now_us};

    let (messages, _) = broadcast::channel(BROADCAST_CAPACITY);
    let period = period(tick_hz);
    let mut ticks = time::interval(period);
    // When a tick runs late (the machine was busy), Burst would run the
    // missed ticks back to back and Delay would shift every later tick;
    // Skip drops the missed ones and stays on the original schedule, so
    // the rate stays `tick_hz` and the game steps by the time that really
    // passed.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut tick: u64 = 0;
    let mut last = time::Instant::now();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            now = ticks.tick() => {
                let started = Instant::now();
                // After a long stall, step at most four ticks' worth, so
                // nobody jumps across the arena.
                world.step((now - last).min(period * 4));
                last = now;
                tick += 1;
                let (players, coins) = world.view();
                let state = ServerMessage::State { tick, time_us: now_us(), players, coins };
                // Serialized once, shared by every receiver. An error only
                // means that nobody is listening.
                let _ = messages.send(Utf8Bytes::from(state.to_json()));
                let work = started.elapsed();
                if work > period / 2 {
                    tracing::warn!(?work, ?period, players = world.len(), "a tick took more than half its period");
                }
            }
            Some(command) = inbox.recv() => match command {
                Command::Join { name, joined } => {
                    let id = world.join(&name);
                    let messages = messages.subscribe();
                    // The player may have gone while it waited.
                    if joined.send(Joined { id, messages }).is_err() {
                        world.leave(id);
                    }
                }
                Command::Leave { id } => world.leave(id),
                Command::Input { id, dx, dy } => world.steer(id, dx, dy),
                Command::Chat { id, text } => {
                    if let Some(player) = world.player(id) {
                        let chat = ServerMessage::Chat { id, name: player.name.clone(), text };
                        let _ = messages.send(Utf8Bytes::from(chat.to_json()));
                    }
                }
            },
        }
    }
    // Dropping `messages` here closes every player's queue: each one sees
    // the end and sends its client a close frame.
    // end exercise
}
// ANCHOR_END: run

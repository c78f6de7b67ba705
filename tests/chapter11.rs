//! Stage tests of chapter 11, the game server.
//!
//! The same file tests the learner's crate (`cargo test -p chapter11`) and
//! the reference solution (`cargo test -p chapter11-solution`). Exercises
//! 11.1 and 11.2 are called directly: the game's step and reading a
//! client's message. 11.3 drives the room on tokio's paused clock, where a
//! tick is exact and a second takes no time. From 11.4 on the server runs
//! in this process on `127.0.0.1:0` and each test plays over real
//! WebSockets with tungstenite's client, every socket with a timeout; the
//! page is loaded in headless Chromium.

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chapter07::CancellationToken;
use chapter11::Config;
use chapter11::game::{COINS, REACH, SPEED, World};
use chapter11::player::Limits;
use chapter11::protocol::{
    ClientMessage, Coin, HEIGHT, MAX_CHAT, MAX_MESSAGE, PlayerView, ServerMessage, WIDTH,
    parse_client,
};
use chapter11::room::{Command, Room};
use harness::{Exercise, Failure, TIMEOUT, TestServer};
use tungstenite::{Message, WebSocket};

// ---------------------------------------------------------------------------
// Exercise 11.1: the game's step
// ---------------------------------------------------------------------------

/// A world with one player at `(x, y)` and every coin far away in a corner.
fn world_with_one(x: f64, y: f64) -> (World, u64) {
    let mut world = World::new(7);
    let id = world.join("ada");
    world.place_player(id, x, y);
    for index in 0..COINS {
        world.place_coin(index, Coin { x: 790.0, y: 590.0 });
    }
    (world, id)
}

fn position(world: &World, id: u64) -> (f64, f64) {
    let player = world.player(id).expect("the player is in the world");
    (player.x, player.y)
}

#[test]
fn ex11_1_a_player_moves_at_speed_and_a_diagonal_is_no_faster() {
    let ex = harness::exercise("11.1");
    let (mut world, id) = world_with_one(100.0, 100.0);
    world.steer(id, 1, 0);
    world.step(Duration::from_millis(500));
    let got = position(&world, id);
    if (got.0 - 200.0).abs() > 1e-6 || got.1 != 100.0 {
        Failure::new(
            ex,
            "a player holding right for half a second must move SPEED / 2 to the right",
        )
        .line("did", "join at (100, 100), steer(1, 0), step(500 ms)")
        .line("expected", format!("(200, 100): {SPEED} units a second"))
        .line("got", format!("{got:?}"))
        .fail();
    }
    world.steer(id, 1, 1);
    world.step(Duration::from_secs(1));
    let after = position(&world, id);
    let moved = (after.0 - got.0).hypot(after.1 - got.1);
    if (moved - SPEED).abs() > 1e-6 {
        Failure::new(ex, "a diagonal must be as fast as a straight line")
            .line("did", "from (200, 100), steer(1, 1), step(1 s)")
            .line(
                "expected",
                format!("a distance of {SPEED} (divide (dx, dy) by its length, √2)"),
            )
            .line("got", format!("{after:?}, a distance of {moved:.3}"))
            .fail();
    }
}

#[test]
fn ex11_1_a_player_stays_inside_the_arena() {
    let ex = harness::exercise("11.1");
    let (mut world, id) = world_with_one(10.0, 590.0);
    world.steer(id, -1, 1);
    world.step(Duration::from_secs(5));
    let got = position(&world, id);
    let expected = (0.0, f64::from(HEIGHT));
    if got != expected {
        Failure::new(ex, "a player must stop at the walls")
            .line("did", "join at (10, 590), steer(-1, 1), step(5 s)")
            .line(
                "expected",
                format!("{expected:?}: x clamped to 0..={WIDTH}, y to 0..={HEIGHT}"),
            )
            .line("got", format!("{got:?}"))
            .fail();
    }
    world.steer(id, 1, -1);
    world.step(Duration::from_secs(10));
    let got = position(&world, id);
    if got != (f64::from(WIDTH), 0.0) {
        Failure::new(ex, "a player must stop at the walls")
            .line("did", "then steer(1, -1), step(10 s)")
            .line("expected", format!("({WIDTH}, 0)"))
            .line("got", format!("{got:?}"))
            .fail();
    }
}

#[test]
fn ex11_1_touching_a_coin_scores_and_a_new_coin_appears() {
    let ex = harness::exercise("11.1");
    let (mut world, id) = world_with_one(100.0, 100.0);
    let touched = Coin {
        x: 100.0 + REACH - 1.0,
        y: 100.0,
    };
    world.place_coin(0, touched);
    world.step(Duration::from_millis(50));
    let score = world.player(id).map(|p| p.score);
    if score != Some(1) {
        Failure::new(ex, "a coin within REACH of a player must score a point")
            .line(
                "did",
                format!("a player at (100, 100), a coin at {touched:?}, step(50 ms)"),
            )
            .line("expected", "score 1")
            .line("got", format!("{score:?}"))
            .fail();
    }
    if world.coins().len() != COINS || world.coins().contains(&touched) {
        Failure::new(
            ex,
            "a coin picked up must be replaced by a new one elsewhere",
        )
        .line("expected", format!("{COINS} coins, none at {touched:?}"))
        .line("got", format!("{:?}", world.coins()))
        .fail();
    }
    world.step(Duration::from_millis(50));
    let score = world.player(id).map(|p| p.score);
    if score != Some(1) {
        Failure::new(ex, "a coin must be picked up once, not every tick")
            .line("expected", "score still 1 after another step")
            .line("got", format!("{score:?}"))
            .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 11.2: reading a client's message
// ---------------------------------------------------------------------------

#[test]
fn ex11_2_inputs_and_chat_are_read() {
    let ex = harness::exercise("11.2");
    let cases = [
        (
            r#"{"type":"input","dx":-1,"dy":1}"#.to_string(),
            ClientMessage::Input { dx: -1, dy: 1 },
        ),
        (
            r#"{"dy":0,"type":"input","dx":0}"#.to_string(),
            ClientMessage::Input { dx: 0, dy: 0 },
        ),
        (
            r#"{"type":"chat","text":"<b>hi</b> ✓"}"#.to_string(),
            ClientMessage::Chat {
                text: "<b>hi</b> ✓".into(),
            },
        ),
        (
            format!(r#"{{"type":"chat","text":"{}"}}"#, "é".repeat(MAX_CHAT)),
            ClientMessage::Chat {
                text: "é".repeat(MAX_CHAT),
            },
        ),
    ];
    for (text, expected) in cases {
        let got = parse_client(&text);
        if got.as_ref() != Ok(&expected) {
            Failure::new(ex, "a valid message must be read")
                .sent(text.as_bytes())
                .line("expected", format!("Ok({expected:?})"))
                .line("got", format!("{got:?}"))
                .fail();
        }
    }
}

#[test]
fn ex11_2_every_kind_of_bad_message_is_refused_with_a_reason() {
    let ex = harness::exercise("11.2");
    let long_chat = format!(r#"{{"type":"chat","text":"{}"}}"#, "a".repeat(MAX_CHAT + 1));
    let too_large = format!(r#"{{"type":"chat","text":"{}"}}"#, " ".repeat(MAX_MESSAGE));
    let cases = [
        ("not JSON", "hello".to_string()),
        ("an unknown type", r#"{"type":"jump"}"#.to_string()),
        ("a missing field", r#"{"type":"input","dx":1}"#.to_string()),
        (
            "dx out of range",
            r#"{"type":"input","dx":2,"dy":0}"#.to_string(),
        ),
        (
            "dy out of range",
            r#"{"type":"input","dx":0,"dy":-2}"#.to_string(),
        ),
        (
            "a number that is no i8",
            r#"{"type":"input","dx":1000,"dy":0}"#.to_string(),
        ),
        (
            "a position (the server is authoritative)",
            r#"{"type":"input","dx":1,"dy":0,"x":400}"#.to_string(),
        ),
        (
            "a blank chat",
            r#"{"type":"chat","text":"   "}"#.to_string(),
        ),
        ("a chat of 201 characters", long_chat),
        ("a message over MAX_MESSAGE bytes", too_large),
    ];
    for (what, text) in cases {
        match parse_client(&text) {
            Err(reason) if !reason.trim().is_empty() => {}
            got => Failure::new(ex, format!("{what} must be refused with a reason"))
                .sent(text.as_bytes())
                .line("expected", "Err(a sentence the client is sent back)")
                .line("got", format!("{got:?}"))
                .fail(),
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 11.3: the room, on tokio's paused clock
// ---------------------------------------------------------------------------

/// Runs `test` on a runtime whose clock is paused: time moves only when
/// every task waits, and then jumps to the next timer, so a tick is exact.
fn on_paused_clock<F: std::future::Future>(test: impl FnOnce() -> F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime")
        .block_on(test())
}

/// The next message from a room's queue, as the server would send it.
async fn next_from(
    ex: Exercise,
    queue: &mut tokio::sync::broadcast::Receiver<axum::extract::ws::Utf8Bytes>,
) -> (String, ServerMessage) {
    let received = tokio::time::timeout(Duration::from_secs(60), queue.recv()).await;
    let text = match received {
        Ok(Ok(text)) => text.as_str().to_string(),
        Ok(Err(error)) => Failure::new(ex, "the room's queue ended while the test read from it")
            .line("got", error.to_string())
            .fail(),
        Err(_) => Failure::new(ex, "the room sent nothing for a minute of game time")
            .note(
                "run() must tick with time::interval and send each state on the broadcast channel",
            )
            .fail(),
    };
    match serde_json::from_str(&text) {
        Ok(message) => (text, message),
        Err(error) => Failure::new(ex, "the room sent something that is not a server message")
            .got(text.as_bytes())
            .line("why", error.to_string())
            .fail(),
    }
}

/// The next state from a room's queue: its tick and players.
async fn next_state_from(
    ex: Exercise,
    queue: &mut tokio::sync::broadcast::Receiver<axum::extract::ws::Utf8Bytes>,
) -> (u64, Vec<PlayerView>) {
    loop {
        if let (_, ServerMessage::State { tick, players, .. }) = next_from(ex, queue).await {
            return (tick, players);
        }
    }
}

async fn join_room(ex: Exercise, room: &Room, name: &str) -> chapter11::room::Joined {
    match room.join(name).await {
        Some(joined) => joined,
        None => Failure::new(ex, format!("the room did not let {name} join"))
            .note("run() must answer a Command::Join on its oneshot with the new id and a receiver of the broadcast")
            .fail(),
    }
}

#[test]
fn ex11_3_the_room_ticks_at_tick_hz_on_tokios_clock() {
    let ex = harness::exercise("11.3");
    on_paused_clock(|| async move {
        let shutdown = CancellationToken::new();
        let (room, _task) = Room::start(20, 1, shutdown.clone());
        let mut ada = join_room(ex, &room, "ada").await;
        let (first, _) = next_state_from(ex, &mut ada.messages).await;
        let started = tokio::time::Instant::now();
        let mut previous = first;
        for _ in 0..100 {
            let (tick, players) = next_state_from(ex, &mut ada.messages).await;
            if tick != previous + 1 || !players.iter().any(|p| p.name == "ada") {
                Failure::new(ex, "each tick must send one state, numbered one more than the last, listing every player")
                    .line("expected", format!("tick {} listing ada", previous + 1))
                    .line("got", format!("tick {tick} with players {players:?}"))
                    .fail();
            }
            previous = tick;
        }
        let took = started.elapsed();
        if took != Duration::from_secs(5) {
            Failure::new(
                ex,
                "at 20 ticks a second, 100 ticks must take 5 s of the clock",
            )
            .line(
                "expected",
                "5 s (time::interval(period), with period = 1 s / tick_hz)",
            )
            .line("got", format!("{took:?}"))
            .fail();
        }
        shutdown.cancel();
    });
}

#[test]
fn ex11_3_every_player_gets_the_same_state_each_tick() {
    let ex = harness::exercise("11.3");
    on_paused_clock(|| async move {
        let shutdown = CancellationToken::new();
        let (room, _task) = Room::start(20, 1, shutdown.clone());
        let mut ada = join_room(ex, &room, "ada").await;
        let mut bob = join_room(ex, &room, "bob").await;
        if ada.id == bob.id {
            Failure::new(ex, "two players must get two ids")
                .line("got", format!("both {}", ada.id))
                .fail();
        }
        // Both are in the room from the next tick on: compare that state.
        let (text_a, state_a) = loop {
            let (text, message) = next_from(ex, &mut ada.messages).await;
            if let ServerMessage::State { players, .. } = &message
                && players.len() == 2
            {
                break (text, message);
            }
        };
        let ServerMessage::State { tick, .. } = state_a else {
            unreachable!()
        };
        let text_b = loop {
            let (text, message) = next_from(ex, &mut bob.messages).await;
            if matches!(message, ServerMessage::State { tick: t, .. } if t == tick) {
                break text;
            }
        };
        if text_a != text_b {
            Failure::new(ex, "every player must be sent the same state for a tick")
                .line("ada got", text_a)
                .line("bob got", text_b)
                .fail();
        }
        shutdown.cancel();
    });
}

#[test]
fn ex11_3_an_input_moves_a_player_and_leaving_removes_it() {
    let ex = harness::exercise("11.3");
    on_paused_clock(|| async move {
        let shutdown = CancellationToken::new();
        let (room, _task) = Room::start(10, 1, shutdown.clone());
        let mut ada = join_room(ex, &room, "ada").await;
        let bob = join_room(ex, &room, "bob").await;
        let find = |players: &[PlayerView], id: u64| players.iter().find(|p| p.id == id).cloned();
        // Ada's queue may hold a tick from before bob joined.
        let mut before = None;
        for _ in 0..3 {
            let (_, players) = next_state_from(ex, &mut ada.messages).await;
            before = find(&players, bob.id);
            if before.is_some() {
                break;
            }
        }
        let Some(before) = before else {
            Failure::new(
                ex,
                "a player who joined must be in the states after the join",
            )
            .line("got", "three states without bob")
            .fail()
        };
        // Left, or right if bob is near the left wall: either way he moves.
        let dx = if before.x > 400.0 { -1 } else { 1 };
        room.send(Command::Input {
            id: bob.id,
            dx,
            dy: 0,
        })
        .await;
        for _ in 0..5 {
            next_state_from(ex, &mut ada.messages).await;
        }
        let (_, players) = next_state_from(ex, &mut ada.messages).await;
        let after = find(&players, bob.id);
        let moved = after.as_ref().map(|p| (p.x - before.x) * f64::from(dx));
        if !moved.is_some_and(|m| m >= 80.0) {
            Failure::new(ex, "an input must change the direction the player moves in")
                .line(
                    "did",
                    format!("Command::Input {{ dx: {dx}, dy: 0 }} for bob, then 6 ticks at 10 Hz"),
                )
                .line(
                    "expected",
                    format!(
                        "bob about 100 units further (SPEED {SPEED} a second), from x = {}",
                        before.x
                    ),
                )
                .line("got", format!("{after:?}"))
                .fail();
        }
        room.send(Command::Leave { id: bob.id }).await;
        let (tick, players) = next_state_from(ex, &mut ada.messages).await;
        if find(&players, bob.id).is_some() {
            Failure::new(ex, "a player who left must be gone from the next state")
                .line("got", format!("tick {tick}: {players:?}"))
                .fail();
        }
        shutdown.cancel();
    });
}

#[test]
fn ex11_3_chat_is_relayed_to_everyone_as_written() {
    let ex = harness::exercise("11.3");
    on_paused_clock(|| async move {
        let shutdown = CancellationToken::new();
        let (room, _task) = Room::start(20, 1, shutdown.clone());
        let ada = join_room(ex, &room, "ada").await;
        let mut bob = join_room(ex, &room, "bob").await;
        let text = r#"<script>alert("hi")</script> & "quotes""#;
        room.send(Command::Chat {
            id: ada.id,
            text: text.to_string(),
        })
        .await;
        let expected = ServerMessage::Chat {
            id: ada.id,
            name: "ada".into(),
            text: text.into(),
        };
        for _ in 0..10 {
            let (raw, message) = next_from(ex, &mut bob.messages).await;
            if let ServerMessage::Chat { .. } = message {
                if message != expected {
                    Failure::new(ex, "a chat line must reach everyone exactly as written, with the sender's id and name")
                        .line("expected", expected.to_json())
                        .line("got", raw)
                        .fail();
                }
                shutdown.cancel();
                return;
            }
        }
        Failure::new(ex, "a chat line must be broadcast to everyone")
            .line("did", "Command::Chat from ada")
            .line("expected", expected.to_json())
            .line("got", "ten messages to bob, none of them a chat")
            .fail();
    });
}

#[test]
fn ex11_3_shutdown_closes_every_players_queue() {
    let ex = harness::exercise("11.3");
    on_paused_clock(|| async move {
        let shutdown = CancellationToken::new();
        let (room, task) = Room::start(20, 1, shutdown.clone());
        let mut ada = join_room(ex, &room, "ada").await;
        next_state_from(ex, &mut ada.messages).await;
        shutdown.cancel();
        let ended = tokio::time::timeout(Duration::from_secs(1), task).await;
        if ended.is_err() {
            Failure::new(ex, "the room's task must end when shutdown is cancelled")
                .note("select! on shutdown.cancelled() beside the tick and the commands, and break")
                .fail();
        }
        // What was sent before is still there; after it, the end.
        loop {
            match tokio::time::timeout(Duration::from_secs(1), ada.messages.recv()).await {
                Ok(Ok(_)) => continue,
                Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => break,
                got => Failure::new(ex, "when the room ends, every player's queue must close")
                    .line("expected", "RecvError::Closed (drop the broadcast sender)")
                    .line("got", format!("{got:?}"))
                    .fail(),
            }
        }
    });
}

// ---------------------------------------------------------------------------
// The server, and players over real WebSockets
// ---------------------------------------------------------------------------

/// The server on `127.0.0.1:0` with `config`.
fn start(config: Config) -> TestServer {
    let listener = harness::bind_local();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    TestServer::spawn(
        listener,
        move |listener| {
            chapter08::on_a_runtime(listener, |listener| {
                chapter11::serve(listener, config, shutdown)
            })
        },
        move || stop.cancel(),
    )
}

/// A config for tests: `tick_hz` ticks, the rest as the defaults.
fn config(tick_hz: u32) -> Config {
    Config {
        tick_hz,
        ..Config::default()
    }
}

/// How a test player's socket is made.
#[derive(Clone, Copy)]
enum Buffer {
    /// The system's receive buffer.
    Usual,
    /// A receive buffer of a few kilobytes, so a player that stops reading
    /// is felt by the server at once.
    Small,
}

/// A player over a real WebSocket, with what it saw for failure messages.
struct Player {
    ws: WebSocket<TcpStream>,
    ex: Exercise,
    name: String,
    /// The last few messages received, newest last.
    seen: Vec<String>,
}

/// What came off the socket.
enum Event {
    Message(String, ServerMessage),
    Closed(Option<(u16, String)>),
}

fn connect_tcp(addr: SocketAddr, buffer: Buffer) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    if let Buffer::Small = buffer {
        // Before connecting, so the window the client offers is small too.
        socket.set_recv_buffer_size(4096)?;
    }
    socket.connect_timeout(&addr.into(), TIMEOUT)?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The request line a player sends, for failure messages.
fn upgrade_line(name: &str) -> String {
    format!("GET /ws?name={name} HTTP/1.1 (a WebSocket upgrade)")
}

/// Opens a WebSocket as `name`, or says why not.
fn try_join(addr: SocketAddr, name: &str, buffer: Buffer) -> Result<WebSocket<TcpStream>, String> {
    let stream = connect_tcp(addr, buffer).map_err(|e| format!("could not connect: {e}"))?;
    let url = format!("ws://{addr}/ws?name={name}");
    match tungstenite::client(url.as_str(), stream) {
        Ok((ws, _response)) => Ok(ws),
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            let body = response
                .body()
                .as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            Err(format!(
                "the upgrade was refused: {} {body}",
                response.status()
            ))
        }
        Err(error) => Err(format!("the upgrade failed: {error}")),
    }
}

impl Player {
    /// Joins as `name` and reads the welcome; fails the test otherwise.
    #[track_caller]
    fn join(ex: Exercise, addr: SocketAddr, name: &str) -> (Player, u64) {
        Player::join_with(ex, addr, name, Buffer::Usual)
    }

    #[track_caller]
    fn join_with(ex: Exercise, addr: SocketAddr, name: &str, buffer: Buffer) -> (Player, u64) {
        let mut player = Player::open(ex, addr, name, buffer);
        let id = player.welcome();
        (player, id)
    }

    /// Opens the WebSocket without reading anything.
    #[track_caller]
    fn open(ex: Exercise, addr: SocketAddr, name: &str, buffer: Buffer) -> Player {
        match try_join(addr, name, buffer) {
            Ok(ws) => Player {
                ws,
                ex,
                name: name.to_string(),
                seen: Vec::new(),
            },
            Err(why) => Failure::new(ex, format!("{name} could not join"))
                .line("sent", upgrade_line(name))
                .line("expected", "101 Switching Protocols")
                .line("got", why)
                .fail(),
        }
    }

    /// Reads the welcome and returns the player's id.
    #[track_caller]
    fn welcome(&mut self) -> u64 {
        match self.next() {
            Event::Message(_, ServerMessage::Welcome { id, .. }) => id,
            Event::Message(raw, _) => self
                .failure("the first message must be the welcome")
                .line(
                    "expected",
                    r#"{"type":"welcome","id":ID,"tick_hz":HZ,"width":800,"height":600}"#,
                )
                .line("got", raw)
                .fail(),
            Event::Closed(frame) => self
                .failure("the server closed before the welcome")
                .line("got", format!("close frame {frame:?}"))
                .fail(),
        }
    }

    fn failure(&self, summary: impl Into<String>) -> Failure {
        let seen = if self.seen.is_empty() {
            "nothing yet".to_string()
        } else {
            self.seen.join("\n")
        };
        Failure::new(self.ex, summary)
            .line(
                "player",
                format!("{} (joined with {})", self.name, upgrade_line(&self.name)),
            )
            .line("last seen", seen)
    }

    /// The next message or the close, skipping pings (tungstenite answers
    /// them itself while it reads).
    #[track_caller]
    fn next(&mut self) -> Event {
        loop {
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    let text = text.as_str().to_string();
                    self.remember(&text);
                    return match serde_json::from_str(&text) {
                        Ok(message) => Event::Message(text, message),
                        Err(error) => self
                            .failure("the server sent a text frame that is not a server message")
                            .got(text.as_bytes())
                            .line("why", error.to_string())
                            .fail(),
                    };
                }
                Ok(Message::Close(frame)) => {
                    return Event::Closed(frame.map(|f| (u16::from(f.code), f.reason.to_string())));
                }
                Ok(Message::Binary(bytes)) => self
                    .failure("the server must send JSON as text frames, not binary")
                    .got(&bytes)
                    .fail(),
                Ok(_) => continue,
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Event::Closed(None);
                }
                Err(tungstenite::Error::Io(error))
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    self.failure(format!("nothing came from the server for {TIMEOUT:?}"))
                        .fail()
                }
                Err(tungstenite::Error::Io(_) | tungstenite::Error::Protocol(_)) => {
                    // The connection ended without a close frame.
                    return Event::Closed(None);
                }
                Err(error) => self
                    .failure("reading from the WebSocket failed")
                    .line("got", error.to_string())
                    .fail(),
            }
        }
    }

    fn remember(&mut self, text: &str) {
        const KEEP: usize = 4;
        let shown: String = text.chars().take(300).collect();
        self.seen.push(shown);
        if self.seen.len() > KEEP {
            self.seen.remove(0);
        }
    }

    /// The next state: its tick and its players.
    #[track_caller]
    fn next_state(&mut self) -> (u64, Vec<PlayerView>) {
        loop {
            match self.next() {
                Event::Message(_, ServerMessage::State { tick, players, .. }) => {
                    return (tick, players);
                }
                Event::Message(..) => continue,
                Event::Closed(frame) => self
                    .failure("the server closed while the test waited for a state")
                    .line("got", format!("close frame {frame:?}"))
                    .fail(),
            }
        }
    }

    /// Reads states until one satisfies `condition`, for at most `limit`.
    #[track_caller]
    fn wait_for_state(
        &mut self,
        what: &str,
        limit: Duration,
        mut condition: impl FnMut(u64, &[PlayerView]) -> bool,
    ) -> (u64, Vec<PlayerView>) {
        let started = Instant::now();
        loop {
            let (tick, players) = self.next_state();
            if condition(tick, &players) {
                return (tick, players);
            }
            if started.elapsed() > limit {
                self.failure(format!(
                    "waited {limit:?} for a state in which {what}, in vain"
                ))
                .line("got", format!("tick {tick}: {players:?}"))
                .fail();
            }
        }
    }

    /// Reads until the close frame and checks its code.
    #[track_caller]
    fn expect_close(&mut self, code: u16, why: &str) -> String {
        loop {
            match self.next() {
                Event::Message(..) => continue,
                Event::Closed(Some((got, reason))) if got == code => return reason,
                Event::Closed(frame) => self
                    .failure(format!("{why}: the server must close with {code}"))
                    .line("expected", format!("a close frame with code {code}"))
                    .line("got", format!("{frame:?}"))
                    .fail(),
            }
        }
    }

    /// Sends `text` as one text frame.
    #[track_caller]
    fn send(&mut self, text: &str) {
        self.send_frame(Message::text(text));
    }

    #[track_caller]
    fn send_frame(&mut self, frame: Message) {
        if let Err(error) = self.ws.send(frame) {
            self.failure("the test could not send a frame")
                .line("got", error.to_string())
                .fail();
        }
    }

    /// Closes cleanly, with a close frame.
    fn leave(mut self) {
        let _ = self.ws.close(None);
        let _ = self.ws.flush();
    }
}

fn has(players: &[PlayerView], id: u64) -> bool {
    players.iter().any(|p| p.id == id)
}

/// `count` players that join and read every message, in threads of their
/// own, until the returned flag is set; each counts the states it read.
struct Crowd {
    stop: Arc<AtomicBool>,
    states: Vec<Arc<AtomicU64>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Crowd {
    #[track_caller]
    fn join(ex: Exercise, addr: SocketAddr, count: usize) -> Crowd {
        let stop = Arc::new(AtomicBool::new(false));
        let mut states = Vec::new();
        let mut threads = Vec::new();
        for n in 0..count {
            let (mut player, _) = Player::join(ex, addr, &format!("b{n}"));
            let counter = Arc::new(AtomicU64::new(0));
            states.push(Arc::clone(&counter));
            let stop = Arc::clone(&stop);
            threads.push(thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match player.ws.read() {
                        Ok(Message::Text(_)) => {
                            counter.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let _ = player.ws.close(None);
                let _ = player.ws.flush();
            }));
        }
        Crowd {
            stop,
            states,
            threads,
        }
    }

    /// How many of the crowd have received at least one state.
    fn receiving(&self) -> usize {
        self.states
            .iter()
            .filter(|c| c.load(Ordering::Relaxed) > 0)
            .count()
    }
}

impl Drop for Crowd {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------
// Exercise 11.4: letting a player in
// ---------------------------------------------------------------------------

#[test]
fn ex11_4_the_upgrade_answers_101_with_the_accept_key() {
    let ex = harness::exercise("11.4");
    let server = start(config(20));
    let mut client = server.connect(ex);
    // The key and its accept value are the example of RFC 6455 section 1.3.
    let request = b"GET /ws?name=ada HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    client.send(request);
    let response = client.read_response_head();
    harness::expect_status(ex, &client, &response, "HTTP/1.1 101 Switching Protocols");
    harness::expect_header(
        ex,
        &client,
        &response,
        "sec-websocket-accept",
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    );
    // The first frame: FIN and the text opcode, then a length under 126,
    // then the welcome, unmasked (only clients mask).
    let head = client.read_exact(2);
    let welcome = client.read_exact(usize::from(head[1] & 0x7f));
    if head[0] != 0x81 || head[1] & 0x80 != 0 || !welcome.starts_with(br#"{"type":"welcome","id":"#)
    {
        Failure::new(
            ex,
            "after the 101, the first frame must be the welcome, as one unmasked text frame",
        )
        .sent(request)
        .line("expected", r#"81 LEN {"type":"welcome","id":ID,...}"#)
        .line(
            "got",
            format!(
                "{:02x} {:02x} {}",
                head[0],
                head[1],
                String::from_utf8_lossy(&welcome)
            ),
        )
        .fail();
    }
}

#[test]
fn ex11_4_a_bad_name_is_refused_with_400_before_the_upgrade() {
    let ex = harness::exercise("11.4");
    let server = start(config(20));
    for (what, query) in [
        ("an empty name", "?name="),
        ("no name", ""),
        ("17 characters", "?name=abcdefghijklmnopq"),
        ("a control character", "?name=a%0Ab"),
        ("only spaces", "?name=%20%20"),
        ("a right-to-left override", "?name=ada%E2%80%AEnimda"),
    ] {
        let mut client = server.connect(ex);
        let request = format!(
            "GET /ws{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        client.send(request.as_bytes());
        let response = client.read_response();
        harness::expect_status(ex, &client, &response, "HTTP/1.1 400 Bad Request");
        if response.body_text() != chapter11::NAME_RULE {
            Failure::new(
                ex,
                format!("{what} must be refused with the rule for names"),
            )
            .sent(request.as_bytes())
            .expected_got(chapter11::NAME_RULE.as_bytes(), &response.body)
            .fail();
        }
    }
    // A good name still gets in.
    Player::join(ex, server.addr(), "Zoë").0.leave();
}

#[test]
fn ex11_4_a_player_is_welcomed_with_its_id_and_the_game() {
    let ex = harness::exercise("11.4");
    let server = start(config(50));
    let (_bob, bob_id) = Player::join(ex, server.addr(), "bob");
    // The welcome's exact bytes.
    let mut carol = Player::open(ex, server.addr(), "carol", Buffer::Usual);
    match carol.next() {
        Event::Message(raw, ServerMessage::Welcome { id, .. }) => {
            let expected =
                format!(r#"{{"type":"welcome","id":{id},"tick_hz":50,"width":800,"height":600}}"#);
            if raw != expected || id == bob_id {
                carol
                    .failure("the welcome must say who you are and how the game runs")
                    .line("expected", expected)
                    .line("got", raw)
                    .fail();
            }
        }
        _ => carol
            .failure("the first message must be the welcome")
            .fail(),
    }
}

#[test]
fn ex11_4_a_full_room_closes_with_1013_and_says_why() {
    let ex = harness::exercise("11.4");
    let server = start(Config {
        max_players: 0,
        ..config(20)
    });
    let mut carol = Player::open(ex, server.addr(), "carol", Buffer::Usual);
    let reason = carol.expect_close(1013, "a player in a room with no seats");
    if reason != "the room is full; try again later" {
        carol
            .failure("the close frame must say why")
            .line("expected", "the room is full; try again later")
            .line("got", reason)
            .fail();
    }
}

// ---------------------------------------------------------------------------
// Exercise 11.5: one player's loop
// ---------------------------------------------------------------------------

/// Reads messages until an error message, and returns its text.
#[track_caller]
fn expect_error(player: &mut Player, sent: &str) -> String {
    for _ in 0..100 {
        match player.next() {
            Event::Message(_, ServerMessage::Error { message }) => return message,
            Event::Message(..) => continue,
            Event::Closed(frame) => player
                .failure("an invalid message must be answered with an error message, not a close (before the fifth)")
                .sent(sent.as_bytes())
                .line("got", format!("close frame {frame:?}"))
                .fail(),
        }
    }
    player
        .failure("an invalid message must be answered with an error message")
        .sent(sent.as_bytes())
        .line("expected", r#"{"type":"error","message":"..."}"#)
        .line("got", "a hundred other messages")
        .fail()
}

#[test]
fn ex11_5_a_player_is_sent_every_state_in_order() {
    let ex = harness::exercise("11.5");
    let server = start(config(50));
    let (mut bob, bob_id) = Player::join(ex, server.addr(), "bob");
    let (first, players) = bob.wait_for_state("bob is listed", TIMEOUT, |_, p| has(p, bob_id));
    if !players.iter().any(|p| p.name == "bob") {
        bob.failure("a state must list every player with its name")
            .line("got", format!("{players:?}"))
            .fail();
    }
    for expected in first + 1..first + 20 {
        let (tick, _) = bob.next_state();
        if tick != expected {
            bob.failure("a player must be sent every state, in order")
                .line("expected", format!("tick {expected}"))
                .line("got", format!("tick {tick}"))
                .fail();
        }
    }
}

#[test]
fn ex11_5_a_seat_is_taken_while_playing_and_free_again_after() {
    let ex = harness::exercise("11.5");
    let server = start(Config {
        max_players: 2,
        ..config(20)
    });
    let (ada, _) = Player::join(ex, server.addr(), "ada");
    let (mut bob, _) = Player::join(ex, server.addr(), "bob");
    let mut carol = Player::open(ex, server.addr(), "carol", Buffer::Usual);
    let reason = carol.expect_close(1013, "a third player in a room of two");
    if reason != "the room is full; try again later" {
        carol
            .failure("the close frame must say why")
            .line("expected", "the room is full; try again later")
            .line("got", reason)
            .fail();
    }
    // When one leaves, a seat is free again.
    ada.leave();
    let started = Instant::now();
    loop {
        let mut dave = Player::open(ex, server.addr(), "dave", Buffer::Usual);
        match dave.next() {
            Event::Message(_, ServerMessage::Welcome { .. }) => break,
            _ if started.elapsed() < TIMEOUT => continue,
            _ => dave
                .failure("a seat must be free again once a player has left")
                .fail(),
        }
    }
    bob.next_state();
}

#[test]
fn ex11_5_a_browser_shows_the_player_and_a_bot() {
    let ex = harness::exercise("11.5");
    let Some(chromium) =
        harness::browser::chromium_or_skip("ex11_5_a_browser_shows_the_player_and_a_bot")
    else {
        return;
    };
    let server = start(config(20));
    let crowd = Crowd::join(ex, server.addr(), 1);
    let url = format!("http://{}/?name=ada", server.addr());
    let mut browser = match Browser::start(&chromium) {
        Ok(browser) => browser,
        Err(why) => Failure::new(ex, "Chromium could not be started")
            .line("got", why)
            .fail(),
    };
    // The page fills its list from the WebSocket, after it has loaded: so
    // ask the page what its list shows until it shows both, or time is up.
    const LIST: &str = "[document.getElementById('status').textContent, \
        ...[...document.querySelectorAll('#players li')].map(li => li.className + ' ' + li.textContent)]\
        .join('\\n')";
    let mut shown = String::new();
    let waited = browser.open(&url).and_then(|page| {
        let mut asked = Ok(());
        let listed = harness::wait_until(
            "the list to show ada and b0",
            harness::browser::BROWSER_LIMIT,
            || match browser.evaluate(&page, LIST) {
                Ok(text) => {
                    shown = text;
                    // The page says so when its WebSocket closed: no use
                    // waiting for the list after that.
                    (shown.contains("me ada: ") && shown.contains(" b0: "))
                        || shown.starts_with("Disconnected")
                }
                Err(why) => {
                    asked = Err(why);
                    true
                }
            },
        );
        asked?;
        listed?;
        if shown.starts_with("Disconnected") {
            return Err("the page's WebSocket was closed".into());
        }
        Ok(())
    });
    if let Err(why) = waited {
        Failure::new(
            ex,
            "in a browser, the page must join and list the player and the bot already playing",
        )
        .line(
            "loaded",
            format!("{url}, with a player named b0 in the room"),
        )
        .line(
            "expected",
            "the list #players showing \"ada: 0\" (class me) and \"b0: 0\"",
        )
        .line("got", format!("{why}; it showed: {shown:?}"))
        .fail();
    }
    drop(crowd);
}

/// Headless Chromium driven over its DevTools protocol (JSON over a
/// WebSocket): unlike `--dump-dom`, which prints the page once it has
/// loaded, this can ask the page again and again until what a script put
/// there arrives.
struct Browser {
    child: std::process::Child,
    devtools: WebSocket<TcpStream>,
    next_id: u64,
    _profile: harness::TempDir,
}

impl Browser {
    fn start(chromium: &std::path::Path) -> Result<Browser, String> {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        let profile = harness::TempDir::new("ch11-chromium");
        let mut child = Command::new(chromium)
            .args(harness::browser::HEADLESS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", chromium.display()))?;
        // Chromium prints where its DevTools listen on stderr.
        let stderr = child.stderr.take().expect("stderr is piped");
        let (found, listening) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = found.send(url.to_string());
                }
            }
        });
        let Ok(url) = listening.recv_timeout(harness::browser::BROWSER_LIMIT) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("Chromium never said where its DevTools listen".into());
        };
        let addr = url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .and_then(|host| host.parse::<SocketAddr>().ok())
            .ok_or_else(|| format!("an unexpected DevTools address: {url}"))?;
        let stream = connect_tcp(addr, Buffer::Usual).map_err(|e| e.to_string())?;
        let (devtools, _) =
            tungstenite::client(url.as_str(), stream).map_err(|e| format!("DevTools: {e}"))?;
        Ok(Browser {
            child,
            devtools,
            next_id: 1,
            _profile: profile,
        })
    }

    /// Calls `method` (in page `session`, or on the browser) and returns
    /// its result.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut request = serde_json::json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            request["sessionId"] = session.into();
        }
        self.devtools
            .send(Message::text(request.to_string()))
            .map_err(|e| format!("DevTools: {e}"))?;
        loop {
            let frame = self.devtools.read().map_err(|e| format!("DevTools: {e}"))?;
            let Message::Text(text) = frame else { continue };
            let reply: serde_json::Value =
                serde_json::from_str(text.as_str()).map_err(|e| format!("DevTools: {e}"))?;
            // Events have no id; answers to other calls have another.
            if reply["id"] != id {
                continue;
            }
            if let Some(error) = reply.get("error") {
                return Err(format!("DevTools {method}: {error}"));
            }
            return Ok(reply["result"].clone());
        }
    }

    /// Opens `url` in a new tab; returns the session that speaks to it.
    fn open(&mut self, url: &str) -> Result<String, String> {
        let target = self.call(
            None,
            "Target.createTarget",
            serde_json::json!({ "url": url }),
        )?;
        let attached = self.call(
            None,
            "Target.attachToTarget",
            serde_json::json!({ "targetId": target["targetId"], "flatten": true }),
        )?;
        attached["sessionId"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("DevTools gave no session: {attached}"))
    }

    /// The value of a JavaScript expression in the page, as text.
    fn evaluate(&mut self, session: &str, expression: &str) -> Result<String, String> {
        let result = self.call(
            Some(session),
            "Runtime.evaluate",
            serde_json::json!({ "expression": expression, "returnByValue": true }),
        )?;
        Ok(match &result["result"]["value"] {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ex11_5_bad_messages_get_errors_and_the_fifth_closes_with_1008() {
    let ex = harness::exercise("11.5");
    let server = start(config(20));
    let (mut ada, _) = Player::join(ex, server.addr(), "ada");
    let oversized = format!(r#"{{"type":"chat","text":"{}"}}"#, "x".repeat(MAX_MESSAGE));
    let bad: [(&str, Message); 4] = [
        ("not JSON", Message::text("hello")),
        (
            "an unknown type",
            Message::text(r#"{"type":"teleport","x":1}"#),
        ),
        (
            "out of range",
            Message::text(r#"{"type":"input","dx":5,"dy":0}"#),
        ),
        ("a binary frame", Message::binary(vec![1, 2, 3])),
    ];
    for (what, frame) in bad {
        let shown = format!("{what}: {frame}");
        ada.send_frame(frame);
        let message = expect_error(&mut ada, &shown);
        if message.trim().is_empty() {
            ada.failure("an error message must say what was wrong")
                .sent(shown.as_bytes())
                .fail();
        }
    }
    // A valid message between them is not counted.
    ada.send(r#"{"type":"input","dx":1,"dy":0}"#);
    ada.send(&oversized);
    expect_error(
        &mut ada,
        "a text over MAX_MESSAGE bytes (the fifth invalid message)",
    );
    let reason = ada.expect_close(1008, "the fifth invalid message");
    if reason.is_empty() {
        ada.failure("the close frame must say why").fail();
    }
    server.assert_alive(ex);
    Player::join(ex, server.addr(), "bob").0.leave();
}

#[test]
fn ex11_5_a_frame_too_large_closes_with_1009() {
    let ex = harness::exercise("11.5");
    let server = start(config(20));
    let (mut ada, _) = Player::join(ex, server.addr(), "ada");
    ada.send_frame(Message::text("x".repeat(chapter11::MAX_FRAME + 1)));
    ada.expect_close(1009, "a frame over MAX_FRAME bytes");
    // The server lives on.
    Player::join(ex, server.addr(), "bob").0.leave();
}

#[test]
fn ex11_5_inputs_beyond_60_a_second_are_dropped() {
    let ex = harness::exercise("11.5");
    let server = start(config(50));
    let (mut ada, id) = Player::join(ex, server.addr(), "ada");
    let x_of = |players: &[PlayerView]| players.iter().find(|p| p.id == id).map(|p| p.x);
    let (_, players) = ada.wait_for_state("ada is listed", TIMEOUT, |_, p| has(p, id));
    let start_x = x_of(&players);
    // Sixty stops use up the second's allowance; the sixty-first, "go
    // right", must be dropped.
    for _ in 0..60 {
        ada.send(r#"{"type":"input","dx":0,"dy":0}"#);
    }
    ada.send(r#"{"type":"input","dx":1,"dy":0}"#);
    let (sent_at, _) = ada.next_state();
    for _ in 0..10 {
        let (tick, players) = ada.next_state();
        if x_of(&players) != start_x {
            ada.failure("the 61st input within a second must be dropped")
                .line(
                    "sent",
                    r#"60 × {"type":"input","dx":0,"dy":0}, then {"type":"input","dx":1,"dy":0}"#,
                )
                .line("expected", format!("ada stays at x = {start_x:?}"))
                .line("got", format!("x = {:?} at tick {tick}", x_of(&players)))
                .fail();
        }
    }
    // A second later (50 ticks at 50 Hz), inputs count again.
    ada.wait_for_state("a second has passed", Duration::from_secs(10), |tick, _| {
        tick > sent_at + 55
    });
    ada.send(r#"{"type":"input","dx":1,"dy":0}"#);
    ada.wait_for_state(
        "ada, allowed inputs again, moves right",
        Duration::from_secs(10),
        |_, p| x_of(p) > start_x,
    );
}

#[test]
fn ex11_5_chat_reaches_everyone_as_data_not_markup() {
    let ex = harness::exercise("11.5");
    let server = start(config(20));
    let (mut ada, ada_id) = Player::join(ex, server.addr(), "ada");
    let (mut bob, _) = Player::join(ex, server.addr(), "bob");
    let text = r#"<img src=x onerror="alert(1)"> & </script>"#;
    let sent = ClientMessageJson::chat(text);
    ada.send(&sent);
    let expected = ServerMessage::Chat {
        id: ada_id,
        name: "ada".into(),
        text: text.into(),
    };
    for player in [&mut bob, &mut ada] {
        loop {
            match player.next() {
                Event::Message(raw, message @ ServerMessage::Chat { .. }) => {
                    if message != expected {
                        player
                            .failure("a chat line must be relayed exactly as written, to everyone, the sender too")
                            .sent(sent.as_bytes())
                            .line("expected", expected.to_json())
                            .line("got", raw)
                            .fail();
                    }
                    break;
                }
                Event::Message(..) => continue,
                Event::Closed(frame) => player
                    .failure("the server closed instead of relaying the chat")
                    .line("got", format!("{frame:?}"))
                    .fail(),
            }
        }
    }
    // A flood: the first line above and four more fill the second's
    // allowance of five; the sixth is refused, and bob never sees it.
    for n in 2..=6 {
        ada.send(&ClientMessageJson::chat(&format!("line {n}")));
    }
    let refused = expect_error(&mut ada, "the sixth chat line within a second");
    if !refused.contains("chat") {
        ada.failure("a chat line beyond five a second must be refused with a reason")
            .line("got", refused)
            .fail();
    }
    let mut relayed = Vec::new();
    while relayed.len() < 4 {
        if let Event::Message(_, ServerMessage::Chat { text, .. }) = bob.next() {
            relayed.push(text);
        }
    }
    bob.send(&ClientMessageJson::chat("after the flood"));
    loop {
        if let Event::Message(_, ServerMessage::Chat { text, .. }) = bob.next() {
            if text != "after the flood" {
                bob.failure("only five chat lines a second may be relayed from one player")
                    .line("expected", "line 2 to line 5, then bob's own line")
                    .line("got", format!("{relayed:?}, then {text:?}"))
                    .fail();
            }
            break;
        }
    }
}

/// Client messages as JSON, written by serde so a test's text is escaped.
struct ClientMessageJson;

impl ClientMessageJson {
    fn chat(text: &str) -> String {
        serde_json::json!({ "type": "chat", "text": text }).to_string()
    }
}

#[test]
fn ex11_5_a_player_who_stops_reading_is_dropped_and_200_others_play_on() {
    let ex = harness::exercise("11.5");
    let server = start(Config {
        limits: Limits {
            stall: Duration::from_secs(3),
            ..Limits::default()
        },
        send_buffer: Some(16 * 1024),
        max_players: 300,
        ..config(5)
    });
    let crowd = Crowd::join(ex, server.addr(), 200);
    let (mut watcher, watcher_id) = Player::join(ex, server.addr(), "watcher");
    // A player that never reads a byte after its upgrade.
    let stuck = Player::open(ex, server.addr(), "stuck", Buffer::Small);
    watcher.wait_for_state("stuck is listed", Duration::from_secs(20), |_, p| {
        p.iter().any(|p| p.name == "stuck")
    });
    let mut while_stuck = 0;
    let (tick, players) = watcher.wait_for_state(
        "stuck, who never reads, has been disconnected",
        Duration::from_secs(60),
        |_, p| {
            while_stuck += 1;
            !p.iter().any(|p| p.name == "stuck")
        },
    );
    if while_stuck < 5 || !has(&players, watcher_id) {
        watcher
            .failure("a player who stops reading must not delay anyone else")
            .line("did", "200 players and a watcher read; one player, stuck, reads nothing; the stall limit is 3 s at 5 ticks a second")
            .line("expected", "the watcher gets state after state (about 15) until stuck is dropped")
            .line("got", format!("{while_stuck} states while stuck was listed; at tick {tick}: {} players", players.len()))
            .fail();
    }
    let receiving = crowd.receiving();
    if receiving < 200 {
        watcher
            .failure("every player who reads must be sent states")
            .line("got", format!("{receiving} of the 200 received a state"))
            .fail();
    }
    drop(stuck);
    drop(crowd);
}

#[test]
fn ex11_5_a_lagging_player_skips_ahead_and_is_not_deaf() {
    let ex = harness::exercise("11.5");
    let server = start(Config {
        limits: Limits {
            stall: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(60),
            ..Limits::default()
        },
        send_buffer: Some(4096),
        ..config(100)
    });
    let (mut watcher, _) = Player::join(ex, server.addr(), "watcher");
    let (mut slow, slow_id) = Player::join_with(ex, server.addr(), "slow", Buffer::Small);
    let (paused_at, _) = slow.next_state();
    // The slow player reads nothing while the watcher reads 400 states:
    // its socket fills, its task waits on the send, and its queue of 32
    // overflows.
    let (now, _) = watcher.wait_for_state(
        "400 ticks have passed",
        Duration::from_secs(60),
        |tick, _| tick > paused_at + 400,
    );
    let mut previous = paused_at;
    let mut skipped = 0;
    let started = Instant::now();
    loop {
        let (tick, players) = slow.next_state();
        if tick > previous + 1 {
            skipped += tick - previous - 1;
        }
        previous = tick;
        if tick > now && has(&players, slow_id) {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            slow.failure("a player who fell behind must skip ahead to the newest states and go on")
                .line("expected", format!("a state after tick {now}"))
                .line("got", format!("tick {tick} after 30 s"))
                .fail();
        }
    }
    if skipped == 0 {
        slow.failure("the test meant this player to fall behind, but it was sent every state")
            .line("expected", "a jump in ticks: the queue's oldest states dropped")
            .line("got", format!("every tick from {paused_at} to {previous}"))
            .note("the broadcast channel must hold BROADCAST_CAPACITY messages; and the send must wait for the socket")
            .fail();
    }
}

#[test]
fn ex11_5_a_silent_client_is_disconnected_and_pongs_keep_one_alive() {
    let ex = harness::exercise("11.5");
    let server = start(Config {
        limits: Limits {
            ping_every: Duration::from_millis(100),
            pong_timeout: Duration::from_millis(600),
            stall: Duration::from_secs(60),
            ..Limits::default()
        },
        ..config(10)
    });
    let (mut watcher, watcher_id) = Player::join(ex, server.addr(), "watcher");
    // Reads nothing, so it never answers a ping.
    let silent = Player::open(ex, server.addr(), "silent", Buffer::Usual);
    watcher.wait_for_state("silent is listed", TIMEOUT, |_, p| {
        p.iter().any(|p| p.name == "silent")
    });
    let (gone_at, _) = watcher.wait_for_state(
        "silent, who answers no ping, is gone",
        Duration::from_secs(20),
        |_, p| !p.iter().any(|p| p.name == "silent"),
    );
    // The watcher reads, so tungstenite answers every ping: two seconds
    // (twenty ticks) later it is still there.
    let (tick, players) = watcher.next_state();
    let (tick, players) = if tick < gone_at + 20 {
        watcher.wait_for_state(
            "two more seconds have passed",
            Duration::from_secs(20),
            |t, _| t >= gone_at + 20,
        )
    } else {
        (tick, players)
    };
    if !has(&players, watcher_id) {
        watcher
            .failure("a player who answers pings must stay")
            .line("got", format!("tick {tick}: {players:?}"))
            .fail();
    }
    drop(silent);
}

#[test]
fn ex11_5_a_player_who_vanishes_or_leaves_is_gone_from_the_next_state() {
    let ex = harness::exercise("11.5");
    let server = start(config(20));
    let (mut watcher, _) = Player::join(ex, server.addr(), "watcher");
    let (ghost, ghost_id) = Player::join(ex, server.addr(), "ghost");
    watcher.wait_for_state("ghost is listed", TIMEOUT, |_, p| has(p, ghost_id));
    // No close frame: the connection just ends.
    let _ = ghost.ws.get_ref().shutdown(Shutdown::Both);
    drop(ghost);
    watcher.wait_for_state("ghost, whose connection ended, is gone", TIMEOUT, |_, p| {
        !has(p, ghost_id)
    });
    let (polite, polite_id) = Player::join(ex, server.addr(), "polite");
    watcher.wait_for_state("polite is listed", TIMEOUT, |_, p| has(p, polite_id));
    polite.leave();
    watcher.wait_for_state("polite, who closed, is gone", TIMEOUT, |_, p| {
        !has(p, polite_id)
    });
}

#[test]
fn ex11_5_shutdown_sends_every_player_1001() {
    let ex = harness::exercise("11.5");
    let mut server = start(config(20));
    let (mut ada, _) = Player::join(ex, server.addr(), "ada");
    let (mut bob, _) = Player::join(ex, server.addr(), "bob");
    ada.next_state();
    bob.next_state();
    let outcome = server.stop();
    if !matches!(outcome, harness::server::Outcome::Returned) {
        Failure::new(ex, "serve must return once every player has been closed")
            .line("got", format!("{outcome:?}"))
            .fail();
    }
    for player in [&mut ada, &mut bob] {
        player.expect_close(1001, "the server shutting down");
    }
}

// ---------------------------------------------------------------------------
// Exercise 11.6: bots
// ---------------------------------------------------------------------------

fn run_bots(
    addr: &str,
    count: usize,
    playing: Duration,
) -> Vec<Result<chapter11::bots::Report, String>> {
    tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(chapter11::bots::run(addr, count, playing))
}

#[test]
fn ex11_6_bots_join_move_and_report_what_they_received() {
    let ex = harness::exercise("11.6");
    let server = start(config(20));
    let addr = server.addr().to_string();
    let (mut watcher, _) = Player::join(ex, server.addr(), "watcher");
    let bots = thread::spawn(move || run_bots(&addr, 3, Duration::from_millis(2500)));
    // A bot moves: bot0's position changes while the watcher looks.
    let mut first = None;
    watcher.wait_for_state("bot0 has moved", Duration::from_secs(10), |_, p| {
        let now = p.iter().find(|p| p.name == "bot0").map(|p| (p.x, p.y));
        match (first, now) {
            (None, Some(at)) => {
                first = Some(at);
                false
            }
            (Some(was), Some(at)) => was != at,
            _ => false,
        }
    });
    let reports = bots.join().expect("the bots' thread");
    if reports.len() != 3 {
        Failure::new(ex, "run must return one report per bot")
            .line("got", format!("{reports:?}"))
            .fail();
    }
    for (n, report) in reports.iter().enumerate() {
        let report = match report {
            Ok(report) => report,
            Err(why) => Failure::new(ex, format!("bot{n} failed against a working server"))
                .line("got", why.clone())
                .fail(),
        };
        let latency = report.latency;
        let span = report.last_tick.saturating_sub(report.first_tick) + 1;
        let sane = report.name == format!("bot{n}")
            && report.states >= 10
            && report.states <= span
            && latency.min <= latency.median
            && latency.median <= latency.max
            // Measured from time_us, it is milliseconds, not decades.
            && latency.max < 10_000_000;
        if !sane {
            Failure::new(ex, "a bot must count the states it received and how late each arrived")
                .line("did", "3 bots for 2.5 s at 20 ticks a second")
                .line("expected", "about 50 states each, ticks first..last, latency min ≤ median ≤ max, in microseconds since each state's time_us")
                .line("got", format!("{report:?}"))
                .fail();
        }
    }
}

#[test]
fn ex11_6_a_bot_that_cannot_join_says_why() {
    let ex = harness::exercise("11.6");
    let server = start(Config {
        max_players: 0,
        ..config(20)
    });
    let reports = run_bots(&server.addr().to_string(), 1, Duration::from_secs(2));
    match reports.as_slice() {
        [Err(why)] if why.contains("bot0") && why.contains("1013") => {}
        got => Failure::new(ex, "a bot turned away must say so, with the close frame")
            .line("did", "1 bot against a room with no seats")
            .line(
                "expected",
                "Err(\"bot0: the server closed: ... 1013 ... the room is full ...\")",
            )
            .line("got", format!("{got:?}"))
            .fail(),
    }
    // And with nothing listening at all.
    let closed = harness::bind_local();
    let addr = closed.local_addr().expect("an address").to_string();
    drop(closed);
    let reports = run_bots(&addr, 1, Duration::from_secs(1));
    match reports.as_slice() {
        [Err(why)] if why.contains("could not join") => {}
        got => Failure::new(ex, "a bot that cannot connect must say so")
            .line(
                "did",
                format!("1 bot against {addr}, where nothing listens"),
            )
            .line("expected", "Err(\"bot0: could not join at ws://...: ...\")")
            .line("got", format!("{got:?}"))
            .fail(),
    }
}

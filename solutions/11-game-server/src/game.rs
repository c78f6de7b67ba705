//! The game itself, with no sockets and no clock: players, coins, and a
//! step that moves the world on by a given time.
//!
//! ```text
//!  join / leave / steer ──▶ World ──step(dt)──▶ World' ──view(tick)──▶ state message
//! ```
//!
//! Keeping the game pure (the caller says how much time passed) is what
//! makes it testable: a unit test can step one second and know exactly
//! where everyone is, and the room decides what "one tick" means.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::protocol::{Coin, HEIGHT, PlayerView, WIDTH};

/// How fast a player moves, in units per second, in any direction.
pub const SPEED: f64 = 200.0;
/// How close a player's centre must come to a coin's to pick it up.
pub const REACH: f64 = 16.0;
/// How many coins the arena holds; one picked up is replaced at once.
pub const COINS: usize = 8;

/// One player, as the server knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Player {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub score: u32,
    /// The direction held, each of -1, 0 or 1.
    pub dx: i8,
    pub dy: i8,
}

/// The whole game: every player, every coin, and the random numbers that
/// place new ones.
#[derive(Debug, Clone)]
pub struct World {
    /// By id, so every state lists the players in the same order.
    players: BTreeMap<u64, Player>,
    coins: Vec<Coin>,
    next_id: u64,
    random: Random,
}

impl World {
    /// An empty arena with [`COINS`] coins, placed from `seed`: the same
    /// seed, the same coins, which is what a test wants.
    pub fn new(seed: u64) -> World {
        let mut random = Random::new(seed);
        let coins = (0..COINS).map(|_| random.coin()).collect();
        World {
            players: BTreeMap::new(),
            coins,
            next_id: 1,
            random,
        }
    }

    /// Adds a player named `name` at a random place; returns its id, never
    /// used before in this world.
    pub fn join(&mut self, name: &str) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let Coin { x, y } = self.random.coin();
        self.players.insert(
            id,
            Player {
                name: name.to_string(),
                x,
                y,
                score: 0,
                dx: 0,
                dy: 0,
            },
        );
        id
    }

    /// Removes player `id`, if it is here.
    pub fn leave(&mut self, id: u64) {
        self.players.remove(&id);
    }

    /// Sets the direction player `id` holds. The values were checked when
    /// the message was read; they are clamped again here, so the game
    /// stays right whoever calls it.
    pub fn steer(&mut self, id: u64, dx: i8, dy: i8) {
        if let Some(player) = self.players.get_mut(&id) {
            player.dx = dx.clamp(-1, 1);
            player.dy = dy.clamp(-1, 1);
        }
    }

    /// Player `id`, if it is here.
    pub fn player(&self, id: u64) -> Option<&Player> {
        self.players.get(&id)
    }

    /// How many players there are.
    pub fn len(&self) -> usize {
        self.players.len()
    }

    /// Whether nobody is playing.
    pub fn is_empty(&self) -> bool {
        self.players.is_empty()
    }

    /// The coins, in no particular order.
    pub fn coins(&self) -> &[Coin] {
        &self.coins
    }

    /// Puts a coin at a place of the caller's choosing: for tests, which
    /// need a coin where a player will be.
    pub fn place_coin(&mut self, index: usize, coin: Coin) {
        if let Some(slot) = self.coins.get_mut(index) {
            *slot = coin;
        }
    }

    /// Moves player `id` to `(x, y)`, kept inside the arena: for tests.
    pub fn place_player(&mut self, id: u64, x: f64, y: f64) {
        if let Some(player) = self.players.get_mut(&id) {
            player.x = x.clamp(0.0, f64::from(WIDTH));
            player.y = y.clamp(0.0, f64::from(HEIGHT));
        }
    }

    // ANCHOR: step
    // ANCHOR: step_signature
    /// Moves the world on by `elapsed`: every player goes [`SPEED`] units a
    /// second in the direction it holds (as fast diagonally as straight),
    /// stays inside the arena, and picks up every coin within [`REACH`],
    /// scoring a point for each; each coin picked up reappears elsewhere.
    pub fn step(&mut self, elapsed: Duration) {
        // ANCHOR_END: step_signature
        // exercise 11.1: Step the world
        let distance = SPEED * elapsed.as_secs_f64();
        for player in self.players.values_mut() {
            let (dx, dy) = (f64::from(player.dx), f64::from(player.dy));
            // A diagonal (1, 1) is √2 long; divide by that, or diagonal
            // players would be 41% faster.
            let length = (dx * dx + dy * dy).sqrt();
            if length > 0.0 {
                player.x += dx / length * distance;
                player.y += dy / length * distance;
            }
            player.x = player.x.clamp(0.0, f64::from(WIDTH));
            player.y = player.y.clamp(0.0, f64::from(HEIGHT));
            for coin in &mut self.coins {
                if (coin.x - player.x).hypot(coin.y - player.y) <= REACH {
                    player.score += 1;
                    *coin = self.random.coin();
                }
            }
        }
        // end exercise
    }
    // ANCHOR_END: step

    /// The players and the coins as every client sees them, positions
    /// rounded to whole units (nobody sees a fraction of a pixel, and the
    /// message is shorter).
    pub fn view(&self) -> (Vec<PlayerView>, Vec<Coin>) {
        let players = self
            .players
            .iter()
            .map(|(&id, p)| PlayerView {
                id,
                name: p.name.clone(),
                x: p.x.round(),
                y: p.y.round(),
                score: p.score,
            })
            .collect();
        (players, self.coins.clone())
    }
}

/// A small random number generator (xorshift64): coins need to look
/// scattered, not to be unpredictable, and a seed makes a test repeatable.
#[derive(Debug, Clone)]
struct Random(u64);

impl Random {
    fn new(seed: u64) -> Random {
        // Zero would stay zero for ever.
        Random(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..below`.
    fn below(&mut self, below: u32) -> f64 {
        (self.next() % u64::from(below)) as f64
    }

    /// A place in the arena, a little in from the walls.
    fn coin(&mut self) -> Coin {
        const MARGIN: u32 = 20;
        Coin {
            x: f64::from(MARGIN) + self.below(WIDTH - 2 * MARGIN),
            y: f64::from(MARGIN) + self.below(HEIGHT - 2 * MARGIN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The step itself is checked by the stage tests (tests/chapter11.rs).
    #[test]
    fn ids_are_never_reused() {
        let mut world = World::new(1);
        let a = world.join("a");
        world.leave(a);
        let b = world.join("b");
        assert_ne!(a, b);
        assert_eq!(world.len(), 1);
    }

    #[test]
    fn the_same_seed_places_the_same_coins() {
        assert_eq!(World::new(42).coins(), World::new(42).coins());
        assert_ne!(World::new(42).coins(), World::new(43).coins());
    }
}

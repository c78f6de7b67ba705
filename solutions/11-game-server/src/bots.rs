//! Bots: players without a person, for load. Each joins over its own
//! WebSocket with tokio-tungstenite's client, wanders about, and counts
//! what it receives: how many states a second, and how late each one
//! arrived after its tick ran.
//!
//! ```text
//!  bot ── connect ws://ADDR/ws?name=botN ─▶ welcome
//!      ◀─ state (tick, time_us) ... arrival − time_us = latency
//!      ── input every second (a new direction) ─▶
//! ```
//!
//! The latency compares the server's clock (`time_us`, taken when the
//! tick ran) with the bot's, so it means something only when both run on
//! one machine, which is how the chapter uses them.

use std::time::Duration;

/// What one bot saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: String,
    /// How many state messages arrived.
    pub states: u64,
    /// The first and last tick among them.
    pub first_tick: u64,
    pub last_tick: u64,
    /// How long the bot played.
    pub played: Duration,
    /// From each state's tick to its arrival, in microseconds.
    pub latency: Latency,
}

impl Report {
    /// States received a second.
    pub fn states_per_second(&self) -> f64 {
        self.states as f64 / self.played.as_secs_f64().max(f64::EPSILON)
    }
}

/// The spread of a set of latencies, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    pub min: u64,
    pub median: u64,
    pub max: u64,
}

impl Latency {
    /// The minimum, median and maximum of `samples` (all zero when there
    /// are none).
    pub fn of(mut samples: Vec<u64>) -> Latency {
        samples.sort_unstable();
        match (samples.first(), samples.last()) {
            (Some(&min), Some(&max)) => Latency {
                min,
                median: samples[samples.len() / 2],
                max,
            },
            _ => Latency::default(),
        }
    }
}

/// Runs `count` bots against the server at `addr` (`HOST:PORT`) for
/// `playing`, all at once; returns each bot's report, or why it failed.
pub async fn run(addr: &str, count: usize, playing: Duration) -> Vec<Result<Report, String>> {
    let bots: Vec<_> = (0..count)
        .map(|n| {
            let url = format!("ws://{addr}/ws?name=bot{n}");
            tokio::spawn(bot(url, format!("bot{n}"), playing, n as u64))
        })
        .collect();
    let mut reports = Vec::with_capacity(count);
    for bot in bots {
        reports.push(bot.await.unwrap_or_else(|error| Err(error.to_string())));
    }
    reports
}

// ANCHOR: bot
// ANCHOR: bot_signature
/// One bot: joins at `url` as `name`, plays for `playing`, changing
/// direction every second, and reports what it received.
pub async fn bot(
    url: String,
    name: String,
    playing: Duration,
    seed: u64,
) -> Result<Report, String> {
    // ANCHOR_END: bot_signature
    // exercise 11.6: Bots that measure
    use futures_util::{SinkExt, StreamExt};
    use tokio::time::{self, Instant};
    use tokio_tungstenite::tungstenite::Message;

    use crate::protocol::now_us;

    /// The two fields of a state a bot needs. serde skips the rest (the
    /// players and the coins) without building them, so hundreds of bots
    /// in one process can keep up; a welcome or a chat has no tick, and
    /// does not parse as one.
    #[derive(serde::Deserialize)]
    struct Stamp {
        tick: u64,
        time_us: u64,
    }

    let (mut socket, _response) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .map_err(|error| format!("{name}: could not join at {url}: {error}"))?;
    let started = Instant::now();
    let end = time::sleep(playing);
    tokio::pin!(end);
    let mut turns = time::interval(Duration::from_secs(1));
    let mut direction = seed;
    let mut report = Report {
        name: name.clone(),
        states: 0,
        first_tick: 0,
        last_tick: 0,
        played: Duration::ZERO,
        latency: Latency::default(),
    };
    let mut latencies = Vec::new();
    loop {
        tokio::select! {
            () = &mut end => break,
            _ = turns.tick() => {
                // Nine directions, (-1, -1) to (1, 1), one after another
                // in an order that looks like wandering.
                direction = direction.wrapping_mul(5).wrapping_add(3) % 9;
                let dx = (direction % 3) as i8 - 1;
                let dy = (direction / 3) as i8 - 1;
                let input = format!(r#"{{"type":"input","dx":{dx},"dy":{dy}}}"#);
                socket
                    .send(Message::text(input))
                    .await
                    .map_err(|error| format!("{name}: sending: {error}"))?;
            }
            frame = socket.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame.map_or_else(
                            || "no reason given".to_string(),
                            |f| format!("{} {}", u16::from(f.code), f.reason),
                        );
                        return Err(format!("{name}: the server closed the connection: {why}"));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(error)) => return Err(format!("{name}: reading: {error}")),
                    None => return Err(format!("{name}: the server went away")),
                };
                if let Ok(Stamp { tick, time_us }) = serde_json::from_str(&text) {
                    latencies.push(now_us().saturating_sub(time_us));
                    if report.states == 0 {
                        report.first_tick = tick;
                    }
                    report.last_tick = tick;
                    report.states += 1;
                }
            }
        }
    }
    report.played = started.elapsed();
    report.latency = Latency::of(latencies);
    // A close frame, so the server sees a clean leave.
    let _ = socket.close(None).await;
    Ok(report)
    // end exercise
}
// ANCHOR_END: bot

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spread_of_latencies() {
        assert_eq!(
            Latency::of(vec![30, 10, 20, 50, 40]),
            Latency {
                min: 10,
                median: 30,
                max: 50
            }
        );
        assert_eq!(Latency::of(vec![]), Latency::default());
    }
}

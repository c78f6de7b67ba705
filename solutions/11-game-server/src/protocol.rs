//! The messages on the wire: JSON text frames, one message per frame.
//!
//! ```text
//!  server ─▶ client   welcome (once) · state (every tick) · chat · error
//!  client ─▶ server   input {dx, dy} · chat {text}
//! ```
//!
//! The server is authoritative: a client says which way it wants to go,
//! never where it is, so no client can teleport or run faster than the
//! others. Everything a client sends is checked here before the game sees
//! it.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The arena's width, in game units (the page draws one unit per pixel).
pub const WIDTH: u32 = 800;
/// The arena's height.
pub const HEIGHT: u32 = 600;
/// The longest name, in characters.
pub const MAX_NAME: usize = 16;
/// The longest chat text, in characters.
pub const MAX_CHAT: usize = 200;
/// The largest message a client may send, in bytes: a chat line of 200
/// characters fits even when every one is an emoji that the client's JSON
/// escapes as two `\uXXXX` (twelve bytes; Python's `json.dumps` does
/// this). Anything larger is refused before it is parsed.
pub const MAX_MESSAGE: usize = 4096;

// ANCHOR: server_messages
/// One player as every client sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerView {
    pub id: u64,
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub score: u32,
}

/// A coin waiting to be picked up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coin {
    pub x: f64,
    pub y: f64,
}

/// What the server sends. `#[serde(tag = "type")]` puts the variant's
/// name in the object, `{"type":"state",...}`, which is how JavaScript
/// tells the messages apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    /// The first message: who you are and how the game runs.
    Welcome {
        id: u64,
        tick_hz: u32,
        width: u32,
        height: u32,
    },
    /// The whole game after tick `tick`, every tick. `time_us` is the
    /// server's clock when the tick ran (microseconds since 1970), so a
    /// client on the same machine can measure how late the state arrived.
    State {
        tick: u64,
        time_us: u64,
        players: Vec<PlayerView>,
        coins: Vec<Coin>,
    },
    /// A chat line, relayed to everyone as it was written.
    Chat { id: u64, name: String, text: String },
    /// What was wrong with the client's last message.
    Error { message: String },
}
// ANCHOR_END: server_messages

impl ServerMessage {
    /// The message as the JSON text of one frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a server message always serializes")
    }
}

/// The wall clock in microseconds since 1970: a state's `time_us`.
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

// ANCHOR: client_messages
/// What a client may send.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientMessage {
    /// The direction held from now on: each of `dx` and `dy` is -1, 0 or 1.
    Input { dx: i8, dy: i8 },
    /// A line for everyone.
    Chat { text: String },
}
// ANCHOR_END: client_messages

// ANCHOR: parse_client
// ANCHOR: parse_client_signature
/// Reads one text frame from a client, or says what is wrong with it in a
/// sentence the client is sent back.
pub fn parse_client(text: &str) -> Result<ClientMessage, String> {
    // ANCHOR_END: parse_client_signature
    // exercise 11.2: Read a client's message
    if text.len() > MAX_MESSAGE {
        return Err(format!(
            "a message is at most {MAX_MESSAGE} bytes; this one is {}",
            text.len()
        ));
    }
    // serde's own message names the problem: "unknown variant `jump`,
    // expected `input` or `chat`", "missing field `dy`", and so on.
    let message: ClientMessage = serde_json::from_str(text).map_err(|error| {
        format!(r#"not a message: {error} (send {{"type":"input","dx":1,"dy":0}})"#)
    })?;
    match &message {
        ClientMessage::Input { dx, dy } => {
            if !(-1..=1).contains(dx) || !(-1..=1).contains(dy) {
                return Err(format!("dx and dy are -1, 0 or 1, not {dx} and {dy}"));
            }
        }
        ClientMessage::Chat { text } => {
            let length = text.chars().count();
            if text.trim().is_empty() || length > MAX_CHAT {
                return Err(format!(
                    "a chat text is 1 to {MAX_CHAT} characters, not only spaces; this one has {length}"
                ));
            }
        }
    }
    Ok(message)
    // end exercise
}
// ANCHOR_END: parse_client

// ANCHOR: valid_name
/// Whether `name` may be a player's name: 1 to [`MAX_NAME`] characters,
/// none of them a control character or an invisible one, and not only
/// spaces.
pub fn valid_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=MAX_NAME).contains(&length)
        && !name.chars().any(|c| c.is_control() || invisible(c))
        && !name.trim().is_empty()
}

/// The invisible characters that change how the text around them looks:
/// zero-width spaces and joiners, direction marks and overrides (with
/// which "ada\u{202E}nimda" is shown as "adaadmin"), the word joiner and
/// the byte order mark. A name with one could pass for someone else's.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}
// ANCHOR_END: valid_name

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inputs_and_chat() {
        assert_eq!(
            parse_client(r#"{"type":"input","dx":-1,"dy":1}"#),
            Ok(ClientMessage::Input { dx: -1, dy: 1 })
        );
        assert_eq!(
            parse_client(r#"{"type":"chat","text":"hi"}"#),
            Ok(ClientMessage::Chat { text: "hi".into() })
        );
    }

    #[test]
    fn refuses_what_is_not_a_message() {
        for bad in [
            "hello",
            r#"{"type":"jump"}"#,
            r#"{"type":"input","dx":1}"#,
            r#"{"type":"input","dx":2,"dy":0}"#,
            r#"{"type":"input","dx":1,"dy":0,"x":400}"#,
            r#"{"type":"chat","text":"   "}"#,
        ] {
            assert!(parse_client(bad).is_err(), "{bad}");
        }
        let long = format!(r#"{{"type":"chat","text":"{}"}}"#, "a".repeat(MAX_CHAT + 1));
        assert!(parse_client(&long).unwrap_err().contains("201"));
    }

    #[test]
    fn names_are_short_and_printable() {
        assert!(valid_name("ada"));
        assert!(valid_name("Zoë the great 16"));
        assert!(!valid_name(""));
        assert!(!valid_name("   "));
        assert!(!valid_name("a\nb"));
        assert!(!valid_name("seventeen letters"));
        assert!(!valid_name("ada\u{202E}nimda"));
        assert!(!valid_name("a\u{200B}b"));
    }

    #[test]
    fn server_messages_carry_their_type() {
        let welcome = ServerMessage::Welcome {
            id: 1,
            tick_hz: 20,
            width: WIDTH,
            height: HEIGHT,
        };
        assert_eq!(
            welcome.to_json(),
            r#"{"type":"welcome","id":1,"tick_hz":20,"width":800,"height":600}"#
        );
    }
}

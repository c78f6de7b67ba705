//! The service itself, before any XML or JSON: four operations on chapter
//! 8's guestbook, and every way they can fail.
//!
//! ```text
//!  SOAP envelope ─┐                                   ┌─▶ SOAP response or fault
//!                 ├─▶ Service::{time, add, list, get} ┤
//!  JSON request ──┘    (chapter 6's rules,            └─▶ JSON body or problem
//!                       chapter 8's SQLite file)
//! ```
//!
//! Both front ends call these and nothing else, so an entry added over
//! SOAP is the same row a JSON client reads, and a name that is too long
//! is refused with the same sentence by both.

use std::fmt;

use chapter01::time::{now_rfc3339, rfc3339, unix_now};
use chapter06::form::Form;
use chapter08::db::{self, Guestbook, StorageError};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How many entries a list returns when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 20;
/// The most entries one list returns.
pub const MAX_LIMIT: i64 = 100;

/// One stored entry, as both front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Entry {
    /// Its number: SQLite's row id, larger for every later entry.
    pub id: i64,
    /// Who wrote it.
    #[schema(max_length = 100)]
    pub name: String,
    /// What they wrote.
    #[schema(max_length = 1000)]
    pub message: String,
    /// When it was stored, as an RFC 3339 timestamp in UTC (an
    /// `xsd:dateTime` in the WSDL, a `date-time` in the OpenAPI document).
    #[schema(format = DateTime)]
    pub created: String,
}

/// One field the caller got wrong, and why, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field: `name`, `message`, `limit` or `id`.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FieldError {
    /// A field error with this `field` and `reason`.
    pub fn new(field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}

/// Why an operation failed.
#[derive(Debug)]
pub enum ServiceError {
    /// The caller sent fields that break the rules: every one of them.
    Invalid(Vec<FieldError>),
    /// There is no entry with this id.
    NotFound(i64),
    /// Our own failure: the database. Logged, never shown to the caller.
    Storage(StorageError),
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Invalid(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                write!(f, "invalid {}", fields.join(", "))
            }
            ServiceError::NotFound(id) => write!(f, "there is no entry {id}"),
            ServiceError::Storage(error) => write!(f, "{error}"),
        }
    }
}

impl From<StorageError> for ServiceError {
    fn from(error: StorageError) -> ServiceError {
        ServiceError::Storage(error)
    }
}

/// The operations, on one guestbook. Cheap to clone: a handle.
#[derive(Debug, Clone)]
pub struct Service {
    guestbook: Guestbook,
}

// ANCHOR: service
impl Service {
    /// The service on `guestbook`.
    pub fn new(guestbook: Guestbook) -> Service {
        Service { guestbook }
    }

    /// The server's time, as an RFC 3339 timestamp in UTC.
    pub fn time(&self) -> String {
        now_rfc3339()
    }

    /// Stores an entry under chapter 6's rules (trimmed, not empty, at most
    /// 100 and 1000 characters) and returns it as stored.
    pub async fn add(&self, name: &str, message: &str) -> Result<Entry, ServiceError> {
        let form = Form {
            name: name.trim().to_string(),
            message: message.trim().to_string(),
        };
        let mut errors: Vec<FieldError> = form
            .problems()
            .iter()
            .map(|p| FieldError::new(p.field, p.to_string()))
            .collect();
        for (field, value) in [("name", &form.name), ("message", &form.message)] {
            if let Some(c) = value.chars().find(|&c| !is_xml_char(c)) {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "The {field} holds U+{:04X}, a control character the guestbook does not store.",
                        u32::from(c)
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let entry = db::Entry {
            posted: unix_now(),
            name: form.name,
            message: form.message,
        };
        // Chapter 8's insert, and the id SQLite gave the row, on the same
        // connection in the same blocking task: no other insert comes
        // between them.
        let stored = entry.clone();
        let id = self
            .guestbook
            .run(move |connection| {
                db::insert_entry(connection, &stored)?;
                Ok(connection.last_insert_rowid())
            })
            .await?;
        Ok(entry_from(id, entry))
    }

    /// The newest entries first, at most `limit` of them ([`DEFAULT_LIMIT`]
    /// when `None`; 1 to [`MAX_LIMIT`]).
    pub async fn list(&self, limit: Option<i64>) -> Result<Vec<Entry>, ServiceError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ServiceError::Invalid(vec![FieldError::new(
                "limit",
                format!("The limit must be between 1 and {MAX_LIMIT}; it is {limit}."),
            )]));
        }
        Ok(self.guestbook.run(move |c| newest(c, limit)).await?)
    }

    /// The entry numbered `id`.
    pub async fn get(&self, id: i64) -> Result<Entry, ServiceError> {
        let found = self.guestbook.run(move |c| by_id(c, id)).await?;
        found.ok_or(ServiceError::NotFound(id))
    }
}
// ANCHOR_END: service

/// Whether XML 1.0 can carry `c`: not the C0 controls but tab, line feed
/// and carriage return, nor U+FFFE and U+FFFF. An entry must be one that
/// both front ends can give back, and XML has no way at all to write
/// U+0001, so the service refuses such text from JSON callers too.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The columns every query below selects, in this order.
const COLUMNS: &str = "id, posted, name, message";

/// At most `limit` entries, newest first: chapter 8's order, by row id.
fn newest(connection: &Connection, limit: i64) -> rusqlite::Result<Vec<Entry>> {
    let sql = format!("SELECT {COLUMNS} FROM entries ORDER BY id DESC LIMIT ?1");
    let mut select = connection.prepare_cached(&sql)?;
    let rows = select.query_map(params![limit], entry_from_row)?;
    rows.collect()
}

/// The entry numbered `id`, if there is one.
fn by_id(connection: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    let sql = format!("SELECT {COLUMNS} FROM entries WHERE id = ?1");
    let mut select = connection.prepare_cached(&sql)?;
    select.query_row(params![id], entry_from_row).optional()
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    let entry = db::Entry {
        posted: row.get(1)?,
        name: row.get(2)?,
        message: row.get(3)?,
    };
    Ok(entry_from(row.get(0)?, entry))
}

fn entry_from(id: i64, entry: db::Entry) -> Entry {
    Entry {
        id,
        name: entry.name,
        message: entry.message,
        created: rfc3339(entry.posted),
    }
}

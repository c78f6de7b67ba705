//! The guestbook in an embedded SQLite database: one file, `guestbook.db`
//! in the data folder, one row per entry.
//!
//! ```text
//! data/guestbook.db
//!   entries
//!   id  posted      name   message
//!   1   1795451000  Ada    Hello, world!
//!   2   1795451042  Grace  <b>hi</b>
//! ```
//!
//! Two layers, as in chapter 6:
//!
//! - Plain functions on a [`Connection`] ([`create_schema`],
//!   [`insert_entry`], [`newest_first`]): SQL, and nothing else. They block
//!   the thread that calls them until SQLite has read or written the disk.
//! - [`Guestbook`], which the handlers use: it owns the one connection and
//!   runs those functions on tokio's blocking threads ([`Guestbook::run`]),
//!   so a slow disk never stops the threads that run every other request.
//!
//! SQLite does what chapter 6 did by hand: a transaction is written to the
//! disk before `execute` returns (the default `synchronous = FULL` syncs
//! like chapter 6's `sync_data`), and a crash in the middle of one is rolled
//! back from the journal the next time the file is opened, so the table
//! never holds half an entry. Text goes in as a bound parameter (`?1`),
//! never pasted into the SQL, so a name like `'); DROP TABLE entries; --`
//! is stored as the name it is.

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[expect(unused_imports, reason = "until you write exercise 8.1")]
use rusqlite::{Connection, params};
use tokio::task::JoinError;

/// Chapter 6's entry: when, who, what. Only where it is kept has changed.
pub use chapter06::guestbook::Entry;

/// The database file, inside the data folder.
pub const FILE_NAME: &str = "guestbook.db";

// ANCHOR: schema
/// The table, created on start if it is not there yet.
///
/// `id` is SQLite's row id: every insert gets a larger one than any row
/// before it, so it orders entries exactly as they were added, even two
/// posted in the same second. `posted` is for showing, not for ordering.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS entries (
    id      INTEGER PRIMARY KEY,
    posted  INTEGER NOT NULL,
    name    TEXT NOT NULL,
    message TEXT NOT NULL
)";
// ANCHOR_END: schema

// ANCHOR: queries
// ANCHOR: create_schema_signature
/// Creates the table if the database does not have it; harmless to run on
/// every start, which is when it runs.
#[expect(unused_variables, reason = "until you write exercise 8.1")]
pub fn create_schema(connection: &Connection) -> rusqlite::Result<()> {
    // ANCHOR_END: create_schema_signature
    todo!(
        "exercise 8.1: Store the guestbook in SQLite (read book/src/ch08-axum.md#exercise-81-store-the-guestbook-in-sqlite)"
    )
}

// ANCHOR: insert_entry_signature
/// Adds one entry, and returns once it is on the disk.
#[expect(unused_variables, reason = "until you write exercise 8.1")]
pub fn insert_entry(connection: &Connection, entry: &Entry) -> rusqlite::Result<()> {
    // ANCHOR_END: insert_entry_signature
    todo!(
        "exercise 8.1: Store the guestbook in SQLite (read book/src/ch08-axum.md#exercise-81-store-the-guestbook-in-sqlite)"
    )
}

// ANCHOR: newest_first_signature
/// Every entry, newest first.
#[expect(unused_variables, reason = "until you write exercise 8.1")]
pub fn newest_first(connection: &Connection) -> rusqlite::Result<Vec<Entry>> {
    // ANCHOR_END: newest_first_signature
    todo!(
        "exercise 8.1: Store the guestbook in SQLite (read book/src/ch08-axum.md#exercise-81-store-the-guestbook-in-sqlite)"
    )
}
// ANCHOR_END: queries

// ANCHOR: guestbook
/// Why the guestbook could not be read or written.
#[derive(Debug)]
pub enum StorageError {
    /// The data folder could not be created.
    Folder(io::Error),
    /// SQLite said no: the disk is full, the file is not a database, ...
    Sqlite(rusqlite::Error),
    /// The blocking task never ran: the runtime is shutting down.
    Interrupted(JoinError),
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Folder(error) => write!(f, "the data folder: {error}"),
            StorageError::Sqlite(error) => write!(f, "the guestbook database: {error}"),
            StorageError::Interrupted(error) => write!(f, "the guestbook task: {error}"),
        }
    }
}

impl std::error::Error for StorageError {}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> StorageError {
        StorageError::Sqlite(error)
    }
}

/// The guestbook the handlers share: one SQLite connection.
///
/// Cloning it is cheap and gives another handle to the same connection,
/// which is what axum's `State` needs (it clones the state for each
/// request).
#[derive(Debug, Clone)]
pub struct Guestbook {
    /// The connection, behind a std mutex because a `Connection` may move
    /// between threads but not be used by two at once. A std mutex, not
    /// tokio's: it is only ever locked on a blocking thread (see
    /// [`Guestbook::run`]), never held across an `.await`. One connection
    /// is plenty here: every query takes microseconds, and SQLite lets one
    /// writer in at a time anyway.
    connection: Arc<Mutex<Connection>>,
}

impl Guestbook {
    /// Opens (or creates) `guestbook.db` in the folder `data`, creating the
    /// folder if needed, and the table if the file has none.
    ///
    /// This blocks: call it before serving (as [`crate::AppState::open`]
    /// does), not from a handler.
    pub fn open(data: &Path) -> Result<Guestbook, StorageError> {
        fs::create_dir_all(data).map_err(StorageError::Folder)?;
        Guestbook::with_connection(Connection::open(data.join(FILE_NAME))?)
    }

    /// A guestbook in memory, gone when the last handle is dropped: for
    /// tests that need no file.
    pub fn in_memory() -> Result<Guestbook, StorageError> {
        Guestbook::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(connection: Connection) -> Result<Guestbook, StorageError> {
        create_schema(&connection)?;
        Ok(Guestbook {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// The connection itself, for synchronous code (and for a test that
    /// checks [`Guestbook::run`] never waits for it on the runtime's
    /// threads). Never call this from async code: it blocks.
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        // A thread that panicked holding the lock left the connection as
        // SQLite left it: any unfinished transaction is rolled back, so it
        // is still usable.
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `entry`.
    pub async fn add(&self, entry: Entry) -> Result<(), StorageError> {
        self.run(move |connection| insert_entry(connection, &entry))
            .await
    }

    /// Every entry, newest first.
    pub async fn entries(&self) -> Result<Vec<Entry>, StorageError> {
        self.run(newest_first).await
    }
}
// ANCHOR_END: guestbook

// ANCHOR: run
impl Guestbook {
    // ANCHOR: run_signature
    /// Runs `query` on the connection without blocking the async runtime,
    /// and gives back its result.
    #[expect(unused_variables, reason = "until you write exercise 8.2")]
    pub async fn run<T, Q>(&self, query: Q) -> Result<T, StorageError>
    where
        Q: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // ANCHOR_END: run_signature
        todo!(
            "exercise 8.2: Run the queries off the async runtime (read book/src/ch08-axum.md#exercise-82-run-the-queries-off-the-async-runtime)"
        )
    }
}
// ANCHOR_END: run

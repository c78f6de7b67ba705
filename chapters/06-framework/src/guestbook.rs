//! The guestbook's storage: one file, one line per entry, only ever
//! appended to.
//!
//! ```text
//! data/guestbook.txt
//! posted=1795451000&name=Ada&message=Hello%2C%20world%21\n
//! posted=1795451042&name=Grace&message=%3Cb%3Ehi%3C%2Fb%3E\n
//! posted=1795451097&name=Lin&mess                         <- torn: the power went out
//! ```
//!
//! Each line is a form body, the same `application/x-www-form-urlencoded`
//! a browser sends: every byte that could be read as syntax (a newline,
//! `&`, `=`, `%`) is percent-encoded, so a line holds exactly one entry
//! whatever a visitor typed, and chapter 2's `parse_form` reads it back.
//!
//! Why appending keeps earlier entries safe: a new entry is written after
//! the end of the file and forced to the disk with `sync_data` before the
//! visitor is told it was stored. A crash in the middle of a write can only
//! leave the *last* line incomplete, and a line is complete only when it
//! ends with its newline, so readers skip a torn last line and
//! [`Guestbook::open`] cuts it off before appending after it. The other
//! safe way, writing a whole new file and renaming it over the old one, is
//! better for a file that is rewritten (a settings file) but rewrites every
//! entry for each new one.

use std::fs::{self, File, OpenOptions};
#[expect(unused_imports, reason = "until you write exercise 6.4")]
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use chapter02::form::parse_form;
use chapter04::listing::encode_segment;

/// The file the entries live in, inside the data folder.
pub const FILE_NAME: &str = "guestbook.txt";

// ANCHOR: entry
/// One message in the guestbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it was posted, in seconds since 1970-01-01 UTC.
    pub posted: i64,
    /// Who wrote it, as typed (trimmed).
    pub name: String,
    /// What they wrote, as typed (trimmed).
    pub message: String,
}

/// `entry` as one line of the file, newline included.
pub fn encode_entry(entry: &Entry) -> String {
    format!(
        "posted={}&name={}&message={}\n",
        entry.posted,
        encode_segment(&entry.name),
        encode_segment(&entry.message)
    )
}

/// The entry a line (without its newline) holds, or `None` if it is not
/// one: a line from a future version with other fields, or damaged.
pub fn decode_entry(line: &[u8]) -> Option<Entry> {
    let fields = parse_form(line);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    };
    Some(Entry {
        posted: field("posted")?.parse().ok()?,
        name: field("name")?,
        message: field("message")?,
    })
}

// ANCHOR_END: entry

// ANCHOR: decode_entries
// ANCHOR: decode_entries_signature
/// The entries of a whole file, newest first. A last line without its
/// newline was torn by a crash and is skipped, and so is any line that is
/// not an entry.
#[expect(unused_variables, reason = "until you write exercise 6.4")]
pub fn decode_entries(contents: &[u8]) -> Vec<Entry> {
    // ANCHOR_END: decode_entries_signature
    todo!(
        "exercise 6.4: Store the guestbook safely (read book/src/ch06-framework.md#exercise-64-store-the-guestbook-safely)"
    )
}
// ANCHOR_END: decode_entries

// ANCHOR: guestbook
/// The guestbook file, shared by every worker thread.
#[derive(Debug)]
pub struct Guestbook {
    path: PathBuf,
    /// The file, opened for appending. The mutex makes each entry one
    /// uninterrupted write: two visitors posting at once get two whole
    /// lines, one after the other, never a mix of both.
    file: Mutex<File>,
}

impl Guestbook {
    /// Opens (or creates) the guestbook in the folder `data`, creating the
    /// folder if needed.
    pub fn open(data: &Path) -> io::Result<Guestbook> {
        fs::create_dir_all(data)?;
        let path = data.join(FILE_NAME);
        cut_torn_line(&path)?;
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Guestbook {
            path,
            file: Mutex::new(file),
        })
    }

    /// Where the entries are stored.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry, newest first.
    pub fn entries(&self) -> io::Result<Vec<Entry>> {
        // Holding the lock while reading means we never see a line that
        // another thread is halfway through writing.
        let _writers = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(decode_entries(&fs::read(&self.path)?))
    }
}
// ANCHOR_END: guestbook

// ANCHOR: append
impl Guestbook {
    // ANCHOR: append_signature
    /// Adds `entry` at the end of the file, and returns only once it is on
    /// the disk.
    #[expect(unused_variables, reason = "until you write exercise 6.4")]
    pub fn append(&self, entry: &Entry) -> io::Result<()> {
        // ANCHOR_END: append_signature
        todo!(
            "exercise 6.4: Store the guestbook safely (read book/src/ch06-framework.md#exercise-64-store-the-guestbook-safely)"
        )
    }
}
// ANCHOR_END: append

// ANCHOR: cut_torn_line
/// Removes a torn last line (one without its newline) from the file at
/// `path`, if it exists. Appending after a torn line would glue the next
/// entry onto it, and the two would read back as one damaged line.
fn cut_torn_line(path: &Path) -> io::Result<()> {
    let contents = match fs::read(path) {
        Ok(contents) => contents,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    if contents.is_empty() || contents.ends_with(b"\n") {
        return Ok(());
    }
    let complete = contents
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    eprintln!(
        "guestbook: cutting an incomplete last line ({} bytes) from {}",
        contents.len() - complete,
        path.display()
    );
    // A separate handle opened for writing: Windows does not let a handle
    // opened only for appending change the file's length.
    let file = OpenOptions::new().write(true).open(path)?;
    // usize always fits in u64 on the platforms Rust supports.
    file.set_len(complete as u64)?;
    file.sync_data()
}
// ANCHOR_END: cut_torn_line

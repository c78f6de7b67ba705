//! Delivery into Maildir: one folder per mailbox, a file per message, and
//! the 250 only once the file is on the disk.
//!
//! ```text
//! DIR/bob@localhost/tmp/   written here first, then fsynced
//!                  /new/   renamed here, then the folder fsynced: delivered
//!                  /cur/   where a mail reader moves what it has seen
//! ```
//!
//! RFC 5321 section 6.1: the 250 after the data means the server has taken
//! responsibility for the message, and "MUST NOT lose the message for
//! frivolous reasons, such as because the host later crashes". A file the
//! kernel holds in its page cache is not on the disk: a power cut loses it.
//! So each file is written in `tmp/` and fsynced, renamed into `new/` (a
//! rename is atomic: a reader sees the whole file or none), and the `new/`
//! folder is fsynced so the rename itself is on the disk. Only then does
//! the server answer 250. If anything fails, nothing is left in any `new/`,
//! and the client is told 451: try again later.

#[allow(unused_imports, reason = "until you write exercise 10.4")]
use std::fs::{self, File};
#[expect(unused_imports, reason = "until you write exercise 10.4")]
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::command::Address;

/// The three folders of a Maildir.
pub const FOLDERS: [&str; 3] = ["tmp", "new", "cur"];

// ANCHOR: folder_name
/// The mailbox folder of `address` under `root`: see [`folder_name`].
pub fn mailbox(root: &Path, address: &Address) -> PathBuf {
    root.join(folder_name(address))
}

/// The address, lowercased, as the name of one folder. Most addresses are
/// their own name (`bob@example.org`), but an address may hold a slash
/// (`/etc/x@example.org` is a valid one, and joined onto a path it would
/// replace the whole path) or, quoted, `..` and any printable character. So
/// every byte but letters, digits and `.@-_+=` is written `%XX`: the name
/// stays one folder inside the Maildir, two addresses never share one, and
/// Windows accepts it too.
pub fn folder_name(address: &Address) -> String {
    let mut name = String::new();
    for byte in address.to_string().to_ascii_lowercase().bytes() {
        if byte.is_ascii_alphanumeric() || b".@-_+=".contains(&byte) {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}
// ANCHOR_END: folder_name

/// A name no other delivery uses, as the Maildir convention makes them:
/// seconds, then microseconds, process id and a counter, then the host.
/// The microseconds have six digits, so names of one second sort in the
/// order they were made.
pub fn unique_name(host: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    // A host name with a / or : would make a path or clash with the flags
    // a reader appends after a colon: write them as the convention says.
    let host = host.replace('/', "\\057").replace(':', "\\072");
    format!(
        "{}.M{:06}P{}Q{count}.{host}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id()
    )
}

// ANCHOR: deliver
// ANCHOR: deliver_signature
/// Stores `message` (with `head` before it: the `Return-Path:` and
/// `Received:` lines) in the `new/` folder of every recipient's mailbox,
/// durably; returns the files. On error, no file is left in any `new/`.
#[expect(unused_variables, reason = "until you write exercise 10.4")]
pub fn deliver(
    root: &Path,
    host: &str,
    to: &[Address],
    head: &[u8],
    message: &[u8],
) -> io::Result<Vec<PathBuf>> {
    // ANCHOR_END: deliver_signature
    todo!(
        "exercise 10.4: Deliver durably (read book/src/ch10-mail.md#exercise-104-deliver-durably)"
    )
}
// ANCHOR_END: deliver

// ANCHOR: sync_folder
/// Makes a folder's entries (a rename into it) durable. On Unix a folder
/// can be opened and fsynced; Windows has no such call, and NTFS journals
/// the rename itself.
#[expect(dead_code, reason = "until you write exercise 10.4")]
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}
// ANCHOR_END: sync_folder

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ch10-{name}-{}", unique_name("t")));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn address(text: &str) -> Address {
        let (local, domain) = text.split_once('@').unwrap();
        Address {
            local: local.into(),
            domain: domain.into(),
        }
    }

    #[test]
    fn one_file_in_new_per_recipient_and_nothing_left_in_tmp() {
        let root = temp("deliver");
        let to = [address("Bob@localhost"), address("carol@localhost")];
        let files = deliver(
            &root,
            "mail.test",
            &to,
            b"Return-Path: <a@b>\r\n",
            b"Subject: hi\r\n\r\nhello\r\n",
        )
        .unwrap();
        assert_eq!(files.len(), 2);
        for (file, mailbox) in files.iter().zip(["bob@localhost", "carol@localhost"]) {
            assert!(file.starts_with(root.join(mailbox).join("new")));
            assert_eq!(
                fs::read(file).unwrap(),
                b"Return-Path: <a@b>\r\nSubject: hi\r\n\r\nhello\r\n"
            );
            assert_eq!(
                fs::read_dir(root.join(mailbox).join("tmp"))
                    .unwrap()
                    .count(),
                0
            );
            assert!(root.join(mailbox).join("cur").is_dir());
        }
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_failure_leaves_nothing_in_new() {
        let root = temp("fail");
        // A file where the second mailbox's folder should be: creating it fails.
        fs::write(root.join("carol@localhost"), b"in the way").unwrap();
        let to = [address("bob@localhost"), address("carol@localhost")];
        assert!(deliver(&root, "mail.test", &to, b"", b"x\r\n").is_err());
        assert_eq!(
            fs::read_dir(root.join("bob@localhost").join("new"))
                .unwrap()
                .count(),
            0
        );
        assert_eq!(
            fs::read_dir(root.join("bob@localhost").join("tmp"))
                .unwrap()
                .count(),
            0
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_folder_name_is_one_safe_component() {
        assert_eq!(folder_name(&address("Bob@Example.org")), "bob@example.org");
        assert_eq!(
            folder_name(&address("/etc/x@localhost")),
            "%2Fetc%2Fx@localhost"
        );
        assert_eq!(
            folder_name(&address("\"../a b\"@localhost")),
            "%22..%2Fa%20b%22@localhost"
        );
        assert_eq!(folder_name(&address("50%@localhost")), "50%25@localhost");
    }

    #[test]
    fn names_are_unique() {
        let names: std::collections::HashSet<String> =
            (0..1000).map(|_| unique_name("h:o/st")).collect();
        assert_eq!(names.len(), 1000);
        assert!(names.iter().all(|n| !n.contains('/') && !n.contains(':')));
    }
}

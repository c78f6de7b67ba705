//! From a URL path to a file on disk, without ever leaving the root.
//!
//! This is the one function of the file server that an attacker aims at:
//! every request target ends up here, and a mistake means anyone can read
//! any file the server process can read. The order of the steps is the
//! defence:
//!
//! ```text
//! target -> decode (once, in chapter 3) -> split on / and \ -> refuse .., NUL, : per segment
//!        -> join the clean segments onto the root -> canonicalize -> still under the root?
//! ```
//!
//! Checking before decoding misses `%2e%2e`; decoding twice turns a
//! harmless `%252e%252e` into `..`; checking the string instead of the
//! segments misses `..\`; and only the last step, on the real file system,
//! sees where a symbolic link leads.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

// ANCHOR: root
/// The folder we serve, as a canonical path: absolute, with every symbolic
/// link resolved and no `.` or `..` left in it.
///
/// The prefix check in [`resolve`] compares canonical paths, so the root
/// must be canonical too: a root given as `./site` or through a symlink
/// would never be a prefix of a canonical file path, and every request would
/// be refused. Making it a type means nobody can forget that step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    canonical: PathBuf,
}

impl Root {
    /// Canonicalizes `dir`; fails if it does not exist or is not a folder.
    pub fn new(dir: impl AsRef<Path>) -> io::Result<Root> {
        let canonical = dir.as_ref().canonicalize()?;
        if !canonical.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a folder", canonical.display()),
            ));
        }
        Ok(Root { canonical })
    }

    /// The canonical path of the root folder.
    pub fn path(&self) -> &Path {
        &self.canonical
    }
}
// ANCHOR_END: root

// ANCHOR: refusal
/// Why a URL path does not lead to a file we may serve.
///
/// All of these are answered with the same 404: a client learns nothing
/// from the answer about what exists outside the root, or about which rule
/// stopped it. The reason is for the server's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A `..` segment: an attempt to climb out of the root.
    DotDot,
    /// A NUL byte: C functions below std would stop reading the name there.
    Nul,
    /// A `:`: a Windows drive (`C:`) or an NTFS stream (`file::$DATA`).
    Colon,
    /// A name Windows reserves for a device (`CON`, `NUL`, `COM1` ...).
    /// Only refused on Windows, where opening one reaches the device.
    DeviceName,
    /// The path leads outside the root, through a symbolic link.
    OutsideRoot,
    /// Nothing by that name (or we may not look at it).
    NotFound,
}

impl Refusal {
    /// Whether this refusal is an attack (worth a line in the log) rather
    /// than a plain missing file.
    pub fn is_attack(self) -> bool {
        self != Refusal::NotFound
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::DotDot => "a .. segment",
            Refusal::Nul => "a NUL byte",
            Refusal::Colon => "a colon (drive letter or NTFS stream)",
            Refusal::DeviceName => "a Windows device name",
            Refusal::OutsideRoot => "a path that leads outside the root",
            Refusal::NotFound => "no such file",
        })
    }
}
// ANCHOR_END: refusal

// ANCHOR: resolve
// ANCHOR: resolve_signature
/// The canonical path of the file or folder that the already
/// percent-decoded `url_path` names under `root`, or why there is none we
/// may serve.
///
/// `url_path` must be decoded exactly once, by the caller: this function
/// never decodes, so `%2e%2e` arriving here is a file name, not `..`.
#[expect(unused_variables, reason = "until you write exercise 4.1")]
pub fn resolve(root: &Root, url_path: &str) -> Result<PathBuf, Refusal> {
    // ANCHOR_END: resolve_signature
    todo!(
        "exercise 4.1: Map a URL to a file, safely (read book/src/ch04-file-server.md#exercise-41-map-a-url-to-a-file-safely)"
    )
}
// ANCHOR_END: resolve

// ANCHOR: device_names
/// Whether Windows would open a device for this name: `CON`, `PRN`, `AUX`,
/// `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9`, in any case, even with an extension
/// (`con.txt`) or trailing dots and spaces.
pub fn is_windows_device_name(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or("");
    let stem = stem.trim_end_matches(' ').to_ascii_uppercase();
    match stem.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let bytes = stem.as_bytes();
            bytes.len() == 4
                && (stem.starts_with("COM") || stem.starts_with("LPT"))
                && bytes[3].is_ascii_digit()
        }
    }
}
// ANCHOR_END: device_names

/// The clean URL path for `url_path` (already decoded): empty and `.`
/// segments dropped, each segment percent-encoded, joined with `/`, always
/// starting with a single `/`.
///
/// Used to build a redirect's `Location` from what we understood rather
/// than from what was sent: sending back `//evil.example/` as it came would
/// make the browser go to another site (an "open redirect").
pub fn clean_url_path(url_path: &str) -> String {
    let mut clean = String::new();
    for segment in url_path.split(['/', '\\']) {
        if segment.is_empty() || segment == "." {
            continue;
        }
        clean.push('/');
        clean.push_str(&crate::listing::encode_segment(segment));
    }
    if clean.is_empty() {
        clean.push('/');
    }
    clean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        for name in [
            "CON",
            "con",
            "Con.txt",
            "nul",
            "COM1",
            "lpt9.log",
            "AUX ",
            "prn.tar.gz",
        ] {
            assert!(is_windows_device_name(name), "{name}");
        }
        for name in ["CONSOLE", "com", "COM10", "LPTX", "a.con", "index.html"] {
            assert!(!is_windows_device_name(name), "{name}");
        }
    }

    #[test]
    fn clean_paths() {
        assert_eq!(clean_url_path(""), "/");
        assert_eq!(clean_url_path("/"), "/");
        assert_eq!(clean_url_path("//evil.example"), "/evil.example");
        assert_eq!(clean_url_path("/a/./b c"), "/a/b%20c");
    }
}

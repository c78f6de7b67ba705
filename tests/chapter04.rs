//! Stage tests of chapter 4, a file server you can trust.
//!
//! The same file tests the learner's crate (`cargo test -p chapter04`) and
//! the reference solution (`cargo test -p chapter04-solution`): both name
//! their library `chapter04`. Each test is named after the exercise it
//! checks (`ex4_5_...` checks exercise 4.5).
//!
//! Every test builds a fresh folder under the system's temporary folder,
//! with a file holding a random SECRET marker outside the served root (and
//! one more a level higher), starts the server on `127.0.0.1:0` and talks
//! to it over raw sockets. The folder is removed when the test ends, even
//! when it fails. One test starts the chapter's binary as a separate
//! process, to measure its memory while it sends a 1 GiB file.

use std::collections::hash_map::RandomState;
use std::fs::{self, File};
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chapter03::response::Body;
use chapter04::body::file_body;
use chapter04::conditional::{not_modified, parse_http_date};
use chapter04::mime::content_type;
use chapter04::range::{RangeAnswer, parse_range};
use chapter04::resolve::{Refusal, Root, resolve};
use chapter04::{Config, Shutdown};
use harness::{Client, Exercise, Failure, Response, TempDir, TestServer, expect_header};

// ---------------------------------------------------------------------------
// A temporary site, and a server for it
// ---------------------------------------------------------------------------

/// A fresh folder tree for one test, removed on drop (also when the test
/// fails, since a panic unwinds through the drop):
///
/// ```text
/// base/                 unique per test
///   secret.txt          SECRET marker (two levels above the root)
///   srv/
///     secret.txt        SECRET marker (beside the root)
///     site2/secret.txt  SECRET marker (a sibling whose name starts like the root's)
///     outside/secret.txt
///     site/             the root the server serves
///       hello.txt       "Hello, file server!\n"
///       sub/inner.txt   "inner\n"
/// ```
struct Site {
    /// `base/`, removed with everything in it when the site is dropped.
    base: TempDir,
    root: PathBuf,
    /// A marker that appears nowhere but in the secret files.
    secret: String,
}

const HELLO: &[u8] = b"Hello, file server!\n";

impl Site {
    fn new() -> Site {
        let base = TempDir::new("ch04");
        let root = base.path().join("srv").join("site");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // RandomState is seeded from the OS's randomness: std only, and a
        // different marker in every test run.
        let random = |salt: u64| {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(salt);
            hasher.finish()
        };
        let secret = format!(
            "SECRET-{:016x}{:016x}",
            random(nanos as u64),
            random(u64::from(std::process::id()))
        );
        let site = Site { base, root, secret };
        fs::create_dir_all(site.root.join("sub")).expect("create the test root");
        for dir in ["srv/site2", "srv/outside"] {
            fs::create_dir_all(site.base.path().join(dir)).expect("create a test folder");
        }
        for file in [
            "secret.txt",
            "srv/secret.txt",
            "srv/site2/secret.txt",
            "srv/outside/secret.txt",
        ] {
            fs::write(site.base.path().join(file), format!("{}\n", site.secret))
                .expect("write a secret file");
        }
        site.write("hello.txt", HELLO);
        site.write("sub/inner.txt", b"inner\n");
        site
    }

    /// Writes `contents` to `name` under the root.
    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.root.join(name);
        fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Starts the chapter's server on this root. The short idle timeout
    /// matters: the server serves one connection at a time, and a test's
    /// connection that stays open would make the next one wait for it.
    fn start(&self) -> TestServer {
        let listener = harness::bind_local();
        let shutdown = Shutdown::new(&listener).expect("Shutdown::new on a bound listener");
        let stop = shutdown.clone();
        let root = self.root.clone();
        let config = Config {
            idle_timeout: Duration::from_millis(300),
            server_name: chapter04::SERVER_NAME.to_string(),
            ..Config::default()
        };
        TestServer::spawn(
            listener,
            move |listener| chapter04::serve_with(listener, shutdown, &root, &config),
            move || stop.trigger(),
        )
    }
}

/// Sends `method target` with `headers` (each `Name: value`) and
/// `Connection: close` on a new connection, and reads the response (only
/// the head for HEAD and 304).
#[track_caller]
fn request(
    server: &TestServer,
    ex: Exercise,
    method: &str,
    target: &str,
    headers: &[&str],
) -> (Client, Response) {
    let mut text =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    let mut client = server.connect(ex);
    client.send(text.as_bytes());
    let mut response = client.read_response_head();
    // HEAD and 304 responses have no body, whatever Content-Length says.
    if method != "HEAD" && response.status != 304 {
        let length = match response.content_length() {
            Ok(Some(length)) => length,
            _ => Failure::new(ex, "the response has no valid Content-Length")
                .sent(client.sent())
                .line("head", harness::show::bytes(&response.head))
                .fail(),
        };
        response.body = client.read_exact(length);
    }
    (client, response)
}

#[track_caller]
fn get(server: &TestServer, ex: Exercise, target: &str) -> (Client, Response) {
    request(server, ex, "GET", target, &[])
}

#[track_caller]
fn expect_status(ex: Exercise, client: &Client, response: &Response, expected: u16, why: &str) {
    if response.status != expected {
        Failure::new(
            ex,
            format!("expected status {expected}, got {}", response.status),
        )
        .sent(client.sent())
        .line("head", harness::show::bytes(&response.head))
        .note(why)
        .fail();
    }
}

#[track_caller]
fn expect_body(ex: Exercise, client: &Client, response: &Response, expected: &[u8]) {
    if response.body != expected {
        Failure::new(ex, "the body is not the expected one")
            .sent(client.sent())
            .expected_got(expected, &response.body)
            .fail();
    }
}

// ---------------------------------------------------------------------------
// 4.1 Map a URL to a file, safely
// ---------------------------------------------------------------------------

#[test]
fn ex4_1_serves_files_under_the_root() {
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let server = site.start();
    for (target, body) in [
        ("/hello.txt", HELLO),
        ("/sub/inner.txt", b"inner\n"),
        ("/./sub//inner.txt", b"inner\n"),
        ("/sub%2Finner.txt", b"inner\n"),
    ] {
        let (client, response) = get(&server, ex, target);
        expect_status(
            ex,
            &client,
            &response,
            200,
            "the file exists under the root",
        );
        expect_body(ex, &client, &response, body);
    }
    let (client, response) = get(&server, ex, "/no-such-file.txt");
    expect_status(ex, &client, &response, 404, "a missing file is 404");
    server.assert_alive(ex);
}

#[test]
fn ex4_1_resolve_maps_decoded_paths_into_the_root() {
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let root = Root::new(&site.root).expect("Root::new on an existing folder");
    let hello = root.path().join("hello.txt");
    let inner = root.path().join("sub").join("inner.txt");
    let cases: Vec<(&str, Result<PathBuf, Refusal>)> = vec![
        ("/hello.txt", Ok(hello.clone())),
        ("/", Ok(root.path().to_path_buf())),
        ("/sub/", Ok(root.path().join("sub"))),
        ("//hello.txt", Ok(hello.clone())),
        ("/./hello.txt", Ok(hello)),
        ("/sub\\inner.txt", Ok(inner)),
        ("/missing.txt", Err(Refusal::NotFound)),
        // Decoded once already: this is a file called `%2e%2e`, not `..`.
        ("/%2e%2e/secret.txt", Err(Refusal::NotFound)),
        ("/../secret.txt", Err(Refusal::DotDot)),
        ("/sub/../hello.txt", Err(Refusal::DotDot)),
        ("/..\\secret.txt", Err(Refusal::DotDot)),
        ("\\..\\..\\secret.txt", Err(Refusal::DotDot)),
        ("/..", Err(Refusal::DotDot)),
        ("/hello.txt\0.png", Err(Refusal::Nul)),
        ("/C:/Windows/win.ini", Err(Refusal::Colon)),
        ("/c:\\secret.txt", Err(Refusal::Colon)),
        ("/hello.txt::$DATA", Err(Refusal::Colon)),
    ];
    for (url_path, expected) in cases {
        let got = resolve(&root, url_path);
        if got != expected {
            Failure::new(
                ex,
                format!("resolve(root, {url_path:?}) gave the wrong answer"),
            )
            .line("root", root.path().display().to_string())
            .line("expected", format!("{expected:?}"))
            .line("got", format!("{got:?}"))
            .fail();
        }
    }
}

/// The attack corpus: request targets that try to read outside the root.
/// Every one must get 404 (refused by the file server) or 400 (refused
/// earlier by chapter 3's parser: a bad `%` escape, or bytes that do not
/// decode to UTF-8), and no response may contain the secret.
fn traversal_corpus(site: &Site) -> Vec<String> {
    let mut corpus: Vec<String> = [
        // Plain dot-dot, one and two levels up, and into a sibling whose
        // name starts like the root's (a string prefix check fails here).
        "/../secret.txt",
        "/../../secret.txt",
        "/../site2/secret.txt",
        "/sub/../../secret.txt",
        "/hello.txt/../../secret.txt",
        "/./../secret.txt",
        "/..",
        // Percent-encoded dots, in both cases, and a half-encoded pair.
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2E/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/%2e/%2e%2e/secret.txt",
        // Encoded slashes: decoded, they split into segments like any `/`.
        "/..%2fsecret.txt",
        "/..%2f..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        // Double encoding: decoded once, `%252e` is the text `%2e`.
        "/%252e%252e/secret.txt",
        "/%252e%252e/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        // Backslashes, raw and encoded: a separator on Windows.
        "/..\\secret.txt",
        "/..\\..\\secret.txt",
        "/..%5csecret.txt",
        "/..%5c..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        // Absolute paths and drive letters.
        "//etc/passwd",
        "/etc/passwd",
        "/C:/Windows/win.ini",
        "/C:%5cWindows%5cwin.ini",
        "/c:/secret.txt",
        // NUL bytes, which C's file functions would stop at.
        "/%00",
        "/hello.txt%00.png",
        "/..%00/secret.txt",
        // Overlong UTF-8 for `.` (the old IIS hole), and IIS's %u form:
        // invalid UTF-8 and an invalid escape, refused by the parser.
        "/%c0%ae%c0%ae/secret.txt",
        "/..%c0%af..%c0%afsecret.txt",
        "/%c0%2e%c0%2e/secret.txt",
        "/%u002e%u002e/secret.txt",
        // Names that are not `..` but look like it to some servers.
        "/....//secret.txt",
        "/..;/secret.txt",
        "/.../secret.txt",
    ]
    .iter()
    .map(|target| target.to_string())
    .collect();
    // Overlong segments: a name longer than any file system allows, and a
    // long run of encoded climbs.
    corpus.push(format!("/{}", "A".repeat(4000)));
    corpus.push(format!("/{}secret.txt", "..%2f".repeat(60)));
    // The secret's real absolute path, sent as a URL path.
    let absolute = site.base.path().join("srv").join("secret.txt");
    corpus.push(format!("/{}", absolute.display()));
    corpus
}

/// Sends every target of `corpus` and checks that each is refused and that
/// no answer contains the secret.
#[track_caller]
fn expect_all_refused(site: &Site, server: &TestServer, ex: Exercise, corpus: &[String]) {
    for target in corpus {
        let (client, response) = get(server, ex, target);
        let raw = response.raw();
        if String::from_utf8_lossy(&raw).contains(&site.secret) {
            Failure::new(ex, "a request read a file outside the root")
                .sent(client.sent())
                .got(&raw)
                .note("resolve must decode once, split on / and \\, refuse .., NUL and :, then canonicalize and check the prefix")
                .fail();
        }
        if response.status != 404 && response.status != 400 {
            Failure::new(ex, format!("an attack got status {}, expected 404", response.status))
                .sent(client.sent())
                .line("head", harness::show::bytes(&response.head))
                .note("a refused path is answered 404, like a missing file, so it reveals nothing (400 only when the target cannot be decoded)")
                .fail();
        }
        server.assert_alive(ex);
    }
}

#[test]
fn ex4_1_the_traversal_corpus_never_reads_outside_the_root() {
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let server = site.start();
    let corpus = traversal_corpus(&site);
    assert!(
        corpus.len() >= 20,
        "the corpus has {} attacks",
        corpus.len()
    );
    expect_all_refused(&site, &server, ex, &corpus);
    // And after all that, the server still serves.
    let (client, response) = get(&server, ex, "/hello.txt");
    expect_status(
        ex,
        &client,
        &response,
        200,
        "the server must live on after refusing attacks",
    );
    expect_body(ex, &client, &response, HELLO);
}

#[cfg(unix)]
#[test]
fn ex4_1_symlinks_out_of_the_root_are_refused() {
    use std::os::unix::fs::symlink;
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let outside = site.base.path().join("srv");
    symlink(
        outside.join("secret.txt"),
        site.root.join("link-to-secret.txt"),
    )
    .unwrap();
    symlink(outside.join("outside"), site.root.join("link-to-outside")).unwrap();
    symlink("../../..", site.root.join("sub").join("link-up")).unwrap();
    symlink(site.base.path(), site.root.join("link-to-base")).unwrap();
    let server = site.start();
    let corpus: Vec<String> = [
        "/link-to-secret.txt",
        "/link-to-outside/secret.txt",
        "/link-to-outside/",
        "/link-to-outside",
        "/sub/link-up/secret.txt",
        "/sub/link-up/srv/secret.txt",
        "/link-to-base/secret.txt",
        "/link-to-base/srv/site2/secret.txt",
    ]
    .iter()
    .map(|target| target.to_string())
    .collect();
    expect_all_refused(&site, &server, ex, &corpus);
    // The listing of the root must not show what those links point at.
    let (client, response) = get(&server, ex, "/");
    expect_status(
        ex,
        &client,
        &response,
        200,
        "the root has no index.html: a listing",
    );
    if response.body_text().contains("link-to-secret") {
        Failure::new(ex, "the listing shows a link that leads outside the root")
            .sent(client.sent())
            .got(&response.body)
            .note("list only what a request could reach: resolve each entry")
            .fail();
    }
}

#[cfg(unix)]
#[test]
fn ex4_1_symlinks_inside_the_root_are_followed() {
    use std::os::unix::fs::symlink;
    let ex = harness::exercise("4.1");
    let site = Site::new();
    symlink("hello.txt", site.root.join("greeting.txt")).unwrap();
    symlink("sub", site.root.join("shortcut")).unwrap();
    let server = site.start();
    for (target, body) in [
        ("/greeting.txt", HELLO),
        ("/shortcut/inner.txt", b"inner\n"),
    ] {
        let (client, response) = get(&server, ex, target);
        expect_status(
            ex,
            &client,
            &response,
            200,
            "a link whose target stays inside the root is followed",
        );
        expect_body(ex, &client, &response, body);
    }
}

#[test]
fn ex4_1_a_refused_path_looks_like_a_missing_file() {
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let server = site.start();
    let (_, missing) = get(&server, ex, "/no-such-file.txt");
    for target in [
        "/../secret.txt",
        "/%2e%2e/%2e%2e/secret.txt",
        "/C:/secret.txt",
    ] {
        let (client, refused) = get(&server, ex, target);
        if (refused.status, &refused.body) != (missing.status, &missing.body) {
            Failure::new(
                ex,
                "a refused path is answered differently from a missing file",
            )
            .sent(client.sent())
            .line("missing", harness::show::bytes(&missing.raw()))
            .line("refused", harness::show::bytes(&refused.raw()))
            .note("the same 404 for both tells an attacker nothing about what exists")
            .fail();
        }
    }
}

#[test]
fn ex4_1_only_get_and_head_are_allowed() {
    let ex = harness::exercise("4.1");
    let site = Site::new();
    let server = site.start();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let (client, response) = request(&server, ex, method, "/hello.txt", &["Content-Length: 0"]);
        expect_status(ex, &client, &response, 405, "a file server only reads");
        expect_header(ex, &client, &response, "Allow", "GET, HEAD");
    }
    // A client that asks before uploading gets the 405 at once: the file
    // server never reads a body, and says so (reads_body is false).
    let mut client = server.connect(ex);
    client.send(b"PUT /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    let response = client.read_response();
    expect_status(
        ex,
        &client,
        &response,
        405,
        "a PUT that waits for 100 Continue gets its 405 without uploading",
    );
    expect_header(ex, &client, &response, "Connection", "close");
}

// ---------------------------------------------------------------------------
// 4.2 Content types
// ---------------------------------------------------------------------------

const TYPES: &[(&str, &str)] = &[
    ("index.html", "text/html; charset=utf-8"),
    ("page.htm", "text/html; charset=utf-8"),
    ("style.css", "text/css; charset=utf-8"),
    ("app.js", "text/javascript; charset=utf-8"),
    ("data.json", "application/json"),
    ("notes.txt", "text/plain; charset=utf-8"),
    ("README.md", "text/markdown; charset=utf-8"),
    ("table.csv", "text/csv; charset=utf-8"),
    ("logo.svg", "image/svg+xml"),
    ("image.png", "image/png"),
    ("photo.jpg", "image/jpeg"),
    ("photo.jpeg", "image/jpeg"),
    ("PHOTO.JPG", "image/jpeg"),
    ("anim.gif", "image/gif"),
    ("pic.webp", "image/webp"),
    ("favicon.ico", "image/x-icon"),
    ("paper.pdf", "application/pdf"),
    ("module.wasm", "application/wasm"),
    ("feed.xml", "application/xml"),
    ("movie.mp4", "video/mp4"),
    ("clip.webm", "video/webm"),
    ("song.mp3", "audio/mpeg"),
    ("font.woff2", "font/woff2"),
    ("archive.tar.gz", "application/gzip"),
    ("README", "application/octet-stream"),
    (".bashrc", "application/octet-stream"),
    ("data.unknownext", "application/octet-stream"),
    ("trailing.", "application/octet-stream"),
];

#[test]
fn ex4_2_content_types_come_from_the_extension() {
    let ex = harness::exercise("4.2");
    for (name, expected) in TYPES {
        let got = content_type(Path::new(name));
        if got != *expected {
            Failure::new(ex, format!("content_type({name:?}) is wrong"))
                .line("expected", *expected)
                .line("got", got)
                .fail();
        }
    }
}

#[test]
fn ex4_2_files_are_served_with_their_content_type() {
    let ex = harness::exercise("4.2");
    let site = Site::new();
    for (name, _) in TYPES {
        site.write(&format!("sub/{name}"), b"x");
    }
    let server = site.start();
    for (name, expected) in TYPES {
        let (client, response) = get(&server, ex, &format!("/sub/{name}"));
        expect_status(ex, &client, &response, 200, "the file exists");
        expect_header(ex, &client, &response, "Content-Type", expected);
        expect_header(ex, &client, &response, "X-Content-Type-Options", "nosniff");
    }
}

// ---------------------------------------------------------------------------
// 4.3 Directories: index.html and listings
// ---------------------------------------------------------------------------

#[test]
fn ex4_3_a_folder_with_index_html_serves_it() {
    let ex = harness::exercise("4.3");
    let site = Site::new();
    fs::create_dir(site.root.join("docs")).unwrap();
    let page = b"<!DOCTYPE html><title>Docs</title><p>the docs</p>\n";
    site.write("docs/index.html", page);
    let server = site.start();
    let (client, response) = get(&server, ex, "/docs/");
    expect_status(
        ex,
        &client,
        &response,
        200,
        "a folder with an index.html serves it",
    );
    expect_header(
        ex,
        &client,
        &response,
        "Content-Type",
        "text/html; charset=utf-8",
    );
    expect_body(ex, &client, &response, page);
}

#[test]
fn ex4_3_a_folder_without_its_slash_is_redirected() {
    let ex = harness::exercise("4.3");
    let site = Site::new();
    fs::create_dir(site.root.join("my docs")).unwrap();
    let server = site.start();
    for (target, location) in [
        ("/sub", "/sub/"),
        ("/my%20docs", "/my%20docs/"),
        // Never send `//sub/` back: a browser reads it as another host.
        ("//sub", "/sub/"),
    ] {
        let (client, response) = get(&server, ex, target);
        expect_status(
            ex,
            &client,
            &response,
            301,
            "a folder's URL ends with a slash, or its relative links break",
        );
        expect_header(ex, &client, &response, "Location", location);
    }
}

/// The `href="..."` values of `page`.
fn hrefs(page: &str) -> Vec<String> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(href, _)| href.to_string()))
        .collect()
}

/// `%XX` decoded, or `None` if an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[test]
fn ex4_3_a_listing_escapes_every_name() {
    let ex = harness::exercise("4.3");
    let site = Site::new();
    // (file name, how it must appear in the page's text)
    let mut names = vec![
        ("a&b.txt", "a&amp;b.txt"),
        ("space name.txt", "space name.txt"),
        ("100%.txt", "100%.txt"),
        ("hash#.txt", "hash#.txt"),
    ];
    // Windows does not allow < > " or ? in file names.
    if cfg!(unix) {
        names.push(("question?.txt", "question?.txt"));
        // A file name cannot hold `/`, so the closing tag uses U+2215,
        // a slash look-alike (which also tests encoding UTF-8 in links).
        names.push((
            "<script>alert(1)<\u{2215}script>.txt",
            "&lt;script&gt;alert(1)&lt;\u{2215}script&gt;.txt",
        ));
        names.push((
            "<img src=x onerror=alert(2)>.txt",
            "&lt;img src=x onerror=alert(2)&gt;.txt",
        ));
        names.push(("quote\".txt", "quote&quot;.txt"));
    }
    fs::create_dir(site.root.join("odd")).unwrap();
    for (name, _) in &names {
        site.write(&format!("odd/{name}"), name.as_bytes());
    }
    site.write("odd/size.bin", &[7; 1234]);
    fs::create_dir(site.root.join("odd").join("a folder")).unwrap();
    let server = site.start();

    let (client, response) = get(&server, ex, "/odd/");
    expect_status(
        ex,
        &client,
        &response,
        200,
        "a folder without index.html gets a listing",
    );
    expect_header(
        ex,
        &client,
        &response,
        "Content-Type",
        "text/html; charset=utf-8",
    );
    let page = response.body_text();
    if page.contains("<script>") || page.contains("<img") {
        Failure::new(ex, "a file name went into the listing as HTML")
            .sent(client.sent())
            .got(&response.body)
            .note("escape every name with & < > \" ' before it goes into the page")
            .fail();
    }
    for (name, shown) in &names {
        if !page.contains(shown) {
            Failure::new(
                ex,
                format!("the listing does not show {name:?} as {shown:?}"),
            )
            .got(&response.body)
            .fail();
        }
    }
    if !page.contains("1234") {
        Failure::new(ex, "the listing does not show the size of a 1234-byte file")
            .got(&response.body)
            .fail();
    }
    // Every link is percent-encoded (nothing but unreserved characters and
    // %XX), and decodes to a name in the folder.
    let links = hrefs(&page);
    for (name, _) in &names {
        let Some(href) = links
            .iter()
            .find(|h| percent_decode(h).as_deref() == Some(name))
        else {
            Failure::new(ex, format!("no link in the listing leads to {name:?}"))
                .line("links", format!("{links:?}"))
                .note("each href is the name percent-encoded")
                .fail();
        };
        if href
            .bytes()
            .any(|b| !(b.is_ascii_alphanumeric() || b"-._~%()!*'".contains(&b)))
        {
            Failure::new(ex, format!("the link {href:?} is not percent-encoded"))
                .note("in an href, a space, & ? # % < > \" all mean something else: encode every byte but A-Z a-z 0-9 - . _ ~")
                .fail();
        }
        // And the link works.
        let (client, file) = get(&server, ex, &format!("/odd/{href}"));
        expect_status(
            ex,
            &client,
            &file,
            200,
            "a link of the listing must lead to its file",
        );
        expect_body(ex, &client, &file, name.as_bytes());
    }
    if !links.iter().any(|h| h == "a%20folder/") {
        Failure::new(
            ex,
            "a folder's link in the listing does not end with a slash",
        )
        .line("links", format!("{links:?}"))
        .fail();
    }
}

// ---------------------------------------------------------------------------
// 4.4 Last-Modified and 304
// ---------------------------------------------------------------------------

/// 2024-01-02 03:04:05 UTC, and a half second more.
const MODIFIED_SECONDS: u64 = 1_704_164_645;
const MODIFIED_HTTP: &str = "Tue, 02 Jan 2024 03:04:05 GMT";

fn set_modified(path: &Path, time: SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .unwrap_or_else(|e| panic!("cannot set the time of {}: {e}", path.display()));
}

#[test]
fn ex4_4_not_modified_compares_whole_seconds() {
    let ex = harness::exercise("4.4");
    let at = UNIX_EPOCH + Duration::from_secs(MODIFIED_SECONDS);
    let half_past = at + Duration::from_millis(500);
    let cases = [
        (None, at, false),
        (Some(MODIFIED_HTTP), at, true),
        (Some(MODIFIED_HTTP), half_past, true),
        (Some("Wed, 03 Jan 2024 00:00:00 GMT"), at, true),
        (Some("Mon, 01 Jan 2024 00:00:00 GMT"), at, false),
        (Some("Tue, 02 Jan 2024 03:04:04 GMT"), at, false),
        (Some("not a date"), at, false),
        (Some("Tuesday, 02-Jan-24 03:04:05 GMT"), at, false),
    ];
    for (header, modified, expected) in cases {
        let got = not_modified(header, modified);
        if got != expected {
            Failure::new(
                ex,
                format!("not_modified({header:?}, ...) is {got}, expected {expected}"),
            )
            .line("modified", format!("{modified:?}"))
            .note("truncate the file's time to whole seconds; a date you cannot parse is ignored")
            .fail();
        }
    }
    assert_eq!(
        parse_http_date(MODIFIED_HTTP),
        Some(MODIFIED_SECONDS as i64)
    );
}

#[test]
fn ex4_4_if_modified_since_gets_304_or_the_file() {
    let ex = harness::exercise("4.4");
    let site = Site::new();
    let path = site.write("dated.txt", b"dated\n");
    set_modified(
        &path,
        UNIX_EPOCH + Duration::from_millis(MODIFIED_SECONDS * 1000 + 500),
    );
    let server = site.start();

    let (client, response) = get(&server, ex, "/dated.txt");
    expect_status(ex, &client, &response, 200, "a plain GET");
    expect_header(ex, &client, &response, "Last-Modified", MODIFIED_HTTP);

    let same = format!("If-Modified-Since: {MODIFIED_HTTP}");
    let (mut client, response) = request(&server, ex, "GET", "/dated.txt", &[&same]);
    expect_status(
        ex,
        &client,
        &response,
        304,
        "the file has not changed since that date",
    );
    expect_header(ex, &client, &response, "Last-Modified", MODIFIED_HTTP);
    // A 304 has no body, whatever its headers say (RFC 9110 15.4.5).
    client.expect_closed("a 304 has no body, and we sent Connection: close");

    for header in [
        "If-Modified-Since: Mon, 01 Jan 2024 00:00:00 GMT",
        "If-Modified-Since: yesterday",
    ] {
        let (client, response) = request(&server, ex, "GET", "/dated.txt", &[header]);
        expect_status(
            ex,
            &client,
            &response,
            200,
            "the file is newer than that date, or the date is unreadable",
        );
        expect_body(ex, &client, &response, b"dated\n");
    }
}

// ---------------------------------------------------------------------------
// 4.5 Range requests
// ---------------------------------------------------------------------------

#[test]
fn ex4_5_parse_range_reads_one_byte_range() {
    use RangeAnswer::{Full, Partial, Unsatisfiable};
    let ex = harness::exercise("4.5");
    let cases: &[(Option<&str>, u64, RangeAnswer)] = &[
        (None, 100, Full),
        (Some("bytes=0-9"), 100, Partial { start: 0, end: 9 }),
        (Some("bytes=10-"), 100, Partial { start: 10, end: 99 }),
        (Some("bytes=-5"), 100, Partial { start: 95, end: 99 }),
        (Some("bytes=-500"), 100, Partial { start: 0, end: 99 }),
        (Some("bytes=90-200"), 100, Partial { start: 90, end: 99 }),
        (Some("bytes=99-99"), 100, Partial { start: 99, end: 99 }),
        (Some("bytes=100-"), 100, Unsatisfiable),
        (Some("bytes=100-200"), 100, Unsatisfiable),
        (Some("bytes=-0"), 100, Unsatisfiable),
        (Some("bytes=0-"), 0, Unsatisfiable),
        (Some("bytes=9-0"), 100, Full),
        (Some("bytes=0-1,5-6"), 100, Full),
        (Some("items=0-9"), 100, Full),
        (Some("bytes=a-b"), 100, Full),
        (Some("bytes=-"), 100, Full),
        (Some("bytes=+1-2"), 100, Full),
        (Some("bytes=99999999999999999999-"), 100, Full),
    ];
    for &(header, length, expected) in cases {
        let got = parse_range(header, length);
        if got != expected {
            Failure::new(ex, format!("parse_range({header:?}, {length}) is wrong"))
                .line("expected", format!("{expected:?}"))
                .line("got", format!("{got:?}"))
                .fail();
        }
    }
}

/// 100 bytes, `ABC...XYZABC...`: a range shifted by even one byte shows.
fn hundred_bytes() -> Vec<u8> {
    (0..100u8).map(|i| b'A' + i % 26).collect()
}

#[test]
fn ex4_5_byte_ranges_get_206_with_content_range() {
    let ex = harness::exercise("4.5");
    let site = Site::new();
    let data = hundred_bytes();
    site.write("data.bin", &data);
    let server = site.start();
    for (range, content_range, bytes) in [
        ("bytes=0-9", "bytes 0-9/100", &data[0..10]),
        ("bytes=10-", "bytes 10-99/100", &data[10..]),
        ("bytes=-5", "bytes 95-99/100", &data[95..]),
        ("bytes=50-50", "bytes 50-50/100", &data[50..51]),
    ] {
        let header = format!("Range: {range}");
        let (client, response) = request(&server, ex, "GET", "/data.bin", &[&header]);
        expect_status(ex, &client, &response, 206, "a satisfiable single range");
        expect_header(ex, &client, &response, "Content-Range", content_range);
        expect_header(
            ex,
            &client,
            &response,
            "Content-Length",
            &bytes.len().to_string(),
        );
        expect_body(ex, &client, &response, bytes);
    }
}

#[test]
fn ex4_5_a_range_past_the_end_gets_416() {
    let ex = harness::exercise("4.5");
    let site = Site::new();
    site.write("data.bin", &hundred_bytes());
    let server = site.start();
    for range in ["Range: bytes=100-", "Range: bytes=1000-2000"] {
        let (client, response) = request(&server, ex, "GET", "/data.bin", &[range]);
        expect_status(
            ex,
            &client,
            &response,
            416,
            "the range starts past the end of the 100-byte file",
        );
        expect_header(ex, &client, &response, "Content-Range", "bytes */100");
    }
}

#[test]
fn ex4_5_files_accept_ranges_and_odd_ranges_get_the_whole_file() {
    let ex = harness::exercise("4.5");
    let site = Site::new();
    let data = hundred_bytes();
    site.write("data.bin", &data);
    let server = site.start();
    for headers in [
        &[][..],
        &["Range: bytes=0-1,5-6"][..],
        &["Range: lines=1-2"][..],
        &[
            "Range: bytes=0-9",
            "If-Range: Mon, 01 Jan 2024 00:00:00 GMT",
        ][..],
    ] {
        let (client, response) = request(&server, ex, "GET", "/data.bin", headers);
        expect_status(
            ex,
            &client,
            &response,
            200,
            "no range, or one we may ignore: the whole file",
        );
        expect_header(ex, &client, &response, "Accept-Ranges", "bytes");
        expect_body(ex, &client, &response, &data);
    }
}

// ---------------------------------------------------------------------------
// 4.6 Stream in constant memory
// ---------------------------------------------------------------------------

#[test]
fn ex4_6_file_body_reads_from_the_start_for_the_length() {
    let ex = harness::exercise("4.6");
    let site = Site::new();
    let path = site.write("data.bin", &hundred_bytes());
    let body = file_body(File::open(&path).unwrap(), 30, 12).expect("file_body on an open file");
    let Body::Reader { mut reader, length } = body else {
        Failure::new(ex, format!("file_body gave {body:?}, not a Body::Reader"))
            .note("a Body::Bytes means the file was read into memory: hand the open file over instead")
            .fail();
    };
    let mut got = Vec::new();
    reader.read_to_end(&mut got).expect("read the body");
    if length != 12 || got != hundred_bytes()[30..42] {
        Failure::new(ex, "file_body(file, 30, 12) gives the wrong bytes")
            .line("length", format!("{length}, expected 12"))
            .expected_got(&hundred_bytes()[30..42], &got)
            .note("seek to the start, and let the reader end after length bytes (Read::take)")
            .fail();
    }
}

#[test]
fn ex4_6_head_sends_the_same_headers_and_no_body() {
    let ex = harness::exercise("4.6");
    let site = Site::new();
    let server = site.start();
    let (_, get_response) = get(&server, ex, "/hello.txt");
    let (mut client, head) = request(&server, ex, "HEAD", "/hello.txt", &[]);
    expect_status(ex, &client, &head, 200, "HEAD is GET without the body");
    for name in [
        "Content-Length",
        "Content-Type",
        "Last-Modified",
        "Accept-Ranges",
    ] {
        expect_header(
            ex,
            &client,
            &head,
            name,
            get_response.header(name).unwrap_or("(none)"),
        );
    }
    client.expect_closed("a HEAD response has no body");
}

/// A file of `length` bytes where every 8-byte word holds its own offset,
/// so any byte in the wrong place is seen.
fn pattern(offset: u64, length: usize) -> Vec<u8> {
    (offset..offset + length as u64)
        .map(|i| (i / 8).to_le_bytes()[(i % 8) as usize])
        .collect()
}

#[test]
fn ex4_6_a_large_file_arrives_whole_and_in_order() {
    let ex = harness::exercise("4.6");
    let site = Site::new();
    let length = 5 * 1024 * 1024 + 3;
    let data = pattern(0, length);
    site.write("large.bin", &data);
    let server = site.start();
    let (client, response) = get(&server, ex, "/large.bin");
    expect_status(ex, &client, &response, 200, "the file exists");
    if response.body != data {
        Failure::new(ex, "a 5 MiB file came back different")
            .expected_got(&data[..64], &response.body[..response.body.len().min(64)])
            .line(
                "length",
                format!("{} bytes, expected {length}", response.body.len()),
            )
            .fail();
    }
    let header = "Range: bytes=4194304-4194431";
    let (client, response) = request(&server, ex, "GET", "/large.bin", &[header]);
    expect_status(ex, &client, &response, 206, "a range deep inside the file");
    expect_body(ex, &client, &response, &pattern(4_194_304, 128));
}

/// A child's stderr as read so far, and whether it has closed; the condvar
/// says when it closes.
type CapturedStderr = (Mutex<(Vec<u8>, bool)>, Condvar);

/// The chapter's binary running in a child process; killed on drop, on
/// every path out of the test.
struct ChildServer {
    child: Child,
    addr: String,
    /// Everything the child wrote to stderr so far (a panic message), and
    /// whether its stderr has closed (it exited).
    stderr: Arc<CapturedStderr>,
}

impl ChildServer {
    fn start(binary: &str, root: &Path) -> ChildServer {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0", "--root"])
            .arg(root)
            // A panic's message is what the learner needs, not a backtrace.
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        // Drain stderr in a thread: a child whose pipe is full would block.
        let stderr = Arc::new((Mutex::new((Vec::new(), false)), Condvar::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut chunk = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.0.lock().unwrap().0.extend_from_slice(&chunk[..n]);
            }
            sink.0.lock().unwrap().1 = true;
            sink.1.notify_all();
        });
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        // If the child dies before printing, read_line sees EOF at once.
        let _ = BufReader::new(stdout).read_line(&mut line);
        let mut server = ChildServer {
            child,
            addr: String::new(),
            stderr,
        };
        match line.trim().strip_prefix("listening on http://") {
            Some(addr) => server.addr = addr.to_string(),
            None => panic!(
                "{binary} did not print `listening on http://ADDR`; it printed {line:?}\nstderr: {}",
                server.stderr_text()
            ),
        }
        server
    }

    /// What the child wrote to stderr. Called when something went wrong:
    /// if the child is dying (a panic), its last words are still on their
    /// way, so wait up to a second for its stderr to close.
    fn stderr_text(&mut self) -> String {
        let (lock, closed) = &*self.stderr;
        let guard = lock.lock().unwrap();
        let (guard, _) = closed
            .wait_timeout_while(guard, Duration::from_secs(1), |(_, done)| !*done)
            .unwrap();
        String::from_utf8_lossy(&guard.0).into_owned()
    }

    /// The peak resident memory of the child (`VmHWM`), in bytes.
    fn peak_memory(&self) -> Option<u64> {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The message of a panic in a child's stderr: the line after
/// `thread 'main' panicked at src/...:`.
fn panic_message(stderr: &str) -> Option<String> {
    let mut lines = stderr.lines();
    lines.find(|line| line.contains("panicked at"))?;
    lines.next().map(|line| line.trim().to_string())
}

const GIB: u64 = 1024 * 1024 * 1024;
const MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

#[test]
fn ex4_6_sends_a_1_gib_file_in_constant_memory() {
    let ex = harness::exercise("4.6");
    if !cfg!(target_os = "linux") {
        eprintln!("skipped: peak memory is read from /proc, which only Linux has");
        return;
    }
    let Some(binary) =
        option_env!("CARGO_BIN_EXE_chapter04-solution").or(option_env!("CARGO_BIN_EXE_chapter04"))
    else {
        eprintln!("skipped: cargo did not say where the chapter's binary is");
        return;
    };
    let site = Site::new();
    // A sparse file: set_len makes it 1 GiB long without writing (or
    // storing) the zeros. A few marks at known places show that the bytes
    // arrive where they belong.
    let marks: [(u64, &[u8]); 3] = [
        (0, b"START"),
        (GIB / 2 + 12_345, b"MIDDLE"),
        (GIB - 3, b"END"),
    ];
    {
        let mut file = File::create(site.root.join("big.bin")).unwrap();
        file.set_len(GIB).unwrap();
        for (offset, mark) in marks {
            file.seek(SeekFrom::Start(offset)).unwrap();
            file.write_all(mark).unwrap();
        }
    }
    let mut server = ChildServer::start(binary, &site.root);

    let mut stream = TcpStream::connect(&server.addr).expect("connect to the child server");
    stream.set_read_timeout(Some(harness::TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(harness::TIMEOUT)).unwrap();
    let sent = b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    stream.write_all(sent).unwrap();

    // Read and throw away, keeping only a count and the marked bytes.
    let mut head = Vec::new();
    let mut received: u64 = 0;
    let mut found: Vec<Vec<u8>> = marks.iter().map(|_| Vec::new()).collect();
    let mut chunk = vec![0; 256 * 1024];
    let fail = |server: &mut ChildServer, summary: String, so_far: &[u8]| -> ! {
        let stderr = server.stderr_text();
        let failure = Failure::new(ex, summary)
            .sent(sent)
            .line("got", harness::show::bytes(so_far))
            .line("stderr", stderr.trim_end());
        // A starter's todo!() panics in the child: that is the news.
        match panic_message(&stderr) {
            Some(message) => failure
                .caused_by(format!("the server panicked: {message}"))
                .fail(),
            None => failure.fail(),
        }
    };
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => fail(
                &mut server,
                format!("reading the 1 GiB body failed: {e}"),
                &head,
            ),
        };
        let mut data = &chunk[..n];
        if !head.ends_with(b"\r\n\r\n") {
            let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
                head.extend_from_slice(data);
                if head.len() > 64 * 1024 {
                    fail(&mut server, "no end of the response head".into(), &head);
                }
                continue;
            };
            head.extend_from_slice(&data[..end + 4]);
            data = &data[end + 4..];
        }
        for ((offset, mark), found) in marks.iter().zip(&mut found) {
            let start = offset.saturating_sub(received);
            let end = (offset + mark.len() as u64)
                .saturating_sub(received)
                .min(data.len() as u64);
            if start < end {
                found.extend_from_slice(&data[start as usize..end as usize]);
            }
        }
        received += data.len() as u64;
    }
    if head.is_empty() {
        fail(
            &mut server,
            "the server closed the connection without answering".into(),
            &head,
        );
    }
    let response = match Response::parse_head(&head) {
        Ok(response) => response,
        Err(why) => fail(&mut server, why, &head),
    };
    if response.status != 200 || response.header("Content-Length") != Some("1073741824") {
        fail(
            &mut server,
            "expected 200 with Content-Length: 1073741824".into(),
            &head,
        );
    }
    if received != GIB {
        fail(
            &mut server,
            format!("the body was {received} bytes, expected {GIB}"),
            &head,
        );
    }
    for ((offset, mark), found) in marks.iter().zip(&found) {
        if found != mark {
            Failure::new(ex, format!("the bytes at offset {offset} are wrong"))
                .expected_got(mark, found)
                .fail();
        }
    }
    let Some(peak) = server.peak_memory() else {
        eprintln!(
            "skipped the memory check: /proc/{}/status has no VmHWM",
            server.child.id()
        );
        return;
    };
    eprintln!(
        "peak resident memory of the server: {:.1} MiB",
        peak as f64 / 1024.0 / 1024.0
    );
    if peak >= MEMORY_LIMIT {
        Failure::new(ex, format!("the server's peak memory was {} MiB while sending a 1 GiB file", peak / 1024 / 1024))
            .line("expected", "under 64 MiB, whatever the size of the file")
            .note("do not read the file into a Vec: hand the open File to the body, and let write_to copy it through a small buffer")
            .fail();
    }
}

//! The checks of the static files: a stylesheet, a missing file, and
//! paths that try to leave the folder.

use super::*;

/// `GET /static/style.css` is the stylesheet: `200`, `text/css; charset=utf-8`,
/// not empty.
pub(super) fn static_css(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let x = get(target, ex, "/static/style.css")?;
    x.expect_status(ex, 200, "the pages use /static/style.css")?;
    x.expect_content_type(ex, CSS)?;
    if x.response.body.is_empty() {
        return Err(x
            .failure(ex, "the stylesheet is empty")
            .got(&x.response.raw())
            .note("serve the file's bytes, with a Content-Length that counts them"));
    }
    Ok(())
}

/// A file the static folder does not have gets `404`.
pub(super) fn static_missing(target: &Target, ex: Exercise) -> Result<(), Failure> {
    get(
        target,
        ex,
        &format!("/static/no-such-file-{}.css", marker()),
    )?
    .expect_status(ex, 404, "the static folder has no such file")
}

/// No path under `/static/` reaches a file outside the static folder,
/// however it is spelled: `..` as is or percent-encoded, `\`, an absolute
/// path, a drive letter, a NUL. Each gets `404` or `400`, never `200`
/// (chapter 4's rules).
pub(super) fn static_traversal(target: &Target, ex: Exercise) -> Result<(), Failure> {
    let paths = [
        "/static/../Cargo.toml",
        "/static/../../../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2fCargo.toml",
        "/static/%2e%2e%2f%2e%2e%2fCargo.toml",
        "/static/..%5cCargo.toml",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/C:%5cWindows%5cwin.ini",
        "/static/style.css%00.txt",
    ];
    for path in paths {
        let x = get(target, ex, path)?;
        if !matches!(x.response.status, 400 | 404) {
            return Err(x
                .failure(ex, format!("a path escaping the static folder got {}", x.response.status))
                .line("expected", "\"HTTP/1.1 404 Not Found\" (or 400 Bad Request)")
                .got(&x.response.head)
                .note("decode the path once, refuse any `..` segment (after decoding, split on / and \\), and check the resolved file is still inside the static folder (chapter 4)"));
        }
    }
    Ok(())
}

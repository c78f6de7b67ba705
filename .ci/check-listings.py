#!/usr/bin/env python3
"""Fail when a listing of the book lacks its filename or its caption.

A listing is a fenced code block whose only line is an mdBook include,
`{{#include PATH}}` or `{{#include PATH:anchor}}`. As in the Rust Book,
every listing is framed by two lines:

    <span class="filename">Filename: FILE</span>

    ```rust,ignore
    {{#include ../../solutions/03-http-parser/src/parse.rs:limits}}
    ```

    <span class="caption">Listing 3-5: The limits, as named constants</span>

FILE is the file as the reader finds it. On a chapter's page
(`chNN-slug.md`), an include of `../../solutions/NN-slug/...` is shown as
`chapters/NN-slug/...`, the learner's starter, which has the same file; any
other include is shown by its path in the repository (`tests/...`). On the
other pages, which speak of the repository itself, every include is shown by
its path in the repository.

Captions are numbered in page order: `Listing N-1`, `Listing N-2`, ... on
chapter N's page, `Listing 1`, `Listing 2`, ... on a page that is not a
chapter. What follows the number is a short phrase in sentence case.

The script also checks that each included file exists and has the anchor
asked for: mdBook silently includes nothing for a missing anchor; and that
every heading has an explicit id (`## Try it {#try-it}`), so that the
Chinese book, whose headings are translated, keeps the English anchors.

Usage: check-listings.py BOOK_SOURCE_DIR
"""

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})")
INCLUDE = re.compile(r"^\s*\{\{#include\s+([^}\s]+)\s*\}\}\s*$")
FILENAME = re.compile(r'^<span class="filename">Filename: (?P<file>.*)</span>$')
CAPTION = re.compile(r'^<span class="caption">Listing (?P<number>[0-9-]+): (?P<text>.*)</span>$')
CHAPTER_PAGE = re.compile(r"^ch(\d\d)-")


def shown_file(page, path):
    """The file a listing names, for an include of `path` on `page`."""
    repository_path = path[len("../../"):] if path.startswith("../../") else path
    if CHAPTER_PAGE.match(page.name) and repository_path.startswith("solutions/"):
        return "chapters/" + repository_path[len("solutions/"):]
    return repository_path


def has_anchor(source, anchor):
    """Whether `source` marks `anchor` the way mdBook reads it."""
    start = re.compile(r"ANCHOR:\s*" + re.escape(anchor) + r"(?![\w-])")
    end = re.compile(r"ANCHOR_END:\s*" + re.escape(anchor) + r"(?![\w-])")
    return bool(start.search(source)) and bool(end.search(source))


def listings(lines):
    """(index of the opening fence, index of the include line, the include's
    argument) for every listing, outside other code blocks."""
    found = []
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        marker = fence.group(2)
        close = i + 1
        while close < len(lines) and not re.match(
            r"^\s*" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}\s*$", lines[close]
        ):
            close += 1
        body = lines[i + 1:close]
        if len(body) == 1 and INCLUDE.match(body[0]):
            found.append((i, i + 1, INCLUDE.match(body[0]).group(1)))
        i = close + 1
    return found


def check_page(page):
    lines = page.read_text(encoding="utf-8").split("\n")
    chapter = CHAPTER_PAGE.match(page.name)
    problems = []
    framing = set()

    def problem(index, listing, what, expected):
        problems.append(f"{page}:{index + 1}: {listing}: {what}\n    expected: {expected}")

    found = listings(lines)
    for k, (fence, include, argument) in enumerate(found, start=1):
        number = f"{int(chapter.group(1))}-{k}" if chapter else f"{k}"
        path, _, anchor = argument.partition(":")
        listing = f"listing {number} ({{{{#include {argument}}}}})"
        want_file = shown_file(page, path)
        want_filename = f'<span class="filename">Filename: {want_file}</span>'

        # The filename: the line before the fence is blank, the one before it names the file.
        before = lines[fence - 2] if fence >= 2 else ""
        if fence >= 1 and lines[fence - 1].strip() == "" and FILENAME.match(before):
            framing.add(fence - 2)
            if FILENAME.match(before).group("file") != want_file:
                problem(fence - 2, listing, f"the filename line names {FILENAME.match(before).group('file')!r}, "
                        f"which is not the included file", want_filename)
        elif fence >= 1 and FILENAME.match(lines[fence - 1]):
            framing.add(fence - 1)
            problem(fence - 1, listing, "no blank line between the filename line and the fence",
                    f"{want_filename}, a blank line, then the fence")
        else:
            problem(fence, listing, "no filename line before the fence",
                    f"{want_filename}, then a blank line, just before the fence")

        # The caption: after the closing fence, a blank line, then the caption.
        close = include + 1
        after = lines[close + 2] if close + 2 < len(lines) else ""
        caption_at = None
        if close + 1 < len(lines) and lines[close + 1].strip() == "" and CAPTION.match(after):
            caption_at = close + 2
        elif close + 1 < len(lines) and CAPTION.match(lines[close + 1]):
            framing.add(close + 1)
            problem(close + 1, listing, "no blank line between the fence and the caption",
                    "the closing fence, a blank line, then the caption")
        else:
            problem(close, listing, "no caption after the closing fence",
                    f'a blank line, then <span class="caption">Listing {number}: WHAT IT SHOWS</span>')
        if caption_at is not None:
            framing.add(caption_at)
            caption = CAPTION.match(lines[caption_at])
            if caption.group("number") != number:
                problem(caption_at, listing, f"the caption is numbered {caption.group('number')}",
                        f"Listing {number}: the listings of this page are numbered "
                        + ("N-1, N-2, ... in page order, N being the chapter" if chapter else "1, 2, ... in page order"))
            text = caption.group("text").strip()
            if not text:
                problem(caption_at, listing, "the caption says nothing after its number",
                        f"Listing {number}: a short phrase saying what the code shows")
            elif not (text[0].isupper() or text[0].isdigit() or text[0] in "`\"'"):
                problem(caption_at, listing, f"the caption {text!r} does not start in sentence case",
                        "a capital letter (or code in backticks) first")

        # The included file, and its anchor.
        source_path = (page.parent / path).resolve()
        if not source_path.is_file():
            problem(include, listing, f"the included file {path} does not exist",
                    "a path, relative to the page, of a file that exists")
        elif anchor and not anchor.isdigit() and not re.fullmatch(r"\d*:\d*", anchor):
            if not has_anchor(source_path.read_text(encoding="utf-8"), anchor):
                repository_path = path[len("../../"):] if path.startswith("../../") else path
                problem(include, listing,
                        f"{repository_path} has no anchor {anchor!r} (mdBook would silently show nothing)",
                        f"`// ANCHOR: {anchor}` and `// ANCHOR_END: {anchor}` in {repository_path}, "
                        "or an include of an anchor that exists")

    # Filename and caption lines that belong to no listing.
    in_code = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if in_code or index in framing:
            continue
        if FILENAME.match(line) or CAPTION.match(line):
            kind = "filename" if FILENAME.match(line) else "caption"
            problems.append(f"{page}:{index + 1}: a {kind} line that belongs to no listing\n"
                            f"    expected: {kind} lines only around an included listing")
    return len(found), problems + heading_problems(page, lines)


HEADING = re.compile(r"^#{1,6} ")
HEADING_ID = re.compile(r"\{#[A-Za-z0-9_-]+\}$")


def heading_problems(page, lines):
    """Headings (outside code) without an explicit `{#id}`."""
    problems = []
    in_code = False
    for index, line in enumerate(lines):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code and HEADING.match(line) and not HEADING_ID.search(line.rstrip()):
            problems.append(f"{page}:{index + 1}: a heading without an id: {line.strip()}\n"
                            f"    expected: {line.strip()} {{#its-anchor}}, so both books keep the anchor")
    return problems


def main(root):
    root = Path(root)
    pages = sorted(p for p in root.glob("*.md") if p.name != "SUMMARY.md")
    if not pages:
        sys.exit(f"check-listings: no pages in {root}")
    total = 0
    problems = []
    for page in pages:
        count, found = check_page(page)
        total += count
        problems.extend(found)
    for problem in problems:
        print(f"listing: {problem}")
    print(f"check-listings: {total} listings in {len(pages)} pages, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

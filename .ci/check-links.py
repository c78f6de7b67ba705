#!/usr/bin/env python3
"""Fail when the built book has a broken internal link.

Reads every HTML page mdBook wrote, and checks that each relative `href` and
`src` points at a file that exists and, when it has a `#fragment`, at an
element with that id. Links that leave the book (http:, https:, mailto:) are
not followed: CI has no network, and they are not ours to keep alive.

Usage: check-links.py BOOK_OUTPUT_DIR
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag


class Page(HTMLParser):
    """Collects the ids and the links of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append((tag, attrs[key]))


def is_external(link):
    return link.startswith(("http:", "https:", "mailto:", "data:", "javascript:", "//"))


def main(root):
    root = Path(root).resolve()
    pages = {}
    for path in root.rglob("*.html"):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path] = page

    problems = []
    checked = 0
    for path, page in sorted(pages.items()):
        # print.html repeats every page with rewritten links, and the 404
        # page is served from the site root: both are mdBook's own.
        if path.name in ("print.html", "404.html"):
            continue
        for tag, link in page.links:
            if is_external(link):
                continue
            target, fragment = urldefrag(link)
            target_path = (path.parent / unquote(target)).resolve() if target else path
            if target_path.is_dir():
                target_path = target_path / "index.html"
            checked += 1
            where = f"{path.relative_to(root)}: <{tag}> {link}"
            if not target_path.exists():
                problems.append(f"{where}: no such file")
            elif fragment and target_path.suffix == ".html":
                ids = pages.get(target_path).ids if target_path in pages else set()
                if unquote(fragment) not in ids:
                    problems.append(f"{where}: no element with id {fragment!r}")

    for problem in problems:
        print(f"broken link: {problem}")
    print(f"check-links: {checked} internal links in {len(pages)} pages, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))

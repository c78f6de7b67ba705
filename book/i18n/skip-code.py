#!/usr/bin/env python3
"""An mdBook preprocessor: marks every fenced code block `<!-- i18n:skip -->`.

The translation (book/po/*.po, through mdbook-i18n-helpers) covers the
prose only. Code, commands and the comments in the listings included from
the solutions stay as they are, so a change to the code never leaves a
message of the translation out of date. Both mdbook-xgettext (which
extracts the messages) and mdbook-gettext (which translates them) run
after this, so they skip the same blocks.
"""

import json
import sys

MARK = "<!-- i18n:skip -->"


def mark_code(text):
    out = []
    inside = False
    for line in text.split("\n"):
        fence = line.lstrip().startswith(("```", "~~~"))
        if fence and not inside:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend([indent + MARK, ""])
        if fence:
            inside = not inside
        out.append(line)
    return "\n".join(out)


def mark_items(items):
    for item in items:
        # A separator or a part title is a bare string or has no "Chapter".
        chapter = item.get("Chapter") if isinstance(item, dict) else None
        if chapter is None:
            continue
        chapter["content"] = mark_code(chapter["content"])
        mark_items(chapter.get("sub_items", []))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "supports":
        sys.exit(0)
    _context, book = json.load(sys.stdin)
    mark_items(book.get("items", book.get("sections", [])))
    json.dump(book, sys.stdout)


if __name__ == "__main__":
    main()

"""How the PWA's scripts are sent: without the comments a line-by-line reading is sure of
(`strip_comments`), and which screens import which (`screen_imports`, written into boot.js so
it names a screen's modules to the browser at once). Used by lib.static."""

from __future__ import annotations

import re

__all__ = ["SCREENS", "as_sent", "screen_imports", "strip_comments"]

SCREENS = "js/screens/"
_SCREEN_IMPORT = re.compile(r"""^import\s[^'"]*?from\s+['"]\./([\w-]+)\.js['"]""", re.MULTILINE)


_RENDERS = re.compile(r"^export (?:async )?function render\(", re.M)


def screen_imports(sources: dict[str, bytes]) -> dict[str, list[str]]:
    """Screen → every other screen module it imports, directly or not (`signin` →
    `["passkey", "ui"]`): boot.js names them all to the browser at once (modulepreload), so a
    first visit fetches a screen's modules in one round trip, not one per level of imports."""
    direct = {
        name.removeprefix(SCREENS).removesuffix(".js"): _SCREEN_IMPORT.findall(body.decode())
        for name, body in sources.items()
        if name.startswith(SCREENS) and name.endswith(".js")
    }

    def reached(screen: str, seen: set[str]) -> set[str]:
        for other in direct.get(screen, []):
            if other not in seen:
                seen.add(other)
                reached(other, seen)
        return seen

    # Only what a route opens (a module exporting `render`) is looked up: a helper module's
    # own list would be bytes every first visit pays for nothing.
    opened = {
        name.removeprefix(SCREENS).removesuffix(".js")
        for name, body in sources.items()
        if name.startswith(SCREENS) and _RENDERS.search(body.decode())
    }
    found = {screen: sorted(reached(screen, set()) - {screen}) for screen in sorted(opened)}
    return {screen: needs for screen, needs in found.items() if needs}


def as_sent(name: str, body: bytes) -> bytes:
    """The bytes sent for an asset: JavaScript without its whole-line comments."""
    return strip_comments(body.decode("utf-8")).encode("utf-8") if name.endswith(".js") else body


_TRAILING_COMMENT = re.compile(r"""^(?P<code>[^'"`/]*?\S)\s+//.*$""")
_INLINE_COMMENT = re.compile(r"""^(?P<code>[^'"`/]*?)/\*\*?[^*'"`]*\*+/ ?""")
"""A comment after code (`run(); // why`) or inside it (`/** @type {X} */ (value)`), where
the code before it holds no quote, backtick or slash: then it cannot be inside a string,
template or regular expression, and is certainly a comment. (Others stay: telling them apart
needs a parser.)"""


def strip_comments(source: str) -> str:
    """`source` without its comments, as far as a line-by-line reading can be sure of them:
    each line that is only a comment (`// …`, or a `/* … */` block that starts and ends its
    lines) emptied, and comments after or inside code that `_TRAILING_COMMENT` and
    `_INLINE_COMMENT` are sure of removed. A line inside a template literal spanning lines is
    never touched."""
    lines = source.split("\n")
    in_block = in_template = False
    for number, line in enumerate(lines):
        text = line.strip()
        if in_block:
            lines[number] = ""
            if "*/" in text:
                if not text.endswith("*/") or text.index("*/") != len(text) - 2:
                    raise RuntimeError(f"line {number + 1}: code after a comment block")
                in_block = False
            continue
        if not in_template:
            if text.startswith("//"):
                lines[number] = ""
                continue
            if text.startswith("/*"):
                end = text.find("*/", 2)
                if end == -1:
                    in_block = True
                    lines[number] = ""
                    continue
                if end == len(text) - 2:
                    lines[number] = ""
                    continue
            while (shorter := _INLINE_COMMENT.sub(r"\g<code>", line, count=1)) != line:
                line = shorter
            line = _TRAILING_COMMENT.sub(r"\g<code>", line)
            lines[number] = line
        if line.count("`") % 2:
            in_template = not in_template
    return "\n".join(lines)

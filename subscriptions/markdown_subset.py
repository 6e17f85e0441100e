"""Markdown to HTML for our own help documents (docs/topics.md). Pure.

Only the subset those documents use: `#` headings, paragraphs, `-` lists (with indented
continuation lines), pipe tables, and inline `code`, *emphasis* and **strong**. Every piece of
text is escaped, so a stray `<` in a document shows as written. Smaller than a dependency and
its sanitiser for one page we write ourselves; anything outside the subset is shown as text.
"""

import re
from collections.abc import Iterator

from django.utils.html import escape
from django.utils.text import slugify

CODE = re.compile(r"`([^`]+)`")
STRONG = re.compile(r"\*\*([^*]+)\*\*")
EMPHASIS = re.compile(r"\*([^*\s][^*]*)\*")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def inline(text: str) -> str:
    """Escape `text`, then mark up code spans, strong and emphasis (not inside code)."""
    parts = []
    for index, piece in enumerate(CODE.split(text)):
        if index % 2:
            parts.append(f"<code>{escape(piece)}</code>")
        else:
            marked = STRONG.sub(r"<strong>\1</strong>", escape(piece))
            parts.append(EMPHASIS.sub(r"<em>\1</em>", marked))
    return "".join(parts)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """(kind, lines) for each block: heading, table, list or paragraph."""
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        kind = _kind(line, lines[index + 1] if index + 1 < len(lines) else "")
        block = [line]
        index += 1
        while index < len(lines) and kind != "heading" and _continues(kind, lines[index]):
            block.append(lines[index])
            index += 1
        yield kind, block


def _kind(line: str, following: str) -> str:
    if line.startswith("#"):
        return "heading"
    if line.startswith("|") and TABLE_RULE.match(following.strip()):
        return "table"
    if line.startswith("- "):
        return "list"
    return "paragraph"


def _continues(kind: str, line: str) -> bool:
    if not line.strip():
        return False
    if kind == "table":
        return line.startswith("|")
    if kind == "list":
        return line.startswith(("- ", "  "))
    return not line.startswith(("#", "- ", "|"))


def _heading(block: list[str]) -> str:
    marks, _, text = block[0].partition(" ")
    level = min(len(marks), 6)
    return f'<h{level} id="{slugify(text)}">{inline(text.strip())}</h{level}>'


def _table(block: list[str]) -> str:
    header = _cells(block[0])
    head = "".join(f'<th scope="col">{inline(cell)}</th>' for cell in header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{inline(cell)}</td>" for cell in _cells(line)) + "</tr>"
        for line in block[2:]
    )
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    # A table wider than a phone scrolls sideways in its box, which keyboards must reach too;
    # the box is a region named by its columns, so a page's tables have different names.
    name = escape("Table: " + ", ".join(cell.replace("`", "") for cell in header))
    return f'<div class="table-scroll" role="region" aria-label="{name}" tabindex="0">{table}</div>'


def _list(block: list[str]) -> str:
    items: list[str] = []
    for line in block:
        if line.startswith("- "):
            items.append(line[2:].strip())
        else:
            items[-1] += " " + line.strip()
    return "<ul>" + "".join(f"<li>{inline(item)}</li>" for item in items) + "</ul>"


def _paragraph(block: list[str]) -> str:
    return f"<p>{inline(' '.join(line.strip() for line in block))}</p>"


RENDER = {"heading": _heading, "table": _table, "list": _list, "paragraph": _paragraph}


def to_html(markdown: str) -> str:
    """The HTML of a document in the subset above; safe to mark safe (all text escaped)."""
    lines = markdown.splitlines()
    return "\n".join(RENDER[kind](block) for kind, block in _blocks(lines))

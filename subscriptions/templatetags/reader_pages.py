"""Filters for showing untrusted paper data safely (autoescaping does the HTML part)."""

from urllib.parse import urlsplit

from django import template

register = template.Library()


@register.filter
def http_url(value: str) -> str:
    """The URL if it is http(s), else "": a feed could carry `javascript:` links."""
    return value if urlsplit(value or "").scheme in ("http", "https") else ""


@register.filter
def first_authors(authors: list[str], count: int = 3) -> str:
    """ "A, B, C et al." for long author lists."""
    names = [str(name) for name in authors or []]
    shown = ", ".join(names[:count])
    return f"{shown} et al." if len(names) > count else shown


@register.filter
def caret(position: int) -> str:
    """A line with `^` under character `position` of the line above (in a monospaced block)."""
    return " " * int(position) + "^"

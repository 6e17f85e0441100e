"""Filters for the reader pages (paper cards are digest's: {% load papers %})."""

from django import template

register = template.Library()


@register.filter
def caret(position: int) -> str:
    """A line with `^` under character `position` of the line above (in a monospaced block)."""
    return " " * int(position) + "^"

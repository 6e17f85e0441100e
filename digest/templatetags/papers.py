"""{% paper_card paper words heading %}: a paper's card on the site's pages (digest/cards.py)."""

from collections.abc import Iterable

from django import template

from digest.cards import card
from digest.models import Paper

register = template.Library()


@register.inclusion_tag("papers/card.html")
def paper_card(paper: Paper, words: Iterable[str] = (), heading: str = "h3") -> dict:
    """The card of `paper`, its matched `words` marked, its title a `heading` (h3, h4)."""
    return {"card": card(paper, frozenset(words)), "heading": heading}

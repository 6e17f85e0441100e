"""{% paper_card paper words %}: one paper's card on the site's pages (see digest/cards.py)."""

from collections.abc import Iterable

from django import template

from digest.cards import card
from digest.models import Paper

register = template.Library()


@register.inclusion_tag("papers/card.html")
def paper_card(paper: Paper, words: Iterable[str] = ()) -> dict:
    return {"card": card(paper, frozenset(words))}

"""Help pages on the site, rendered from the documents in docs/ so there is one text to keep."""

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from subscriptions.markdown_subset import to_html

TOPICS_DOC = settings.BASE_DIR / "docs" / "topics.md"


@cache
def _topics_html() -> str:
    return to_html(TOPICS_DOC.read_text(encoding="utf-8"))


@require_GET
def topics_help(request: HttpRequest) -> HttpResponse:
    """How to write topics: docs/topics.md (every piece of its text escaped by to_html)."""
    context = {"body": mark_safe(_topics_html())}  # to_html escapes all text
    return render(request, "subscriptions/help.html", context)

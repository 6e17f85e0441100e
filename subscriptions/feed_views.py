"""A reader's private feed: the papers of their digests, as Atom (and RSS 2.0 beside it), each
entry's content the paper's card as the digest showed it, with the digest's date.

The URL's key is random and secret (Subscriber.feed_key): a feed reader fetches it with no
cookie, so the key is the only credential, and it can do nothing but read this feed. The reader
regenerates it from the manage page, and the old URL then answers 404. Answers carry an ETag
and Last-Modified, so a feed reader's conditional GET costs a 304.
"""

import uuid
from datetime import date, datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import condition

from digest.actions import digest_card
from digest.models import Delivery, SentPaper
from subscriptions.archive import local_zone
from subscriptions.models import Subscriber

ENTRIES = 100  # the newest papers; a feed reader keeps what it saw


# Django's feeds have a summary but no full content: an entry's `content` (HTML) goes in Atom's
# <content type="html"> and RSS's <content:encoded>, where feed readers look for it.
class AtomFeed(Atom1Feed):
    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content"], {"type": "html"})


class RssFeed(Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content"])


FORMATS: dict[str, type[SyndicationFeed]] = {"atom": AtomFeed, "rss": RssFeed}
SHOWN = (Subscriber.Status.ACTIVE, Subscriber.Status.PAUSED)


def _subscriber_of(key: str) -> Subscriber:
    try:
        reader = Subscriber.objects.filter(feed_key=uuid.UUID(key), status__in=SHOWN).first()
    except ValueError:
        reader = None
    if reader is None:
        raise Http404("No such feed.")
    return reader


def _items(reader: Subscriber) -> list[SentPaper]:
    return list(
        SentPaper.objects.filter(subscriber=reader, delivery__status=Delivery.Status.SENT)
        .select_related("paper", "delivery")
        .order_by("-delivery__sent_at", "position")[:ENTRIES]
    )


def _last_sent(request: HttpRequest, key: str, kind: str) -> datetime | None:
    try:
        reader = _subscriber_of(key)
    except Http404:
        return None
    found = Delivery.objects.filter(subscriber=reader, status=Delivery.Status.SENT)
    return found.order_by("-sent_at").values_list("sent_at", flat=True).first()


def _etag(request: HttpRequest, key: str, kind: str) -> str | None:
    last = _last_sent(request, key, kind)
    return f"{kind}-{last.timestamp():.6f}" if last else None


@condition(etag_func=_etag, last_modified_func=_last_sent)
def reader_feed(request: HttpRequest, key: str, kind: str) -> HttpResponse:
    reader = _subscriber_of(key)
    feed = _feed(reader, kind)
    response = HttpResponse(content_type=f"{feed.content_type}")
    feed.write(response, "utf-8")
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, max-age=900"
    return response


def feed_url(reader: Subscriber, kind: str = "atom") -> str:
    """The absolute URL of the reader's feed, as shown on the manage page."""
    path = reverse("subscriptions:feed", kwargs={"key": str(reader.feed_key), "kind": kind})
    return f"{settings.SITE_URL}{path}"


def _feed(reader: Subscriber, kind: str) -> SyndicationFeed:
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    feed = FORMATS[kind](
        title=f"{settings.SITE_NAME}: your papers",
        link=settings.SITE_URL,
        description="The papers of your digests, newest digest first.",
        language="en",
        feed_url=feed_url(reader, kind),
        feed_guid=f"tag:{domain},2026:feed:{reader.public_id}",
    )
    zone = local_zone(reader.time_zone)
    for item in _items(reader):
        _add_entry(feed, item, domain, sent_on=item.delivery.sent_at.astimezone(zone).date())
    return feed


def _add_entry(feed: SyndicationFeed, item: SentPaper, domain: str, sent_on: date) -> None:
    paper, sent_at = item.paper, item.delivery.sent_at
    card = digest_card(paper, item.topics)
    content = render_to_string("subscriptions/feed_entry.html", {"card": card, "day": sent_on})
    why = f"Matched: {', '.join(item.topics)}. " if item.topics else ""
    feed.add_item(
        title=paper.title,
        link=paper.abs_url or paper.pdf_url or settings.SITE_URL,
        # Stored as plain text: escaped here, since feed readers show the summary as HTML.
        description=escape(f"{why}{paper.abstract}"),
        author_name=", ".join(paper.authors[:10]) or None,
        pubdate=sent_at,
        updateddate=sent_at,
        unique_id=f"tag:{domain},2026:digest:{item.delivery.public_id}:paper:{paper.pk}",
        unique_id_is_permalink=False,
        categories=paper.categories,
        content=content,
    )

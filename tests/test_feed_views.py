"""A reader's private feed: Atom and RSS of the papers in their digests."""

import feedparser
import pytest
from django.test import Client
from django.urls import reverse

from digest.models import Delivery
from subscriptions import actions
from subscriptions.feed_views import feed_url
from tests.digests import MORNING, make_paper, make_sent_digest
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


def _path(reader, kind: str = "atom") -> str:
    return reverse("subscriptions:feed", kwargs={"key": str(reader.feed_key), "kind": kind})


def test_the_feed_lists_the_papers_of_the_readers_digests_newest_digest_first() -> None:
    ada = make_reader("ada@example.com")
    old, new = make_paper("An older paper <b>bold</b>"), make_paper("A newer paper")
    make_sent_digest(ada, [old], days_ago=1)
    make_sent_digest(ada, [new])

    response = Client().get(_path(ada))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    assert [entry.title for entry in parsed.entries] == [
        "A newer paper",
        "An older paper <b>bold</b>",
    ]
    assert parsed.entries[0].link == new.abs_url
    assert "Matched: Agents" in parsed.entries[0].summary


def test_entry_ids_are_stable_across_fetches_and_rss_parses_too() -> None:
    ada = make_reader("ada@example.com")
    make_sent_digest(ada, [make_paper("One"), make_paper("Two")])

    first = feedparser.parse(Client().get(_path(ada)).content)
    again = feedparser.parse(Client().get(_path(ada)).content)
    rss = feedparser.parse(Client().get(_path(ada, "rss")).content)

    assert [e.id for e in first.entries] == [e.id for e in again.entries]
    assert len({e.id for e in first.entries}) == 2
    assert not rss.bozo and rss.version == "rss20"
    assert [e.title for e in rss.entries] == ["One", "Two"]


def test_a_conditional_get_answers_304_until_a_new_digest_is_sent() -> None:
    ada = make_reader("ada@example.com")
    make_sent_digest(ada, [make_paper("One")], days_ago=1)
    first = Client().get(_path(ada))

    unchanged = Client().get(
        _path(ada),
        headers={"if-none-match": first["ETag"], "if-modified-since": first["Last-Modified"]},
    )
    make_sent_digest(ada, [make_paper("Two")])
    changed = Client().get(_path(ada), headers={"if-none-match": first["ETag"]})

    assert unchanged.status_code == 304
    assert changed.status_code == 200


def test_it_needs_no_cookie_and_sets_none() -> None:
    ada = make_reader("ada@example.com")
    response = Client().get(_path(ada))
    assert response.status_code == 200
    assert not response.cookies


def test_a_regenerated_feed_address_kills_the_old_one() -> None:
    ada = make_reader("ada@example.com")
    old_path = _path(ada)

    actions.regenerate_feed_key(ada)

    assert Client().get(old_path).status_code == 404
    assert Client().get(_path(ada)).status_code == 200


def test_unknown_keys_and_readers_who_left_get_404() -> None:
    cy = make_reader("cy@example.com", status="unsubscribed")
    assert Client().get(_path(cy)).status_code == 404
    unknown = reverse("subscriptions:feed", args=["00000000-0000-0000-0000-000000000000", "atom"])
    assert Client().get(unknown).status_code == 404


def test_untrusted_titles_are_escaped_in_the_summary() -> None:
    ada = make_reader("ada@example.com")
    make_sent_digest(ada, [make_paper("T", abstract="<script>alert(1)</script> and more")])

    body = Client().get(_path(ada)).content
    summary = feedparser.parse(body).entries[0].summary

    assert b"<script>" not in body
    # The summary is HTML: the abstract's text shows as text, escaped, never as a tag.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary


def test_feed_url_is_absolute() -> None:
    ada = make_reader("ada@example.com")
    assert feed_url(ada).startswith("http")
    assert feed_url(ada).endswith(f"/feed/{ada.feed_key}.atom")


def test_a_feed_only_reader_gets_no_email_but_the_digest_in_their_feed() -> None:
    from io import StringIO

    from django.core import mail
    from django.core.management import call_command

    make_paper("Sparse attention")
    ada = make_reader("ada@example.com")
    actions.set_feed_only(ada, True)

    call_command("send_digests", "--now", MORNING.isoformat(), stdout=StringIO())

    assert mail.outbox == []
    assert Delivery.objects.get(subscriber=ada).status == Delivery.Status.SENT
    entries = feedparser.parse(Client().get(_path(ada)).content).entries
    assert [entry.title for entry in entries] == ["Sparse attention"]


def test_an_entrys_content_is_the_papers_card_with_its_digests_date() -> None:
    """The card of the digest: authors, the AI summary, the arXiv · PDF · Hugging Face · Code ·
    Project page links, and the day of the digest it came in, in Atom and RSS alike."""
    ada = make_reader("ada@example.com", time_zone="Pacific/Honolulu")
    paper = make_paper(
        "Diffusion <b>bold</b>",
        abstract="The abstract.",
        authors=["Ada Lovelace"],
        ai_summary="A short AI summary <i>of it</i>.",
        hf_url="https://huggingface.co/papers/2611.00001",
        code_url="https://github.com/example/diffusion",
        project_url="https://example.org/diffusion",
    )
    make_sent_digest(ada, [paper])  # 08:00 UTC on Thursday 26 Nov is 22:00 on the 25th in Hawaii

    for kind in ("atom", "rss"):
        parsed = feedparser.parse(Client().get(_path(ada, kind)).content)
        assert not parsed.bozo, parsed.bozo_exception
        [entry] = parsed.entries
        [content] = entry.content
        html = content.value

        assert "Ada Lovelace" in html
        assert "AI summary:" in html and "A short AI summary &lt;i&gt;of it&lt;/i&gt;." in html
        assert "Diffusion &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
        for label, url in [
            ("arXiv", paper.abs_url),
            ("PDF", paper.pdf_url),
            ("Hugging Face", paper.hf_url),
            ("Code", paper.code_url),
            ("Project page", paper.project_url),
        ]:
            assert f'<a href="{url}">{label}</a>' in html, (kind, label)
        assert "From your digest of Wed 25 Nov 2026" in html

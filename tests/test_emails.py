"""How a digest email looks: escaping, links, headers, size, and the plain-text part."""

import re
from email import message_from_bytes, policy

import pytest
from django.core import mail

from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script> & "quotes"'
ABSTRACT = (
    "We study diffusion models for long documents. " * 12
    + "Our agents & <b>tags</b> survive escaping."
)


@pytest.fixture
def digest(settings, frozen_clock) -> mail.EmailMultiAlternatives:
    """ada's digest of ten papers, one with a hostile title, sent at MORNING."""
    settings.SITE_URL = "https://papers.example.org"
    frozen_clock.travel_to(MORNING)
    make_paper(HOSTILE, abstract=ABSTRACT, upvotes=99, code_url="https://github.com/ada/x")
    for number in range(9):
        make_paper(f"Diffusion paper {number}", abstract=ABSTRACT, upvotes=number)
    make_reader("ada@example.com", {"Diffusion": "diffusion"}, time_zone="Asia/Tokyo")
    send_chunk(plan(MORNING))
    [message] = mail.outbox
    return message


def html_of(message: mail.EmailMultiAlternatives) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_the_subject_names_the_top_paper_and_the_heading_dates_it_in_the_readers_zone(
    digest,
) -> None:
    assert digest.subject == f"{HOSTILE} and 9 more on your topics"
    # 08:00 UTC on 26 Nov is 17:00 on 26 Nov in Tokyo.
    assert digest.body.startswith("10 new papers on your topics\nThursday 26 Nov - ")


def test_a_hostile_title_is_escaped_exactly_once_in_html(digest) -> None:
    html = html_of(digest)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "<script>" not in html
    assert "&amp;lt;" not in html


def test_the_text_part_carries_each_full_title_verbatim_on_its_own_line(digest) -> None:
    lines = digest.body.splitlines()
    at = lines.index(HOSTILE)
    assert re.fullmatch(r"https://arxiv\.org/abs/2611\.\d{5}", lines[at + 1])
    assert "Diffusion paper 8" in lines
    assert "&amp;" not in digest.body and "<span" not in digest.body


def test_matched_words_are_highlighted_in_html_only(digest) -> None:
    assert "<b>diffusion</b>" in html_of(digest)
    assert "Matched “Diffusion”" in digest.body


def test_every_link_is_absolute(digest) -> None:
    html = html_of(digest)
    links = re.findall(r'href="([^"]*)"', html)
    assert len(links) >= 10 * 2 + 3
    assert all(link.startswith(("https://", "http://")) for link in links), links
    assert "slot:" not in html and "slot:" not in digest.body


def test_the_footer_links_manage_unsubscribe_view_in_browser_and_the_postal_address(
    digest,
    settings,
) -> None:
    html = html_of(digest)
    for text in ("Manage your topics", "Unsubscribe", "View in browser", settings.POSTAL_ADDRESS):
        assert text in html
        assert text in digest.body
    assert "https://papers.example.org/digests/" in digest.body


def test_it_carries_list_headers_message_id_date_and_anymail_options(digest) -> None:
    parsed = message_from_bytes(digest.message().as_bytes(), policy=policy.default)
    assert parsed["List-Unsubscribe"].strip().startswith("<https://papers.example.org/unsubscribe/")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["List-Id"] == "papers-digest digest <digest.papers.example.org>"
    assert re.fullmatch(r"<digest\.[0-9a-f]{32}@papers\.example\.org>", parsed["Message-ID"])
    assert parsed["Date"].startswith("Thu, 26 Nov 2026 08:00:")
    assert digest.track_clicks is False
    assert digest.tags == ["digest"]
    assert set(digest.metadata) == {"delivery_id"}


def test_ten_papers_stay_well_under_gmails_102_kb_clipping_limit(digest) -> None:
    assert len(html_of(digest).encode()) < 60_000


def test_the_layout_is_inlined_and_each_card_made_once_per_batch_not_once_per_reader(
    monkeypatch,
) -> None:
    import digest.emails

    calls, cards = [], []
    real, real_card = digest.emails.inline_css, digest.emails._card
    monkeypatch.setattr(digest.emails, "inline_css", lambda html: calls.append(1) or real(html))
    monkeypatch.setattr(digest.emails, "_card", lambda *args: cards.append(1) or real_card(*args))
    for number in range(3):
        make_paper(f"Diffusion paper {number}", abstract=ABSTRACT)
    for name in ("ada", "bob", "cy", "dee"):
        make_reader(f"{name}@example.com", {"Diffusion": "diffusion"})

    send_chunk(plan(MORNING))

    assert len(mail.outbox) == 4
    assert len(calls) == 1  # the layout once; cards are never inlined
    assert len(cards) == 3  # each distinct paper's card once


def test_inlining_reads_each_stylesheet_once_and_gives_what_plain_premailer_gives(digest) -> None:
    from django.conf import settings
    from premailer import Premailer

    from core.emails import PREMAILER_OPTIONS, _style_rules, inline_css

    page = html_of(digest).replace("<style", "<style>.extra { color: red }</style><style", 1)
    # The page's tables already carry their bgcolor; ours adds none to anything else.
    options = {**PREMAILER_OPTIONS, "disable_basic_attributes": ["bgcolor"]}
    plain = Premailer(page, base_url=settings.SITE_URL, **options).transform()
    _style_rules.cache_clear()

    assert inline_css(page) == inline_css(page) == plain
    assert _style_rules.cache_info().hits >= 2  # the second run read no stylesheet again


def test_a_renderer_shows_a_paper_corrected_since_it_rendered_its_block(monkeypatch) -> None:
    import uuid

    import digest.emails
    from digest.building import Pick
    from digest.emails import DigestRenderer
    from digest.models import Delivery, Paper

    cards, real_card = [], digest.emails._card
    monkeypatch.setattr(digest.emails, "_card", lambda *args: cards.append(1) or real_card(*args))
    renderer = DigestRenderer()
    ada = make_reader("ada@example.com")
    digest = Delivery(subscriber=ada, planned_at=MORNING, public_id=uuid.uuid4())
    paper = make_paper("Diffusion models")

    def html_with(copy: Paper) -> str:
        return renderer.html(digest, [Pick(copy, ("Diffusion",), frozenset({"diffusion"}))])

    first = html_with(paper)
    unchanged = html_with(Paper.objects.get(pk=paper.pk))  # another object, the same paper
    Paper.objects.filter(pk=paper.pk).update(title="Diffusion models, corrected")
    corrected = html_with(Paper.objects.get(pk=paper.pk))

    assert "Diffusion models" in unchanged and "corrected" not in first + unchanged
    assert "Diffusion models, corrected" in corrected
    assert len(cards) == 2  # the card before and after the correction


def test_the_digests_links_are_the_ones_the_links_module_makes(digest) -> None:
    from core.links import list_unsubscribe_headers, manage_url, unsubscribe_url
    from subscriptions.models import Subscriber

    ada = Subscriber.objects.get(email="ada@example.com")

    assert manage_url(ada) in digest.body and unsubscribe_url(ada) in digest.body
    assert (
        digest.extra_headers["List-Unsubscribe"]
        == list_unsubscribe_headers(ada)["List-Unsubscribe"]
    )

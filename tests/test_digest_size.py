"""A hundred-paper digest stays under Gmail's clipping, in the worst case (docs/emails.md).

Gmail cuts an HTML part past 102 KB behind a "[Message clipped]" link, which hides the footer and
its unsubscribe link. The budget: at most 1 KB per paper plus 10 KB, with every paper's words
highlighted, both feedback links and the table of contents, over real papers with the links,
summaries and categories their feeds gave.
"""

from pathlib import Path

import pytest
from django.core import mail

from digest.ingest import ingest_content
from digest.models import Paper, Source
from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING
from tests.personas import make_reader

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).resolve().parent / "fixtures" / "feeds"
HF_JSON = FEEDS / "hf_daily_papers" / "daily_papers_2026-07-13.json"
ARXIV_SEARCHES = [
    FEEDS / "arxiv_api" / "cat_cs.AI_OR_cs.LG_max50_2026-07-13.xml",
    FEEDS / "hf_daily_papers" / "hf_daily_rss_2026-08-08.xml",
]
GMAIL_CLIPS_PAST = 102_000  # bytes of HTML; Gmail's "102 KB", counted in the strictest way
# Every word a topic of these papers could match: each paper gets several highlighted.
TOPICS = {
    "Agents, tools and planning": "agent OR agents OR tool OR tools OR planning",
    "Language models": (
        "language OR model OR models OR learning OR data OR method OR propose OR results OR show"
        " OR using OR approach OR paper"
    ),
}


@pytest.fixture
def hundred_papers(settings, frozen_clock) -> None:
    """A hundred and three real papers, with the links, summaries and upvotes their feeds gave."""
    settings.SITE_URL = "https://papers-digest.example.org"
    frozen_clock.travel_to(MORNING.replace(hour=6))
    source = Source.objects.create(name="saved", url="https://example.org/saved")
    for path in [HF_JSON, *ARXIV_SEARCHES]:
        ingest_content(source, path.read_bytes())
    arxiv_ids = Paper.objects.values_list("arxiv_id", flat=True)
    assert len(arxiv_ids) == 103 and all(arxiv_ids)
    frozen_clock.travel_to(MORNING)


def test_a_hundred_paper_digest_in_the_worst_case_stays_under_gmails_clipping(
    hundred_papers,
) -> None:
    make_reader("ada@example.com", TOPICS, max_papers=100)

    send_chunk(plan(MORNING))

    [message] = mail.outbox
    [(html, _)] = message.alternatives
    size = len(html.encode())
    cards = html.split('class="paper"')[1:]
    assert len(cards) == 100
    assert all("<b>" in card for card in cards[:30])  # compact cards may show no matched word
    assert html.count("More like this") == html.count("Less like this") == 100
    assert 'class="toc"' in html
    assert size <= 100 * 1024 + 10 * 1024
    assert size < GMAIL_CLIPS_PAST, f"{size} bytes"
    assert html.encode().rindex(b"Unsubscribe") < GMAIL_CLIPS_PAST  # the footer is before the cut

"""Which papers a digest holds: the window, topics, upvotes, ranking, the cap, never twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from digest import building
from digest.building import DigestRequest, build, select
from digest.models import Delivery, Paper, SentPaper
from digest.planning import plan
from digest.sending import send_chunk
from subscriptions.models import Subscriber
from tests.digests import MORNING, make_paper
from tests.personas import make_reader
from tests.services import require_postgres

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def titles(reader: Subscriber, start=MORNING - DAY, end=MORNING) -> list[str]:
    topics = [topic for topic in reader.topics.all() if topic.enabled]
    [picks] = select([DigestRequest(reader, topics, start, end)])
    return [pick.paper.title for pick in picks]


def test_it_holds_only_papers_first_seen_in_the_window() -> None:
    make_paper("Yesterday's news", hours_ago=30)
    make_paper("This morning's paper", hours_ago=2)
    make_paper("Seen after planning", hours_ago=-1)
    ada = make_reader("ada@example.com")

    assert titles(ada) == ["This morning's paper"]


def test_it_holds_papers_matching_any_enabled_topic() -> None:
    make_paper("Diffusion models for proteins")
    make_paper("Agents that browse")
    make_paper("Graph neural networks")
    ada = make_reader("ada@example.com", {"Diffusion": "diffusion", "Agents": "agents"})
    ada.topics.filter(name="Agents").update(enabled=False)

    assert titles(ada) == ["Diffusion models for proteins"]


def test_a_reader_without_topics_gets_every_new_paper() -> None:
    make_paper("Diffusion models for proteins")
    make_paper("Graph neural networks")

    assert len(titles(make_reader("bob@example.com"))) == 2


def test_a_topics_minimum_upvotes_leaves_out_less_upvoted_papers() -> None:
    make_paper("Diffusion, popular", upvotes=12)
    make_paper("Diffusion, unnoticed", upvotes=None)
    ada = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    ada.topics.update(min_upvotes=10)

    assert titles(ada) == ["Diffusion, popular"]


def test_it_ranks_by_upvotes_then_newest_and_keeps_at_most_max_papers() -> None:
    make_paper("Older, 5 upvotes", upvotes=5, hours_ago=5)
    make_paper("Newer, 5 upvotes", upvotes=5, hours_ago=1)
    make_paper("No upvotes", upvotes=None, hours_ago=1)
    make_paper("Most upvoted", upvotes=40, hours_ago=20)
    ada = make_reader("ada@example.com", max_papers=3)

    assert titles(ada) == ["Most upvoted", "Newer, 5 upvotes", "Older, 5 upvotes"]


def test_it_records_the_topics_and_words_each_paper_matched() -> None:
    make_paper("Diffusion agents", abstract="Agents that plan with diffusion.")
    ada = make_reader("ada@example.com", {"Diffusion": "diffusion", "Agents": "agents"})

    send_chunk(plan(MORNING))

    sent = SentPaper.objects.get(subscriber=ada)
    assert (sent.topics, sent.words) == (["Diffusion", "Agents"], ["agents", "diffusion"])


def test_it_never_sends_a_paper_twice_even_when_windows_overlap() -> None:
    make_paper("Sent yesterday", hours_ago=3)
    ada = make_reader("ada@example.com")
    send_chunk(plan(MORNING))
    make_paper("Brand new", hours_ago=1)

    assert titles(ada, start=MORNING - 2 * DAY, end=MORNING + DAY) == ["Brand new"]


def test_the_next_digest_starts_where_the_last_one_ended() -> None:
    ada = make_reader("ada@example.com")
    make_paper("Before the first digest", hours_ago=3)
    send_chunk(plan(MORNING))
    make_paper("Between the digests", hours_ago=-5)

    send_chunk(plan(MORNING + DAY))

    latest = Delivery.objects.get(period="2026-11-27")
    assert latest.window_start == MORNING
    assert [item.paper.title for item in latest.items.all()] == ["Between the digests"]
    assert ada.sent_papers.count() == 2


def test_it_skips_an_empty_digest_and_says_why() -> None:
    make_paper("Graph neural networks")
    make_reader("ada@example.com", {"Diffusion": "diffusion"})

    outcome = send_chunk(plan(MORNING))

    delivery = Delivery.objects.get()
    assert outcome.skipped == [delivery.pk]
    assert delivery.status == "skipped"
    assert delivery.reason == "No new papers matched since the last digest."


def test_building_a_batch_costs_the_same_few_queries_for_any_number_of_readers(
    django_assert_max_num_queries,
) -> None:
    for number in range(30):
        make_paper(f"Diffusion paper {number}", upvotes=number)
    for number in range(20):
        make_reader(f"reader{number}@example.com", {"Diffusion": "diffusion", "Agents": "agents"})
    plan(MORNING)
    deliveries = list(
        Delivery.objects.select_related("subscriber").prefetch_related("subscriber__topics")
    )

    with django_assert_max_num_queries(8):  # and the readers' mutes and tastes
        built = build(deliveries, MORNING)

    assert sorted(len(picks) for picks in built.values()) == [10] * 20


def test_two_digests_of_one_reader_in_one_batch_never_share_a_paper() -> None:
    make_paper("Diffusion models", hours_ago=3)
    ada = make_reader("ada@example.com")
    window = (ada, [], MORNING - DAY, MORNING)

    first, second = select([DigestRequest(*window), DigestRequest(*window)])

    assert ([p.paper.title for p in first], second) == (["Diffusion models"], [])


def test_later_chunks_of_a_planning_batch_reuse_its_papers() -> None:
    make_paper("Diffusion models")
    for name in ("ada", "bob"):
        make_reader(f"{name}@example.com", {"Diffusion": "diffusion"})
    ada_digest, bob_digest = plan(MORNING)
    send_chunk([ada_digest])

    with CaptureQueriesContext(connection) as queries:
        send_chunk([bob_digest])

    assert not [q for q in queries.captured_queries if 'FROM "digest_paper"' in q["sql"]]
    assert Delivery.objects.get(pk=bob_digest).items.get().paper.title == "Diffusion models"


def test_a_new_planning_batch_sees_a_paper_corrected_since_the_last() -> None:
    paper = make_paper("Difusion models")
    make_reader("ada@example.com")
    send_chunk(plan(MORNING, force=True))
    Paper.objects.filter(pk=paper.pk).update(title="Diffusion models")
    bob = make_reader("bob@example.com")

    send_chunk(plan(MORNING, force=True))

    assert [item.paper.title for item in bob.sent_papers.all()] == ["Diffusion models"]
    assert len(mail.outbox) == 2 and "Diffusion models" in mail.outbox[1].body


def test_a_window_past_its_query_limit_forgets_old_matches_and_stays_right(monkeypatch) -> None:
    monkeypatch.setattr(building, "MAX_QUERIES", 1)
    make_paper("Diffusion models")
    make_paper("Agents that browse")
    ada = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    bob = make_reader("bob@example.com", {"Agents": "agents"})
    cy = make_reader("cy@example.com", {"Diffusion": "diffusion"})
    ada_digest, *later = plan(MORNING)

    send_chunk([ada_digest])
    send_chunk(later)  # one query matched before, one new: over the limit of one

    assert [item.paper.title for item in ada.sent_papers.all()] == ["Diffusion models"]
    assert [item.paper.title for item in bob.sent_papers.all()] == ["Agents that browse"]
    assert [item.paper.title for item in cy.sent_papers.all()] == ["Diffusion models"]


@pytest.mark.django_db(transaction=True)
def test_a_paper_deleted_during_a_batch_does_not_wedge_its_later_chunks() -> None:
    require_postgres()
    make_paper("Diffusion models", upvotes=1)
    doomed = make_paper("Diffusion agents", upvotes=9)
    ada = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    bob = make_reader("bob@example.com", {"Diffusion": "diffusion"})
    ada_digest, bob_digest = plan(MORNING)
    send_chunk([ada_digest])
    doomed.delete()

    with pytest.raises(IntegrityError):  # the worker's window still held the deleted paper
        send_chunk([bob_digest])
    Delivery.objects.filter(pk=bob_digest).update(status="planned")  # as the sweeper hands back
    send_chunk([bob_digest])

    assert [item.paper.title for item in ada.sent_papers.all()] == ["Diffusion models"]
    assert [item.paper.title for item in bob.sent_papers.all()] == ["Diffusion models"]

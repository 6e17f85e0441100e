"""The order papers are shown in (digest/topics/ranking.py)."""

from datetime import timedelta

from digest.topics.ranking import rank
from tests.topic_examples import MONDAY, paper


def test_papers_rank_by_upvotes_then_newest() -> None:
    old_hit = paper(id=1, upvotes=50, first_seen_at=MONDAY - timedelta(days=2))
    new_hit = paper(id=2, upvotes=50, first_seen_at=MONDAY)
    arxiv_only = paper(id=3, upvotes=None, first_seen_at=MONDAY + timedelta(days=1))
    unloved = paper(id=4, upvotes=0, first_seen_at=MONDAY)
    modest = paper(id=5, upvotes=3, first_seen_at=MONDAY - timedelta(days=5))

    ranked = rank([arxiv_only, old_hit, unloved, modest, new_hit])

    assert [p.id for p in ranked] == [2, 1, 5, 3, 4]

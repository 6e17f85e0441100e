"""Planning digests (digest/planning.py): who is due, for which period, and from when its papers
were first seen."""

from datetime import datetime, timedelta

import pytest
from django.core import mail

from digest.planning import plan
from digest.sending import send_chunk
from subscriptions import actions
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db


def test_a_paused_reader_gets_nothing_and_then_every_paper_of_the_pause(frozen_clock) -> None:

    def digest_on(day: datetime) -> list[str]:
        frozen_clock.travel_to(day)
        mail.outbox.clear()
        send_chunk(plan(day))
        return [message.subject for message in mail.outbox]

    reader = make_reader("ada@example.com", {"Diffusion": "diffusion"})
    make_paper("Diffusion before the pause", hours_ago=24 * 3 + 2)
    assert len(digest_on(MORNING - timedelta(days=3))) == 1
    actions.pause(reader)
    make_paper("Diffusion while away", hours_ago=36)

    assert digest_on(MORNING - timedelta(days=2)) == []
    assert digest_on(MORNING - timedelta(days=1)) == []
    actions.resume(reader)
    [subject] = digest_on(MORNING)

    assert subject.startswith("1 new paper")
    assert "Diffusion while away" in mail.outbox[0].body

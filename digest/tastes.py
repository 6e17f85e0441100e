"""The learned ranking's state in the database: the vocabulary in use, each reader's taste.

The pure work (fitting, training, scoring) is digest/topics/features.py and learning.py; this
module loads what they need and stores what they return, as plain JSON (models.Vocabulary,
models.Taste). The vocabulary is fitted on the installation's recent papers the first time it
is needed, so a fresh install (and `make demo`) needs no separate step, and refitted on beat's
schedule (tasks.refit_vocabulary).
"""

from django.db import transaction

from core import clock
from digest.models import Paper, Taste, Vocabulary
from digest.topics.features import Vectoriser
from digest.topics.learning import ReaderModel, train
from digest.topics.papers import PaperText
from subscriptions.models import Subscriber

MAX_FITTED = 50_000  # a vocabulary is fitted on the newest papers, at most this many
WEAK_POOL = 500  # the recent papers a reader's weak negatives are drawn from

_loaded: tuple[int, Vectoriser] | None = None


def vectoriser() -> Vectoriser | None:
    """The vocabulary in use, loaded once per process and again after a refit; fitted now when
    there is none yet. None while there are too few papers to fit one."""
    global _loaded
    latest = Vocabulary.objects.order_by("-fitted_at", "-pk").only("pk").first()
    if latest is None:
        latest = refit()
        if latest is None:
            return None
    if _loaded is None or _loaded[0] != latest.pk:
        state = Vocabulary.objects.values_list("state", flat=True).get(pk=latest.pk)
        _loaded = (latest.pk, Vectoriser.from_state(state))
    return _loaded[1]


def refit() -> Vocabulary | None:
    """Fits a vocabulary on the recent papers and keeps it; None when they are too few. Readers'
    weights are keyed by term, so they carry over to the new vocabulary without retraining."""
    papers = [PaperText.of(paper) for paper in _recent_papers(MAX_FITTED)]
    try:
        fitted = Vectoriser.fit(papers)
    except ValueError:
        return None
    return Vocabulary.objects.create(
        fitted_at=clock.now(), papers=len(papers), state=fitted.to_state()
    )


def retrain(reader: Subscriber) -> ReaderModel | None:
    """Trains the reader on all their votes and keeps the result; None without a vocabulary."""
    features = vectoriser()
    if features is None:
        return None
    votes = [
        (PaperText.of(vote.paper), vote.liked)
        for vote in reader.votes.select_related("paper").order_by("paper_id")
    ]
    model = train(features, votes, [PaperText.of(p) for p in _recent_papers(WEAK_POOL)])
    with transaction.atomic():
        Taste.objects.update_or_create(
            subscriber=reader,
            defaults={"state": model.to_state(), "votes": model.votes, "trained_at": clock.now()},
        )
    return model


def models_of(reader_ids: list[int]) -> dict[int, ReaderModel]:
    """The stored models of these readers (those who have one), by reader id. A model an older
    release trained on other features is trained anew here, once per reader after an upgrade:
    applied to features it was not trained on, it would order the reader's papers at random."""
    rows = Taste.objects.filter(subscriber_id__in=reader_ids).values_list("subscriber_id", "state")
    models = {}
    for reader_id, state in rows:
        try:
            models[reader_id] = ReaderModel.from_state(state)
        except ValueError:
            model = retrain(Subscriber.objects.get(pk=reader_id))
            if model is not None:
                models[reader_id] = model
    return models


def _recent_papers(limit: int) -> list[Paper]:
    """The newest papers by first seen, in a stable order (so training repeats)."""
    newest = Paper.objects.order_by("-first_seen_at", "-pk")
    return sorted(newest[:limit], key=lambda paper: paper.pk)

"""The readers tests meet, by name, and `make_reader` for anyone else.

- ada: confirmed (active), with two topics, "diffusion" and "cat:cs.CL retrieval";
- bob: asked to subscribe and never confirmed (pending), with one topic, "graph neural networks";
- cy: his mailbox bounced our emails (bounced), no topics;
- dee: unsubscribed last month (unsubscribed), no topics.

Each is created anew by calling its function, in the test's database.
"""

from django.utils import timezone

from subscriptions.models import Subscriber, TopicFilter


def make_reader(email: str, topics: dict[str, str] | None = None, **fields: object) -> Subscriber:
    """A reader with `topics` {name: query}, in that order; active and daily at 08:00 UTC unless
    `fields` say otherwise. Consent was asked when the reader was made, and confirmed if active."""
    status = fields.setdefault("status", "active")
    now = timezone.now()
    fields.setdefault("consent_asked_at", now)
    fields.setdefault("consent_confirmed_at", now if status == "active" else None)
    reader = Subscriber.objects.create(email=email, **fields)
    for position, (name, query) in enumerate((topics or {}).items()):
        TopicFilter.objects.create(subscriber=reader, name=name, query=query, position=position)
    return reader


def ada() -> Subscriber:
    """Confirmed, with two topics."""
    return make_reader(
        "ada@example.com",
        {"diffusion": "diffusion", "cat:cs.CL retrieval": "cat:cs.CL retrieval"},
    )


def bob() -> Subscriber:
    """Asked to subscribe and never confirmed."""
    return make_reader(
        "bob@example.com", {"graph neural networks": "graph neural networks"}, status="pending"
    )


def cy() -> Subscriber:
    """His mailbox bounced our emails."""
    return make_reader("cy@example.com", status="bounced")


def dee() -> Subscriber:
    """Unsubscribed last month."""
    return make_reader("dee@example.com", status="unsubscribed")

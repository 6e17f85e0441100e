"""Named readers for tests: ada is confirmed with topics, bob never confirmed, cy bounced..."""

from django.utils import timezone

from subscriptions.models import Subscriber, TopicFilter


def make_reader(email: str, status: str = "active", topics: tuple[str, ...] = ()) -> Subscriber:
    reader = Subscriber.objects.create(
        email=email,
        status=status,
        consent_asked_at=timezone.now(),
        consent_confirmed_at=timezone.now() if status == "active" else None,
    )
    for position, query in enumerate(topics):
        TopicFilter.objects.create(subscriber=reader, name=query, query=query, position=position)
    return reader


def ada() -> Subscriber:
    """Confirmed, with two topics."""
    return make_reader("ada@example.com", "active", ("diffusion", "cat:cs.CL retrieval"))


def bob() -> Subscriber:
    """Asked to subscribe and never confirmed."""
    return make_reader("bob@example.com", "pending", ("graph neural networks",))


def cy() -> Subscriber:
    """His mailbox bounced our emails."""
    return make_reader("cy@example.com", "bounced")


def dee() -> Subscriber:
    """Unsubscribed last month."""
    return make_reader("dee@example.com", "unsubscribed")

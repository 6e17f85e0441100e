"""The public subscribe form. Only the email is required: topics and frequency are optional."""

from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from django import forms

from core.addresses import is_quoted
from digest.actions import check_query
from digest.topics.query import QueryError
from subscriptions.models import Subscriber

MAX_TOPICS = 20


@dataclass(frozen=True)
class TopicProblem:
    """A topic line the parser refused, to show back next to that line."""

    line_number: int
    line: str
    message: str
    position: int


def parse_topic_lines(text: str) -> tuple[list[tuple[str, str]], list[TopicProblem]]:
    """(name, query) for each non-blank line, and the problems of the lines that do not parse.

    A topic's name starts as its query; the manage page lets readers rename it. A line that
    repeats an earlier one (whatever its capitals and spacing) is left out: it would only send
    the same papers again.
    """
    topics: list[tuple[str, str]] = []
    problems = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            check_query(line)
        except QueryError as error:
            problems.append(TopicProblem(number, line, error.message, error.position))
        else:
            if not any(same_topic(line, query) for _, query in topics):
                topics.append((line[:200], line))
    return topics, problems


def same_topic(a: str, b: str) -> bool:
    """Two names or queries are the same topic whatever their capitals and spacing."""
    return topic_key(a) == topic_key(b)


def topic_key(text: str) -> str:
    """A name or query without what same_topic ignores, to find repeats among many at once."""
    return " ".join(text.split()).casefold()


@cache
def time_zones() -> list[tuple[str, str]]:
    """Every IANA zone name this system knows, sorted, as choices."""
    return [(name, name) for name in sorted(available_timezones())]


class TimeZoneField(forms.ChoiceField):
    """A time zone chosen from a list (with JavaScript, the page offers the browser's own)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            choices=time_zones,
            label="Time zone",
            initial="UTC",
            error_messages={
                "required": "Choose your time zone, or leave UTC.",
                "invalid_choice": "“%(value)s” is not a time zone we know. Choose one from the "
                "list.",
            },
            **kwargs,
        )


class EmailAddressField(forms.EmailField):
    """The address of the public forms, refused in the site's words."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            max_length=254,
            label="Your email address",
            error_messages={
                "required": "Type your email address.",
                "invalid": "That doesn't look like an email address. Check it for typos: "
                "it looks like ada@example.com.",
                "max_length": "That address is too long for email: 254 characters at most.",
            },
            **kwargs,
        )


class HoneypotForm(forms.Form):
    """A public form that emails an address: a field hidden from people (CSS and aria-hidden),
    which bots that fill every field fill."""

    website = forms.CharField(required=False, label="Leave this field empty")

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class SubscribeForm(HoneypotForm):
    email = EmailAddressField()
    topics = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "topics-help"}),
        label="Topics (optional)",
    )
    frequency = forms.ChoiceField(
        choices=Subscriber.Frequency.choices,
        required=False,
        initial=Subscriber.Frequency.DAILY,
        widget=forms.RadioSelect,
        label="How often",
        error_messages={"invalid_choice": "Choose daily or weekly."},
    )
    time_zone = TimeZoneField(required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.topic_problems: list[TopicProblem] = []

    def clean_email(self) -> str:
        # A quoted local part ("ada"@example.com) can spell one mailbox many ways.
        if is_quoted(self.cleaned_data["email"]):
            raise forms.ValidationError("Please use an address without quotation marks.")
        return self.cleaned_data["email"]

    def clean_topics(self) -> list[tuple[str, str]]:
        topics, self.topic_problems = parse_topic_lines(self.cleaned_data["topics"])
        if self.topic_problems:
            raise forms.ValidationError("Some topics need fixing; see the notes below them.")
        if len(topics) > MAX_TOPICS:
            raise forms.ValidationError(f"Up to {MAX_TOPICS} topics, one per line, please.")
        return topics

    def clean_frequency(self) -> str:
        # Absent frequency (a minimal form post) means daily: only the email is required.
        return self.cleaned_data["frequency"] or Subscriber.Frequency.DAILY

    def clean_time_zone(self) -> str:
        # Absent, as frequency: a minimal form post gets UTC, which the manage page can change.
        return self.cleaned_data["time_zone"] or "UTC"

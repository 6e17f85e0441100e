"""What the manage page says back (issue 16): duplicate topics refused, errors next to their field
(marked invalid, described by the message) with a summary at the top, notices next to the
section that changed, the site's own words instead of Django's, and well-formed markup."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse

from subscriptions import manage_views
from tests.manage_page import PAGE, open_link, paper, queries, schedule
from tests.personas import ada, make_reader

pytestmark = pytest.mark.django_db


def add(client, query: str, name: str = ""):
    return client.post("/manage/topics/", {"new-query": query, "new-name": name})


class Elements(HTMLParser):
    """Each element's attributes by id, the ids in document order, and the tags left open."""

    VOID = {"input", "meta", "link", "br", "img", "hr", "source", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.order: list[str] = []
        self.open: list[str] = []
        self.unclosed_options = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.by_id[found["id"]] = found
            self.order.append(found["id"])
        if tag == "option" and self.open and self.open[-1] == "option":
            self.unclosed_options += 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id, up to the first </div> inside it."""
    start = html.index(f'id="{element_id}"')
    return re.sub(r"<[^>]+>", " ", html[start : html.index("</div>", start)])


# --- duplicates ----------------------------------------------------------------------------------


def test_a_topic_with_a_query_the_reader_already_has_is_refused(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = add(client, "  Diffusion ")

    assert response.status_code == 400
    assert "Your topic “diffusion” already has this query." in response.content.decode()
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


def test_a_topic_named_like_another_is_refused_with_a_clear_message(client) -> None:
    reader = ada()
    open_link(client, reader)

    response = add(client, "diffusion video", name="DIFFUSION")

    html = response.content.decode()
    assert response.status_code == 400
    assert "You already have a topic named “diffusion”. Give this one a name of its own." in html
    assert 'id="id_new-name"' in html and 'aria-describedby="new-name-errors"' in html
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


def test_editing_a_topic_into_a_copy_of_another_is_refused_but_keeping_its_own_query_is_not(
    client,
) -> None:
    reader = ada()
    topic = reader.topics.get(query="cat:cs.CL retrieval")
    open_link(client, reader)
    url, prefix = f"/manage/topics/{topic.pk}/", f"topic-{topic.pk}"

    copy = client.post(url, {f"{prefix}-name": "Retrieval", f"{prefix}-query": "diffusion"})
    same = client.post(
        url, {f"{prefix}-name": "Retrieval", f"{prefix}-query": "cat:cs.CL retrieval"}
    )

    assert copy.status_code == 400 and "already has this query" in copy.content.decode()
    assert same.status_code == 302
    assert queries(reader) == ["diffusion", "cat:cs.CL retrieval"]


# --- errors next to their field, and a summary at the top -----------------------------------------


def test_a_bad_query_is_marked_and_described_next_to_its_field(client) -> None:
    open_link(client, ada())

    response = add(client, "diffusion AND")

    html = response.content.decode()
    query = Elements(html).by_id["id_new-query"]
    assert response.status_code == 400 and query["aria-invalid"] == "true"
    described = query["aria-describedby"].split()[0]
    assert "AND" in text_of(html, described) and "query-error" in html
    # The message comes right after the field, before the topic's other fields.
    assert html.index('id="id_new-query"') < html.index(f'id="{described}"')
    assert html.index(f'id="{described}"') < html.index('id="id_new-name"')


def test_a_page_shown_back_with_errors_starts_with_a_summary_linking_to_each_field(client) -> None:
    open_link(client, ada())

    html = add(client, "").content.decode()

    summary = html.index('class="error-summary"')
    assert summary < html.index('class="facts"')
    assert '<a href="#id_new-query">Query: Type a query first' in html[summary:]


def test_a_schedule_error_is_summarised_and_marked_in_the_sites_words(client) -> None:
    open_link(client, ada())

    html = schedule(client, max_papers="101").content.decode()

    assert "Choose from 1 to 100 papers." in html and "Ensure this value" not in html
    assert '<a href="#id_schedule-max_papers">Papers per email: Choose from 1 to 100' in html
    assert Elements(html).by_id["id_schedule-max_papers"]["aria-invalid"] == "true"


def test_a_time_zone_not_in_the_list_is_refused_in_plain_words(client) -> None:
    open_link(client, ada())

    html = schedule(client, time_zone="Mars/Olympus").content.decode()

    assert "“Mars/Olympus” is not a time zone we know. Choose one from the list." in html


def test_a_page_without_errors_has_no_summary(client) -> None:
    assert "error-summary" not in open_link(client, ada()).content.decode()


# --- notices next to what changed ---------------------------------------------------------------


def test_the_schedule_notice_shows_right_after_the_save_schedule_button(client) -> None:
    open_link(client, ada())
    schedule(client, delivery_hour="7")

    html = client.get(PAGE).content.decode()

    notice = html.index("Schedule saved.")
    assert html.index(">Save schedule</button>") < notice < html.index('id="data"')
    assert html.count("Schedule saved.") == 1


def test_a_saved_topics_notice_shows_on_its_card(client) -> None:
    reader = ada()
    topic = reader.topics.get(query="diffusion")
    open_link(client, reader)
    client.post(
        f"/manage/topics/{topic.pk}/",
        {f"topic-{topic.pk}-query": "diffusion video", f"topic-{topic.pk}-name": "Video"},
    )

    html = client.get(PAGE).content.decode()

    card = html.index(f'id="topic-{topic.pk}"')
    assert card < html.index("Topic “Video” saved.") < html.index("<details", card)


def test_a_notice_for_a_section_the_page_does_not_know_shows_at_the_top(rf) -> None:
    request = rf.get(PAGE)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request._messages = default_storage(request)
    messages.success(request, "Schedule saved.", extra_tags="schedule")
    messages.success(request, "Archived.", extra_tags="archive")

    placed, top = manage_views._notices(request)

    assert [str(m) for m in placed] == ["Schedule saved."]
    assert [str(m) for m in top] == ["Archived."]


# --- compact topics -------------------------------------------------------------------------------


def test_each_topic_is_a_card_with_its_papers_this_week_and_a_closed_edit(client, now) -> None:
    paper("2611.1", "Diffusion for video")
    paper("2611.2", "Diffusion for audio")
    paper("2611.3", "Old diffusion", days_ago=8)

    html = open_link(client, ada()).content.decode()

    assert "2 papers in the last 7 days" in html
    assert "0 papers in the last 7 days" in html  # cat:cs.CL retrieval
    assert html.count('<details class="topic-edit">') == 2
    assert html.count("<summary>Edit<") == 2


def test_a_topic_shown_back_with_errors_has_its_edit_open(client) -> None:
    reader = ada()
    topic = reader.topics.get(query="diffusion")
    open_link(client, reader)

    response = client.post(f"/manage/topics/{topic.pk}/", {f"topic-{topic.pk}-query": "("})

    assert response.content.decode().count('<details class="topic-edit" open>') == 1


# --- markup -------------------------------------------------------------------------------------


def test_the_page_has_no_datalist_and_closes_every_option(client) -> None:
    html = open_link(client, ada()).content.decode()

    assert "<datalist" not in html
    assert html.count("<option") == html.count("</option>") > 400
    assert Elements(html).unclosed_options == 0


def test_a_zone_the_list_no_longer_has_stays_chosen_and_saves(client) -> None:
    reader = make_reader("eve@example.com", time_zone="Old/Renamed")
    open_link(client, reader)

    html = client.get(PAGE).content.decode()
    schedule(client, time_zone="Old/Renamed", delivery_hour="9")

    assert '<option value="Old/Renamed" selected>Old/Renamed</option>' in html
    reader.refresh_from_db()
    assert (reader.time_zone, reader.delivery_hour) == ("Old/Renamed", 9)

"""One paper card everywhere: the digest (HTML and text), its subject, table of contents and
footer, and the home page, through real sends and real pages."""

import re

import pytest
from django.core import mail

from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "We present a method for training agents that call tools, evaluated on 40 benchmarks. "
    "Agents learn from their own failed calls and recover twice as often as before. "
    "We also study what the agents get wrong and why, and release a dataset of 10,000 traces. "
    "Our code and data are available at the project page, with the traces and every prompt. "
    "Project page: https://example.org/agents."
)
LINKS = {
    "hf_url": "https://huggingface.co/papers/2611.99999",
    "code_url": "https://github.com/ada/agents",
    "project_url": "https://ada.example.org/agents/",
}


def send_digest(topics: dict[str, str] | None = None) -> mail.EmailMessage:
    make_reader("ada@example.com", topics or {}, max_papers=20)
    send_chunk(plan(MORNING))
    [message] = mail.outbox
    return message


def html_of(message: mail.EmailMultiAlternatives) -> str:
    [(html, _)] = message.alternatives
    return html


def link_texts(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def morning(frozen_clock, settings) -> None:
    settings.SITE_URL = "https://papers.example.org"
    frozen_clock.travel_to(MORNING)


def test_a_readers_without_topics_snippet_is_the_abstracts_opening(morning) -> None:
    make_paper("Tool-using agents", abstract=ABSTRACT, upvotes=5)

    message = send_digest()

    [snippet] = re.findall(r'<p class="excerpt">([^<]+)</p>', html_of(message))
    assert ABSTRACT.startswith(snippet.removesuffix("...")) and len(snippet) >= 160
    assert snippet.removesuffix("...") in message.body


def test_the_card_shows_each_link_the_paper_has_and_the_ai_summary(morning) -> None:
    make_paper("Rich paper", abstract=ABSTRACT, upvotes=9, ai_summary="Agents fix calls.", **LINKS)
    make_paper("Plain paper", abstract=ABSTRACT, upvotes=1, categories=["cs.AI", "cs.CL"])

    message = send_digest()
    html = html_of(message)
    rich, plain = html.split('<td class="paper">')[1:]

    assert link_texts(rich)[:5] == ["arXiv", "PDF", "Hugging Face", "Code", "Project page"]
    assert link_texts(plain)[:2] == ["arXiv", "PDF"] and "Hugging Face" not in plain
    assert "<i>AI summary:</i> Agents fix calls." in rich and "AI summary" not in plain
    assert "9&nbsp;upvotes" in rich and "<span>cs.AI</span><span>cs.CL</span>" in plain
    for label, url in [("Hugging Face", LINKS["hf_url"]), ("Project page", LINKS["project_url"])]:
        assert f'<a href="{url}">{label}</a>' in rich
        assert f"{label}: {url}" in message.body
    assert "src=" not in html  # no remote images


def test_each_card_carries_its_why_line_and_both_feedback_links(morning) -> None:
    make_paper("Tool-using agents", abstract=ABSTRACT, upvotes=5)

    message = send_digest({"Agents": "agents", "Diffusion and flows": "diffusion"})
    lines = message.body.splitlines()
    at = lines.index("Tool-using agents")

    assert "More like this</a> · <a" in html_of(message)
    assert "Matched “Agents”</p>" in html_of(message)
    assert lines[at + 3] == "Matched “Agents”"
    assert [line.split(":")[0] for line in lines if "like this:" in line] == [
        "More like this",
        "Less like this",
    ]
    assert "matched your topics “Agents”" in message.body  # a name, not a list of three


def test_the_footer_quotes_each_topic_name(morning) -> None:
    make_paper("Agents and diffusion", abstract="Diffusion agents.", upvotes=5)

    message = send_digest({"Agents": "agents", "Diffusion and flows": "diffusion"})

    assert "matched your topics “Agents” and “Diffusion and flows”." in message.body
    assert "topics “Agents” and “Diffusion and flows”." in html_of(message)
    assert re.search(r'<a href="[^"]+"[^>]*>Manage your topics</a>', html_of(message))
    assert re.search(r'<a href="[^"]+"[^>]*>View in browser</a>', html_of(message))


def test_the_subject_names_the_top_paper_on_one_line_trimmed(morning) -> None:
    long_title = "Agents that plan\nwith tools: " + "a very long title " * 8
    make_paper(long_title, abstract=ABSTRACT, upvotes=50)
    make_paper("Second paper on agents", abstract=ABSTRACT, upvotes=1)

    message = send_digest({"Agents": "agents"})

    assert message.subject.startswith("Agents that plan with tools: a very long title")
    assert message.subject.endswith("… and 1 more on your topics")
    assert len(message.subject) < 110
    assert "Subject: " in message.message().as_string()  # a valid header


def test_a_long_digest_opens_with_a_table_of_contents_linked_to_arxiv(morning) -> None:
    papers = [make_paper(f"Agents paper {n}", abstract=ABSTRACT, upvotes=n) for n in range(6)]

    html = html_of(send_digest())

    [toc] = re.findall(r'<ol class="toc">(.*?)</ol>', html)
    entries = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', toc)
    assert [title for _, title in entries] == [f"Agents paper {n}" for n in range(5, -1, -1)]
    assert [url for url, _ in entries] == [p.abs_url for p in reversed(papers)]
    assert 'href="#' not in html


def test_five_papers_need_no_table_of_contents(morning) -> None:
    for n in range(5):
        make_paper(f"Agents paper {n}", abstract=ABSTRACT, upvotes=n)

    assert 'class="toc"' not in html_of(send_digest())


def test_the_home_page_shows_the_same_card(client, morning) -> None:
    make_paper("Rich paper", abstract=ABSTRACT, upvotes=9, ai_summary="Agents fix calls.", **LINKS)
    make_paper("Anonymous paper", abstract=ABSTRACT, upvotes=2, authors=[])

    page = client.get("/").content.decode()

    assert "<i>AI summary:</i> Agents fix calls." in page
    assert "Ada Lovelace, Charles Babbage" in page and "<span>cs.LG</span>" in page
    assert '<p class="meta">26 Nov · <span class="badge">2&nbsp;upvotes</span></p>' in page
    labels = re.findall(r'<a href="[^"]+">([^<]+)<span class="visually-hidden">', page)
    assert labels == ["arXiv", "PDF", "Hugging Face", "Code", "Project page", "arXiv", "PDF"]


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_digest_and_home_page_cards_fit_the_screen(
    chromium, artefacts, live_server, morning, width: int
) -> None:
    make_paper(
        "Rich paper on agents",
        abstract=ABSTRACT,
        upvotes=67,
        ai_summary="Agents fix calls.",
        **LINKS,
    )
    for n in range(6):
        make_paper(
            f"Tool-using agents, part {n}",
            abstract=ABSTRACT,
            upvotes=n,
            categories=["cs.AI", "cs.CL", "cs.LG"],
        )
    html = html_of(send_digest({"Agents": "agents", "Diffusion and flows": "diffusion"}))
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        # The email first: a page from the site keeps the site's CSP, which forbids inline styles.
        page.set_content(html)
        page.screenshot(path=str(artefacts / f"card-digest-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        badge = page.locator(".badge").first.bounding_box()
        assert badge and badge["height"] < 30  # "67 upvotes" on one line
        assert page.locator("ol.toc li").count() == 7
        page.goto(f"{live_server.url}/")
        page.screenshot(path=str(artefacts / f"card-home-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.locator(".paper-card .chips span").count() == 3 * 6 + 1
    finally:
        context.close()

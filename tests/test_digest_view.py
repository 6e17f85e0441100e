"""The signed "view in browser" page of a sent digest, and how a digest looks in a browser."""

import re

import pytest
from django.core import mail
from django.test import Client

from digest.models import Delivery
from digest.planning import plan
from digest.sending import send_chunk
from tests.digests import MORNING, make_paper
from tests.personas import make_reader

HOSTILE = '<script>alert(1)</script> & "quotes"'
ABSTRACT = (
    "We train diffusion models on long scientific documents and measure how well agents "
    "summarise them. " * 4
)


def send_adas_digest() -> str:
    """Send ada a digest of five papers; return the path of its "view in browser" link."""
    make_paper(HOSTILE, abstract=ABSTRACT, upvotes=42, code_url="https://github.com/ada/x")
    for number in range(4):
        make_paper(f"Scaling diffusion transformers, part {number}", abstract=ABSTRACT)
    make_reader("ada@example.com", {"Diffusion": "diffusion", "Agents": "agents"})
    send_chunk(plan(MORNING))
    [link] = re.findall(r"View in browser: (\S+)", mail.outbox[0].body)
    return link.removeprefix("http://localhost:8000")


@pytest.mark.django_db
def test_the_view_in_browser_link_shows_the_digest_escaped(client: Client) -> None:
    response = client.get(send_adas_digest())

    assert response.status_code == 200
    # Nothing to the papers' sites; a real Origin for the page's own form (CSRF).
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]
    page = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "<script>" not in page


@pytest.mark.django_db
def test_a_tampered_link_finds_nothing(client: Client) -> None:
    path = send_adas_digest()

    assert client.get(path[:-3] + "xyz/").status_code == 404


@pytest.mark.django_db
def test_a_digest_that_was_not_sent_has_no_page(client: Client) -> None:
    path = send_adas_digest()
    Delivery.objects.update(status="failed")

    assert client.get(path).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "device, width, scheme",
    [("phone", 390, "light"), ("desktop", 1280, "light"), ("phone-dark", 390, "dark")],
)
def test_a_digest_reads_well_on_a_phone_a_desktop_and_in_dark_mode(
    live_server,
    chromium,
    artefacts,
    device: str,
    width: int,
    scheme: str,
) -> None:
    path = send_adas_digest()
    context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(artefacts / f"digest-{device}.png"), full_page=True)

        assert page.get_by_role("link", name=HOSTILE).is_visible()
        button = page.get_by_role("button", name="Email me a link to manage my subscription")
        assert button.is_visible()
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        button.click()  # a real browser's POST from the page passes the CSRF check
        assert page.get_by_role("heading", name="Check your inbox").is_visible()
    finally:
        context.close()

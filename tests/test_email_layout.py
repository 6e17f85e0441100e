"""Every email, account emails and digests alike, shares one layout and one stylesheet (how each
reads in a browser engine, on a phone and a desktop, light and dark: test_accessibility_browser)."""

import re

import pytest
from django.core import mail
from django.template.loader import get_template

from digest.planning import plan
from digest.sending import send_chunk
from subscriptions import tasks
from tests import digests, personas
from tests.personas import ada, bob

pytestmark = pytest.mark.django_db

KINDS = ("confirm", "manage-link", "already-subscribed", "digest")


def send(kind: str) -> mail.EmailMultiAlternatives:
    """Send one email of `kind` to a fresh reader and return it."""
    if kind == "digest":
        digests.make_paper("Diffusion for long documents", abstract="We study diffusion. " * 20)
        personas.make_reader("eve@example.com", {"Diffusion": "diffusion"})
        send_chunk(plan(digests.MORNING))
    else:
        reader = bob() if kind == "confirm" else ada()
        task = {"confirm": tasks.send_confirmation, "manage-link": tasks.send_manage_link}
        task.get(kind, tasks.send_already_subscribed)(reader.pk)
    [message] = mail.outbox
    return message


def html_of(message: mail.EmailMultiAlternatives) -> str:
    [(html, _mimetype)] = message.alternatives
    return html


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_has_the_one_layout_and_stylesheet(kind: str) -> None:
    html = html_of(send(kind))

    assert html.startswith("<!doctype html>\n<html")
    assert '<meta name="color-scheme" content="light dark">' in html
    [style] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    sheets = ("emails/email.css", "emails/card.css")
    assert style == "".join(get_template(sheet).render({}) for sheet in sheets)
    assert "prefers-color-scheme: dark" in style and "max-width: 620px" in style


@pytest.mark.parametrize("kind", KINDS)
def test_every_email_has_a_hidden_preheader(kind: str) -> None:
    html = html_of(send(kind))

    [preheader] = re.findall(r'<div class="preheader" style="([^"]*)">([^<]+)</div>', html)
    assert "display:none" in preheader[0].replace(" ", "")
    assert len(preheader[1].strip()) > 20


@pytest.mark.parametrize("kind", KINDS)
def test_styles_become_html_attributes_on_tables_only(kind: str) -> None:
    html = html_of(send(kind))

    # premailer's bgcolor on a highlighted word or a button link is invalid HTML.
    assert re.findall(r"<(?!table|tr|td|th)(\w+)[^>]*\sbgcolor=", html) == []
    assert "bgcolor=" in html  # the tables keep theirs, for old clients


@pytest.mark.parametrize("kind", ["confirm", "manage-link", "already-subscribed"])
def test_every_link_email_writes_its_link_out_under_the_button(kind: str) -> None:
    html = html_of(send(kind))

    [button] = re.findall(r'<a class="button" href="([^"]+)"', html)
    [written] = re.findall(r'<p class="muted url"[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert written == (button, button)

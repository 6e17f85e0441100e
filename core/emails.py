"""Render an email from its template triplet: templates/emails/<kind>-subject.txt,
<kind>-body.txt and <kind>-body.html (HTML optional), with CSS inlined for mail clients.

Every HTML email extends templates/emails/layout.html, styled by emails/email.css (and a
digest's paper cards by emails/card.css, from <head> only: see digest/emails.py).
Subjects and text parts use the "text" template engine, which does not HTML-escape."""

import logging
import re
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import get_template
from premailer import Premailer

# premailer drops the doctype, which keeps Outlook and Gmail out of quirks mode.
DOCTYPE = "<!doctype html>\n"
PREMAILER_OPTIONS = {
    "keep_style_tags": True,
    "strip_important": False,
    "disable_validation": True,
    "cssutils_logging_level": logging.CRITICAL,
}


@lru_cache(maxsize=16)
def _style_rules(css_body: str, ruleset_index: int) -> tuple[tuple, tuple]:
    rules, leftover = Premailer("", **PREMAILER_OPTIONS)._parse_style_rules(css_body, ruleset_index)
    return tuple(rules), tuple(leftover)


CLASS_NAME = re.compile(r"\.([\w-]+)")
# premailer copies some styles into HTML attributes (bgcolor, align, width...) for old mail
# clients, which only table cells and tables may carry: on a <span> or <a> they are invalid
# HTML (the Nu Html Checker's error) and clients read the style anyway.
TABLE_PARTS = frozenset({"table", "tr", "td", "th"})


class _Premailer(Premailer):
    """premailer reads every rule's properties back through cssutils on each transform, most of
    a call's cost; our stylesheets are a few fixed texts, so each is read once per process.

    It also runs every rule's selector over the document. The one email stylesheet serves whole
    emails and small paper blocks alike, so a rule naming a class that the text after the last
    stylesheet never contains, which can match nothing, is skipped."""

    def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[list, list]:
        rules, leftover = _style_rules(css_body, ruleset_index)
        body = self.html[max(0, self.html.rfind("</style>")) :]
        kept = [rule for rule in rules if all(c in body for c in CLASS_NAME.findall(rule[1]))]
        return kept, list(leftover)

    def _style_to_basic_html_attributes(self, element, style_content, force=False) -> None:
        if element.tag in TABLE_PARTS:
            super()._style_to_basic_html_attributes(element, style_content, force)


def inline_css(html: str) -> str:
    """Inline the <style> rules into style attributes; keep the block for media queries.

    Give it rendered HTML, never a template's source: premailer URL-encodes `{{ }}` in attributes.
    """
    return _Premailer(html, base_url=settings.SITE_URL, **PREMAILER_OPTIONS).transform()


def layout_context() -> dict[str, str]:
    """What the layout shows in every email, from the settings."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "postal_address": settings.POSTAL_ADDRESS,
    }


@lru_cache(maxsize=32)
def _has_html(kind: str) -> bool:
    try:
        get_template(f"emails/{kind}-body.html")
    except TemplateDoesNotExist:
        return False
    return True


def render_email(
    kind: str, context: dict, to: str, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """The email `kind` to `to`: its text part, and its HTML part if it has one."""
    context = {**layout_context(), **context}
    subject = get_template(f"emails/{kind}-subject.txt", using="text").render(context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=get_template(f"emails/{kind}-body.txt", using="text").render(context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    if _has_html(kind):
        html = get_template(f"emails/{kind}-body.html").render(context)
        message.attach_alternative(DOCTYPE + inline_css(html), "text/html")
    return message

"""Render an email from its template triplet: templates/emails/<kind>-subject.txt,
<kind>-body.txt and <kind>-body.html (HTML optional), with CSS inlined for mail clients.

Subjects and text parts use the "text" template engine, which does not HTML-escape."""

import logging
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.exceptions import TemplateDoesNotExist
from django.template.loader import get_template
from premailer import Premailer


def inline_css(html: str) -> str:
    """Inline the <style> rules into style attributes; keep the block for media queries.

    Give it rendered HTML, never a template's source: premailer URL-encodes `{{ }}` in attributes.
    """
    return Premailer(
        html,
        base_url=settings.SITE_URL,
        keep_style_tags=True,
        strip_important=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
    ).transform()


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
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
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
        message.attach_alternative(inline_css(html), "text/html")
    return message

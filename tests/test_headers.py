"""Every response carries the Content-Security-Policy and Permissions-Policy; no template has
inline script, event handlers or (outside emails) inline style for the policy to block."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from core.headers import email_style_source
from tests.personas import ada

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STRICT = (
    "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def url_names(patterns: list, namespace: str = "") -> list[tuple[str, dict]]:
    """Every named URL of the project, with made-up arguments of the right types."""
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = entry.pattern.converters.items()
            kwargs = {
                key: 1 if isinstance(converter, IntConverter) else "x"
                for key, converter in converters
            }
            names.append((f"{namespace}{entry.name}", kwargs))
    return names


def every_path() -> list[str]:
    paths = []
    for name, kwargs in url_names(get_resolver().url_patterns):
        try:
            paths.append(reverse(name, kwargs=kwargs))
        except Exception:  # an admin pattern whose regex takes only its apps' names
            continue
    return paths


@pytest.mark.django_db
def test_every_page_has_the_strict_policy_and_the_permissions_policy() -> None:
    ada()
    # Error pages too: a webhook of a provider not installed here answers 500.
    client = Client(raise_request_exception=False)
    paths = every_path()
    assert {"/", "/subscribe/", "/manage/", "/unsubscribe/x/", "/digests/x/"} <= set(paths)
    assert len(paths) > 50  # the admin's pages too

    for path in [*paths, "/static/js/manage.js", "/no-such-page/"]:
        response = client.get(path)
        assert response["Content-Security-Policy"] == STRICT, path
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in response["Permissions-Policy"], path


def test_an_emails_styles_are_allowed_by_hash_each_once_and_nothing_else() -> None:
    html = (
        "<style>.a { color: red }</style><p style=\"font-family: 'x'\">a</p>"
        "<p style='font-family: &#39;x&#39;'>b</p><style>.b {}</style>"
    )

    source = email_style_source(html)

    # Hashes of the text a browser reads: each distinct style attribute, each <style> block.
    expected = sorted(sha256(text) for text in (".a { color: red }", "font-family: 'x'", ".b {}"))
    assert source == " ".join(["style-src", "'unsafe-hashes'", *expected])


def sha256(text: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"


def template_files() -> list[Path]:
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 20
    return files


@pytest.mark.parametrize("template", template_files(), ids=lambda path: path.name)
def test_no_template_has_inline_script_or_event_handlers(template: Path) -> None:
    source = template.read_text()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", source)
    assert "javascript:" not in source


@pytest.mark.parametrize(
    "template",
    # Emails carry their styles inline; the view page shows an email, styles allowed by hash.
    [
        path
        for path in template_files()
        if path.parent.name != "emails" and path.name != "view.html"
    ],
    ids=lambda path: path.name,
)
def test_no_page_template_has_inline_style(template: Path) -> None:
    source = template.read_text()

    assert "<style" not in source and not re.search(r"\sstyle\s*=", source)

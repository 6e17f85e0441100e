"""The site's icon: an SVG every page links to, and /favicon.ico (which browsers and crawlers
ask for whatever the page says) answered as a static file, never a 404."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file


def test_pages_link_the_svg_favicon_which_is_served(client, admin_client):
    for page in (client.get("/"), admin_client.get("/admin/")):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
            page.content.decode()
        )

    # A static file like the others (collected in production; found in place here).
    assert "<svg" in Path(finders.find("favicon.svg")).read_text()

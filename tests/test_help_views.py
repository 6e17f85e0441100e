"""Help pages on the site, rendered from docs/ (subscriptions/help_views.py)."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_help_page_is_docs_topics_md(client) -> None:
    html = client.get("/help/topics/").content.decode()

    assert '<h1 id="writing-topics">Writing topics</h1>' in html
    assert '<th scope="col">write</th>' in html
    assert '<td data-label="example"><code>cat:cs.*</code></td>' in html


def test_the_help_page_explains_late_bloomers(client) -> None:
    html = client.get("/help/topics/").content.decode()

    assert "reaches that minimum within a week of first being seen" in html
    assert "marked &quot;Trending late&quot;, once" in html

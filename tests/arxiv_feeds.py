"""Small feeds in the real formats, for stories about one paper (the layouts copy the saved
captures in tests/fixtures/feeds/)."""

import json


def arxiv_rss(*items: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        "<title>cs.LG updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.LG</link>"
        "<description>cs.LG updates on the arXiv.org e-print archive.</description>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def rss_item(
    arxiv_id: str,
    version: int,
    announce: str,
    title: str,
    abstract: str,
    authors: str = "Ada Lovelace, Charles Babbage",
    categories: tuple[str, ...] = ("cs.LG",),
) -> str:
    cats = "".join(f"<category>{c}</category>" for c in categories)
    return (
        f"<item><title>{title}</title><link>https://arxiv.org/abs/{arxiv_id}</link>"
        f"<description>arXiv:{arxiv_id}v{version} Announce Type: {announce} \n"
        f"Abstract: {abstract}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v{version}</guid>{cats}'
        "<pubDate>Tue, 24 Nov 2026 00:00:00 -0500</pubDate>"
        f"<arxiv:announce_type>{announce}</arxiv:announce_type>"
        f"<dc:creator>{authors}</dc:creator></item>"
    )


def hf_daily(*papers: dict) -> bytes:
    return json.dumps([{"paper": paper, "title": paper["title"]} for paper in papers]).encode()


def hf_paper(arxiv_id: str, title: str, upvotes: int, **extra: object) -> dict:
    return {
        "id": arxiv_id,
        "title": title,
        "summary": extra.pop("summary", "A summary."),
        "authors": [{"name": "Ada Lovelace", "hidden": False}],
        "publishedAt": "2026-11-23T00:00:00.000Z",
        "upvotes": upvotes,
        **extra,
    }


def arxiv_api(arxiv_id: str, version: int, title: str, abstract: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        "<id>https://arxiv.org/api/x</id><title>arXiv Query: id_list</title>"
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v{version}</id><title>{title}</title>"
        f"<summary>{abstract}</summary><published>2026-11-20T17:00:00Z</published>"
        f'<link href="https://arxiv.org/pdf/{arxiv_id}v{version}" rel="related" '
        'type="application/pdf" title="pdf"/>'
        '<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>'
        '<category term="stat.ML" scheme="http://arxiv.org/schemas/atom"/>'
        '<arxiv:primary_category term="stat.ML"/>'
        "<author><name>Ada Lovelace</name></author><author><name>Charles Babbage</name></author>"
        "</entry></feed>"
    ).encode()

"""Field precedence when several announcements of one paper meet (pure, no database)."""

from datetime import UTC, datetime

from digest.merging import merge, paper_key
from digest.records import PaperRecord

V1_DAY = datetime(2026, 11, 20, tzinfo=UTC)
V2_DAY = datetime(2026, 11, 24, tzinfo=UTC)


def hugging_face(**fields: object) -> PaperRecord:
    values = {"raw_id": "2611.00042", "arxiv_id": "2611.00042", "title": "HF title"}
    return PaperRecord(**{**values, **fields})


def arxiv(version: int, **fields: object) -> PaperRecord:
    values = {
        "raw_id": f"oai:arXiv.org:2611.00042v{version}",
        "arxiv_id": "2611.00042",
        "version": version,
        "from_arxiv": True,
        "title": f"arXiv title v{version}",
    }
    return PaperRecord(**{**values, **fields})


def test_arxiv_metadata_wins_over_hugging_face_whatever_the_order():
    hf = hugging_face(abstract="A much longer summary from Hugging Face.", upvotes=9)
    ax = arxiv(1, abstract="Short.", categories=["cs.LG"], authors=["Ada Lovelace"])
    for fields in (merge(merge(None, hf), ax), merge(merge(None, ax), hf)):
        assert fields["title"] == "arXiv title v1"
        assert fields["abstract"] == "Short."
        assert fields["categories"] == ["cs.LG"]
        assert fields["upvotes"] == 9


def test_before_arxiv_lists_it_the_fuller_abstract_wins():
    fields = merge(merge(None, hugging_face(abstract="Short.")), hugging_face(abstract="Longer."))
    assert fields["abstract"] == "Longer."


def test_a_newer_version_wins_and_an_older_one_never_undoes_it():
    newer = merge(merge(None, arxiv(1)), arxiv(2))
    assert (newer["title"], newer["version"]) == ("arXiv title v2", 2)
    assert merge(newer, arxiv(1)) == newer


def test_the_earliest_date_and_the_first_code_link_stay():
    first = merge(None, arxiv(1, published_at=V1_DAY))
    fields = merge(first, hugging_face(published_at=V2_DAY, code_url="https://github.com/a/b"))
    fields = merge(fields, hugging_face(code_url="https://github.com/c/d"))
    assert fields["published_at"] == V1_DAY
    assert fields["code_url"] == "https://github.com/a/b"


def test_hugging_faces_latest_summary_and_comments_win_and_its_first_pages_stay():
    page = {"project_url": "https://a.example/p", "hf_url": "https://huggingface.co/papers/x"}
    fields = merge(None, hugging_face(ai_summary="First.", comments=1, **page))
    fields = merge(fields, hugging_face(ai_summary="Second.", comments=4, project_url="https://b/"))
    fields = merge(fields, arxiv(2))  # arXiv says nothing of these
    assert (fields["ai_summary"], fields["comments"]) == ("Second.", 4)
    assert (fields["project_url"], fields["hf_url"]) == (page["project_url"], page["hf_url"])


def test_arxiv_links_are_the_unversioned_abstract_and_pdf():
    fields = merge(None, arxiv(3, abs_url="http://arxiv.org/abs/2611.00042v3"))
    assert fields["abs_url"] == "https://arxiv.org/abs/2611.00042"
    assert fields["pdf_url"] == "https://arxiv.org/pdf/2611.00042"


def test_keys_are_the_arxiv_id_or_the_guid_within_the_source():
    assert paper_key(arxiv(2), source_id=7) == "arxiv:2611.00042"
    post = PaperRecord(raw_id="tag:blog,2026:1", title="A post")
    assert paper_key(post, source_id=7) == "7:tag:blog,2026:1"
    long = PaperRecord(raw_id="x" * 600, title="Long guid")
    assert paper_key(long, source_id=7).startswith("7:sha256:")


def test_unsafe_links_are_dropped():
    record = PaperRecord(raw_id="p", title="T", abs_url="javascript:alert(1)", code_url="data:x")
    assert (record.abs_url, record.code_url) == ("", "")

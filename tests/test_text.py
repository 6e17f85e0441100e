from hypothesis import given
from hypothesis import strategies as st

from digest.text import arxiv_id, plain_text, split_authors


def test_arxiv_ids_are_found_in_every_form_with_the_version_apart():
    assert arxiv_id("https://arxiv.org/abs/2611.18801") == ("2611.18801", None)
    assert arxiv_id("oai:arXiv.org:2611.18801v1") == ("2611.18801", 1)
    assert arxiv_id("http://arxiv.org/abs/2609.04410v3") == ("2609.04410", 3)
    assert arxiv_id("https://arxiv.org/pdf/2607.09662v12") == ("2607.09662", 12)
    assert arxiv_id("arXiv:2609.04410v3 Announce Type: replace") == ("2609.04410", 3)
    assert arxiv_id("https://huggingface.co/papers/2607.28609") == ("2607.28609", None)
    assert arxiv_id("2607.07673") == ("2607.07673", None)


def test_old_style_arxiv_ids_keep_their_archive():
    assert arxiv_id("http://arxiv.org/abs/hep-th/9901001v2") == ("hep-th/9901001", 2)
    assert arxiv_id("http://arxiv.org/abs/math.GT/0309136") == ("math.GT/0309136", None)
    assert arxiv_id("astro-ph/0601001") == ("astro-ph/0601001", None)


def test_numbers_elsewhere_are_not_arxiv_ids():
    assert arxiv_id("https://example.com/posts/2607.07673") is None
    assert arxiv_id("https://arxiv.org/abs/abc") is None
    assert arxiv_id("tag:blog.example.com,2026:post-12") is None


def test_markup_and_scripts_in_a_title_come_out_as_plain_text():
    title = "<b>Bold</b> claims <script>alert('x')</script><style>p{}</style>about <i>LLMs</i>"
    assert plain_text(title) == "Bold claims about LLMs"


def test_entities_are_decoded_exactly_once():
    assert plain_text("Q&amp;A &lt;b&gt;") == "Q&A <b>"
    assert plain_text("AT&amp;amp;T") == "AT&amp;T"


def test_latex_and_whitespace():
    assert (
        plain_text("  Errors of $\\alpha$ and\n\t $O(n^2)$  ") == "Errors of $\\alpha$ and $O(n^2)$"
    )
    assert plain_text("when $a<b$ and V_max<17.5") == "when $a<b$ and V_max<17.5"


def test_comma_joined_authors_are_split():
    assert split_authors("Ines Moreau, Tomasz Wiśniewski and Hao Zhang") == [
        "Ines Moreau",
        "Tomasz Wiśniewski",
        "Hao Zhang",
    ]


@given(st.text())
def test_plain_text_never_fails_and_is_one_trimmed_line(value):
    text = plain_text(value)
    assert text == text.strip()
    assert "  " not in text
    assert "\n" not in text


ENTITY_SOUP = st.lists(
    st.sampled_from(["&", "#", ";", "x", "amp", "lt", "nbsp", "60", "x1F600", " ", "\n", "é"])
).map("".join)


@given(st.one_of(ENTITY_SOUP, st.text().filter(lambda value: "<" not in value)))
def test_text_without_tags_decodes_as_the_html_parser_decodes_it(value):
    # A trailing <br> sends the text through the HTML parser; without it, html.unescape reads it.
    assert plain_text(value) == plain_text(value + "<br>")

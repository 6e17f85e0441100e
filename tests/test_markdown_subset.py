"""The help page's Markdown subset: headings, lists, tables, inline code; all text escaped."""

import re

from hypothesis import given
from hypothesis import strategies as st

from subscriptions.markdown_subset import to_html


def test_a_heading_gets_an_anchor() -> None:
    assert to_html("## Syntax rules") == '<h2 id="syntax-rules">Syntax rules</h2>'


def test_lines_of_a_paragraph_join_and_inline_marks_apply() -> None:
    html = to_html("Write `a OR b`,\n*and* **mean** it.")

    assert html == "<p>Write <code>a OR b</code>, <em>and</em> <strong>mean</strong> it.</p>"


def test_a_list_item_continues_on_indented_lines() -> None:
    html = to_html("- one\n  still one\n- two")

    assert html == "<ul><li>one still one</li><li>two</li></ul>"


def test_a_pipe_table_has_a_header_row() -> None:
    html = to_html("| write | finds |\n|---|---|\n| `word*` | prefixes |")

    assert html == (
        '<div class="table-scroll" role="region" aria-label="Table: write, finds" tabindex="0">'
        '<table><thead><tr><th scope="col">write</th><th scope="col">finds</th></tr></thead>'
        "<tbody><tr><td><code>word*</code></td><td>prefixes</td></tr></tbody></table></div>"
    )


def test_markup_inside_code_is_left_alone() -> None:
    assert to_html("`*not em*`") == "<p><code>*not em*</code></p>"


def test_html_in_the_document_is_shown_as_text() -> None:
    html = to_html('# <script>alert(1)</script>\n\nA <b>bold</b> "claim" & `<i>`')

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt; &quot;claim&quot; &amp; <code>&lt;i&gt;</code>" in html


@given(st.text())
def test_any_text_renders_without_a_tag_of_its_own(text: str) -> None:
    html = to_html(text.replace("`", "").replace("*", "").replace("#", "").replace("|", ""))

    tags = set(re.findall(r"<(/?\w+)", html))
    assert tags <= {"p", "/p", "ul", "/ul", "li", "/li"}

"""The topic query language: what a query means, and how a bad one is refused."""

import re
from pathlib import Path

import pytest

from digest.topics.query import (
    MAX_LENGTH,
    And,
    Category,
    Field,
    Like,
    Not,
    Or,
    QueryError,
    Term,
    parse,
    tokenize,
)


def word(text: str, field: Field = Field.TEXT) -> Term:
    return Term(field, (text,))


def test_a_space_between_clauses_means_and() -> None:
    assert parse("diffusion video").root == And((word("diffusion"), word("video")))


def test_or_binds_tighter_than_a_space() -> None:
    expected = And((word("diffusion"), Or((word("video"), word("audio")))))

    assert parse("diffusion video OR audio").root == expected


def test_or_binds_tighter_than_an_explicit_and() -> None:
    assert parse("diffusion AND video OR audio").root == parse("diffusion video OR audio").root


def test_parentheses_override_the_precedence() -> None:
    expected = Or((And((word("diffusion"), word("video"))), word("audio")))

    assert parse("(diffusion video) OR audio").root == expected


def test_not_binds_tighter_than_or() -> None:
    assert parse("NOT survey OR llm").root == Or((Not(word("survey")), word("llm")))


def test_a_minus_sign_is_a_not() -> None:
    assert parse("llm -survey").root == And((word("llm"), Not(word("survey"))))


def test_lower_case_operators_are_ordinary_words() -> None:
    assert parse("trial and error").root == And((word("trial"), word("and"), word("error")))


def test_a_quoted_phrase_is_one_clause_of_words_in_order() -> None:
    assert parse('"large language model"').root == Term(Field.TEXT, ("large", "language", "model"))


def test_inner_punctuation_makes_a_phrase_of_the_parts() -> None:
    assert parse("human-AI").root == Term(Field.TEXT, ("human", "ai"))
    assert parse("GPT-4").root == Term(Field.TEXT, ("gpt", "4"))
    assert parse("mixture-of-experts").root == Term(Field.TEXT, ("mixture", "of", "experts"))


def test_an_apostrophe_separates_words_like_any_punctuation() -> None:
    assert parse("author:o'neil").root == Term(Field.AUTHOR, ("o", "neil"))


def test_case_and_accents_are_folded() -> None:
    assert parse("RÉWARD").root == word("reward")
    assert parse("Ångström").root == word("angstrom")


def test_a_decomposed_accent_stays_inside_its_word() -> None:
    assert tokenize("re\u0301ward model") == ["reward", "model"]


def test_a_trailing_star_makes_a_prefix() -> None:
    assert parse("transform*").root == Term(Field.TEXT, ("transform",), prefix=True)


def test_a_field_applies_to_the_word_after_it() -> None:
    assert parse("title:diffusion video").root == And(
        (word("diffusion", Field.TITLE), word("video"))
    )


def test_a_field_applies_to_a_phrase() -> None:
    assert parse('author:"Ana Ortiz"').root == Term(Field.AUTHOR, ("ana", "ortiz"))


def test_a_field_applies_to_a_whole_group() -> None:
    expected = Or((word("video", Field.ABSTRACT), Not(word("audio", Field.ABSTRACT))))

    assert parse("abstract:(video OR -audio)").root == expected


def test_a_category_is_matched_whole_and_without_case() -> None:
    assert parse("cat:cs.CL").root == Category("cs.cl")


def test_a_category_with_a_star_is_a_prefix() -> None:
    assert parse("cat:cs.*").root == Category("cs.", prefix=True)


def test_a_field_group_of_categories() -> None:
    assert parse("cat:(cs.CL OR cs.LG)").root == Or((Category("cs.cl"), Category("cs.lg")))


def test_like_names_a_paper_by_its_arxiv_id_without_the_version() -> None:
    assert parse("like:2504.12345").root == Like("2504.12345")
    assert parse("like:2504.12345v2").root == Like("2504.12345")
    assert parse("like:hep-th/9901001v1").root == Like("hep-th/9901001")
    assert parse("like:math.GT/0309136").root == Like("math.GT/0309136")


def test_like_remembers_where_its_id_is_written() -> None:
    root = parse("agents like:2504.12345").root

    assert isinstance(root, And)
    assert root.children[1] == Like("2504.12345")
    assert isinstance(root.children[1], Like) and root.children[1].position == 12


def test_like_combines_with_the_rest_of_the_language() -> None:
    assert parse("like:2504.12345 -survey").root == And((Like("2504.12345"), Not(word("survey"))))
    assert parse('like:2504.12345 OR "reward model"').root == Or(
        (Like("2504.12345"), Term(Field.TEXT, ("reward", "model")))
    )
    assert parse("like:(2504.12345 OR 2505.00001)").root == Or(
        (Like("2504.12345"), Like("2505.00001"))
    )


def test_a_query_keeps_its_text() -> None:
    assert parse("llm agents").text == "llm agents"


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "The query is empty: write at least one word.", 0),
        ("   ", "The query is empty: write at least one word.", 0),
        ('llm "agents', 'Unbalanced quote: the " at character 5 is never closed.', 4),
        ("(llm agents", "Unbalanced parenthesis: the ( at character 1 is never closed.", 0),
        ("llm agents)", "Unbalanced parenthesis: the ) at character 11 has no ( before it.", 10),
        (
            "foo:bar",
            "Unknown field foo: at character 1: use title:, abstract:, author:, cat: or like:.",
            0,
        ),
        ("llm OR", "OR at character 5 has nothing after it.", 4),
        (
            "llm like:2504",
            "'2504' at character 10 is not an arXiv id: write like:2504.12345 (for several "
            "papers, like:2504.12345 OR like:2505.00001).",
            9,
        ),
        (
            "like:2504.12345,2504.12346",
            "'2504.12345,2504.12346' at character 6 is not an arXiv id: write like:2504.12345 "
            "(for several papers, like:2504.12345 OR like:2505.00001).",
            5,
        ),
        (
            "like:2504.1234*",
            "'2504.1234*' at character 6 is not an arXiv id: write like:2504.12345 (for several "
            "papers, like:2504.12345 OR like:2505.00001).",
            5,
        ),
        ("AND llm", "AND at character 1 has nothing before it.", 0),
        ("llm AND OR agents", "AND at character 5 has nothing after it.", 4),
        ("llm (OR agents)", "OR at character 6 has nothing before it.", 5),
        ("llm NOT", "NOT at character 5 has nothing after it.", 4),
        (
            "-survey",
            "The query only says what to leave out: add at least one word it should match.",
            0,
        ),
        (
            "NOT survey -review",
            "The query only says what to leave out: add at least one word it should match.",
            0,
        ),
        ("llm ()", "The parentheses at character 5 have nothing inside.", 4),
        ("llm ...", "'...' at character 5 has no letters or digits to match.", 4),
        (
            "title: llm",
            "The field title: at character 1 has nothing right after it: write title:word, "
            'title:"a phrase" or title:( … ).',
            0,
        ),
        (
            "llm like:",
            "The field like: at character 5 has nothing right after it: write like:2504.12345.",
            4,
        ),
        (
            "cat: llm",
            "The field cat: at character 1 has nothing right after it: write cat:cs.CL.",
            0,
        ),
        (
            "author:",
            "The field author: at character 1 has nothing right after it: write author:word, "
            'author:"a phrase" or author:( … ).',
            0,
        ),
        (
            "like:２５０４.１２３４５",  # full-width digits: no arXiv id is written so
            "'２５０４.１２３４５' at character 6 is not an arXiv id: write like:2504.12345 "
            "(for several papers, like:2504.12345 OR like:2505.00001).",
            5,
        ),
        (
            "title:(author:ortiz)",
            "The field author: at character 8 is inside title:( … ); "
            "a clause can have only one field.",
            7,
        ),
        (
            "ab*",
            "The wildcard ab* at character 1 is too short: write at least 3 letters before the *.",
            0,
        ),
    ],
)
def test_a_bad_query_is_refused_saying_what_and_where(
    query: str, message: str, position: int
) -> None:
    with pytest.raises(QueryError) as refused:
        parse(query)

    assert (str(refused.value), refused.value.message, refused.value.position) == (
        message,
        message,
        position,
    )


def test_a_query_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(QueryError, match=r"^The query is 501 characters long; the limit is 500\.$"):
        parse("a" * (MAX_LENGTH + 1))


def test_a_query_of_exactly_the_limit_is_accepted() -> None:
    assert parse("a" * MAX_LENGTH).root == word("a" * MAX_LENGTH)


def test_deep_nesting_is_refused_at_the_level_past_the_limit() -> None:
    with pytest.raises(QueryError) as refused:
        parse("(" * 9 + "llm" + ")" * 9)

    assert refused.value.position == 8
    assert "nested at most 8 levels" in str(refused.value)


def test_a_chain_of_nots_counts_as_nesting() -> None:
    with pytest.raises(QueryError, match="nested at most 8 levels"):
        parse("llm " + "NOT " * 9 + "survey")


def test_too_many_words_are_refused_naming_the_limit() -> None:
    with pytest.raises(QueryError) as refused:
        parse(" ".join(f"w{n}" for n in range(31)))

    # w0..w9 and w10..w29 with their spaces take 110 characters: w30 starts at character 111.
    assert str(refused.value) == (
        "Too many words: the query reaches 31 at character 111; the limit is 30."
    )


def test_too_many_wildcards_are_refused_naming_the_limit() -> None:
    query = " OR ".join(f"word{n}*" for n in range(9))

    with pytest.raises(QueryError) as refused:
        parse(query)

    assert str(refused.value) == (
        f"Too many wildcards: the * at character {len(query)} is number 9; the limit is 8."
    )
    assert refused.value.position == len(query) - 1


def test_a_query_error_is_a_value_error() -> None:
    assert issubclass(QueryError, ValueError)


def test_every_example_in_the_readers_guide_parses() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "topics.md").read_text()
    examples = guide.split("## Examples", 1)[1].split("##", 1)[0]
    queries = re.findall(r"^\| `(.+?)` \|", examples, re.MULTILINE)

    assert len(queries) == 7
    for query in queries:
        parse(query)

"""The tf-idf vectoriser: fitted on real papers, stored as plain data, rebuilt the same."""

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from bench.learning import real_papers as bundled_papers
from digest.topics import features
from digest.topics.features import Vectoriser, paper_text, terms_of
from tests.topic_papers import real_papers


def scikit_learns(**fitting: Any) -> CountVectorizer:
    """The counter the vectoriser used before it had its own tokeniser, which fitted the
    vocabularies stored so far: `terms_of` must find exactly the terms it finds."""
    return CountVectorizer(
        lowercase=True,
        strip_accents="unicode",
        stop_words="english",
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b(?=\w*[^\W\d_])\w\w+\b",
        dtype=np.float32,
        **fitting,
    )


scikit_learns_terms = scikit_learns().build_analyzer()


def test_the_state_round_trips_through_json_and_transforms_the_same() -> None:
    papers = real_papers()
    fitted = Vectoriser.fit(papers)
    stored = json.loads(json.dumps(fitted.to_state()))
    rebuilt = Vectoriser.from_state(stored)
    assert rebuilt.terms == fitted.terms
    assert (rebuilt.transform(papers) != fitted.transform(papers)).nnz == 0
    assert rebuilt.to_state() == stored


def test_fitting_is_deterministic() -> None:
    assert Vectoriser.fit(real_papers()).to_state() == Vectoriser.fit(real_papers()).to_state()


def test_terms_are_words_and_word_pairs_without_stop_words_or_numbers() -> None:
    vectoriser = Vectoriser.fit(real_papers())
    assert vectoriser.column("software testing") is not None
    assert vectoriser.column("flaky tests") is not None
    assert vectoriser.column("the") is None
    # In more than half of these papers (100 of them come from a search for it): no signal.
    assert vectoriser.column("testing") is None
    assert not any(term.replace(" ", "").isdigit() for term in vectoriser.terms)


def test_rows_have_unit_length_and_rare_terms_weigh_more() -> None:
    vectoriser = Vectoriser.fit(real_papers())
    rows = vectoriser.transform(real_papers())
    lengths = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert np.allclose(lengths, 1, atol=1e-5)
    common, rare = vectoriser.column("learning"), vectoriser.column("flaky tests")
    assert common is not None and rare is not None
    assert vectoriser.idf[rare] > vectoriser.idf[common]


def test_a_paper_with_no_known_term_is_a_zero_row() -> None:
    vectoriser = Vectoriser.fit(real_papers())
    paper = real_papers()[0]
    blank = type(paper)(0, "Zzyzx", "qwxv", (), (), None, paper.first_seen_at)
    assert vectoriser.transform([blank]).nnz == 0


def test_a_state_of_another_version_is_refused() -> None:
    state = Vectoriser.fit(real_papers()).to_state()
    with pytest.raises(ValueError):
        Vectoriser.from_state({**state, "version": 99})
    with pytest.raises(ValueError):
        Vectoriser.from_state({**state, "idf": state["idf"][1:]})


def test_presence_is_one_wherever_a_paper_has_a_term_however_often() -> None:
    vectoriser = Vectoriser.fit(real_papers())
    found = vectoriser.presence(real_papers())
    assert set(found.data) == {1}
    assert (found != (vectoriser.transform(real_papers()) != 0)).nnz == 0


def test_presence_is_the_same_for_papers_seen_before_and_after_it_forgets_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectoriser = Vectoriser.fit(real_papers())
    first = vectoriser.presence(real_papers())
    monkeypatch.setattr(features, "SEEN_TEXTS", 20)  # keeps 20 papers' terms, then starts again
    papers = list(real_papers())
    for start in range(0, len(papers), 15):
        part = papers[start : start + 15] + papers[:3]  # some seen, some new, some forgotten
        rows = vectoriser.presence(part)
        assert (rows != first[[papers.index(p) for p in part]]).nnz == 0
    assert vectoriser.presence([]).shape == (0, vectoriser.width)


def test_terms_are_scikit_learns_on_every_bundled_paper() -> None:
    texts = [paper_text(paper) for paper in bundled_papers()]
    assert len(texts) > 200
    assert [terms_of(text) for text in texts] == [scikit_learns_terms(text) for text in texts]


# Letters with and without accents, Greek, digits of two scripts, "_", ligatures, combining
# marks, punctuation, spaces, and stop words, where the two ways of finding words could differ.
TRICKY = st.lists(
    st.sampled_from(
        ["a", "B", "é", "Å", "ß", "λ", "Ω", "1", "٣", "²", "_", "ﬁ", "\u0301", "-", ".", "'", " "]
        + ["\n", "\t", "\x1c", "\xa0", "the", "and", "model", "2023", "x1", "über", "déjà"]
        + ["__", "12_", "_x", "٣٣", "²³", "1.5", "|", "~", "@"]
    )
).map("".join)


@given(st.one_of(TRICKY, st.text()))
@settings(max_examples=500)
@example("__ 1_ _2 x_ ٣٣ ²³ ﬁ 2023 café")
def test_terms_are_scikit_learns_on_any_text(text: str) -> None:
    assert terms_of(text) == scikit_learns_terms(text)


def test_fitting_and_counting_give_what_scikit_learns_analyser_gave() -> None:
    texts = [paper_text(paper) for paper in bundled_papers()]
    fitted = Vectoriser.fit(bundled_papers())
    before = scikit_learns(min_df=features.MIN_PAPERS)
    counts = before.fit_transform(texts)
    shared = np.bincount(counts.indices, minlength=counts.shape[1])
    kept = shared <= max(features.MAX_SHARE * len(texts), features.MIN_PAPERS)
    assert fitted.terms == tuple(before.get_feature_names_out()[kept])
    counted = scikit_learns(vocabulary=fitted.terms).fit_transform(texts)
    assert (fitted._counts(texts) != counted).nnz == 0  # what tf-idf and presence are made of

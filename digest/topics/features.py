"""Paper features for learning: tf-idf over title and abstract, word unigrams and bigrams, and
which of those terms a paper has at all (`presence`, what the reader models weigh).

The fitted vectoriser is plain data (the vocabulary as a list of terms, the idf as a list of
numbers), so it is stored in the database as JSON rather than as a pickle bound to one
scikit-learn version, and rebuilt from that state into the same transform. Tokenising
(`terms_of`) finds exactly the terms scikit-learn's `CountVectorizer` found (lowercase, accents
stripped, English stop words left out), in less time, because training a reader on papers it has
not seen is mostly that; weighting is done here, with scikit-learn's smooth idf and sublinear
term frequency, so that nothing but the vocabulary and the idf is state.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import (
    ENGLISH_STOP_WORDS,
    CountVectorizer,
    strip_accents_unicode,
)

from digest.topics.papers import PaperText

STATE_VERSION = 1
# At most this many terms: the most frequent. Enough for a few months of arXiv listings, and it
# bounds the width of every reader's weights.
MAX_TERMS = 50_000
# A term in fewer papers than this says nothing about a reader's taste; in more than this share
# of them ("paper", "propose") it tells no paper from another.
MIN_PAPERS = 2
MAX_SHARE = 0.5
# Papers whose terms `presence` keeps, by text: training a reader looks again at the recent
# papers and the digests' papers other readers voted on, and finding a text's terms is most of
# its time. About 15 MB; when full it starts again, which a day's papers rarely make it do.
SEEN_TEXTS = 5_000
# scikit-learn's word (two characters or more), but with a letter in it: "2023" is no topic.
# That was the pattern r"(?u)\b(?=\w*[^\W\d_])\w\w+\b", whose look-ahead makes it 2.5 times
# slower than a plain run of word characters followed by a check for a letter, which finds the
# same words (tests/test_topics_features.py compares them).
WORD = re.compile(r"\w\w+")
LETTER = re.compile(r"[^\W\d_]")
# The same runs in an ASCII text (almost every paper's), at half the cost: every ASCII character
# that is not a word character becomes a space, and the text is split at spaces.
ASCII_GAPS = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}
)


def paper_text(paper: PaperText) -> str:
    """The text features are drawn from: the title, then the abstract."""
    return f"{paper.title}.\n{paper.abstract}"


def terms_of(text: str) -> list[str]:
    """The text's words, then its pairs of neighbouring words, as scikit-learn's CountVectorizer
    with lowercase, strip_accents="unicode", stop_words="english", ngram_range=(1, 2) and the
    pattern above finds them: the vocabularies stored so far were fitted with it."""
    text = strip_accents_unicode(text.lower())
    runs = text.translate(ASCII_GAPS).split() if text.isascii() else WORD.findall(text)
    words = [
        word
        for word in runs
        # isalpha() is the quick answer for almost every word; the pattern is exact for the rest.
        if len(word) > 1
        and word not in ENGLISH_STOP_WORDS
        and (word.isalpha() or LETTER.search(word))
    ]
    return words + [f"{first} {second}" for first, second in pairwise(words)]


@dataclass(frozen=True, eq=False)
class Vectoriser:
    """A fitted tf-idf transform: `terms[i]` is column i, weighted by `idf[i]`."""

    terms: tuple[str, ...]
    idf: np.ndarray
    _columns: Mapping[str, int]
    _seen: dict[str, np.ndarray] = field(default_factory=dict)  # a text's columns

    @classmethod
    def fit(cls, papers: Iterable[PaperText], max_terms: int = MAX_TERMS) -> Vectoriser:
        """Fitted on `papers` (the installation's recent ones). Raises ValueError if they have no
        term in at least MIN_PAPERS of them (too few papers)."""
        texts = [paper_text(p) for p in papers]
        counter = CountVectorizer(
            analyzer=terms_of,
            min_df=min(MIN_PAPERS, len(texts)),
            max_features=max_terms,
            dtype=np.float32,
        )
        counts = counter.fit_transform(texts)
        found = np.bincount(counts.indices, minlength=counts.shape[1])  # papers with each term
        common = found > max(MAX_SHARE * len(texts), MIN_PAPERS)
        names = counter.get_feature_names_out()[~common]
        idf = np.log((1 + len(texts)) / (1 + found[~common])) + 1
        return cls.from_state({"version": STATE_VERSION, "terms": list(names), "idf": list(idf)})

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Vectoriser:
        """The vectoriser `to_state` described. Raises ValueError for a state it cannot read."""
        if state.get("version") != STATE_VERSION or len(state["terms"]) != len(state["idf"]):
            raise ValueError("not a vectoriser state this version can read")
        terms = tuple(str(t) for t in state["terms"])
        if not terms:
            raise ValueError("a vectoriser needs at least one term")
        columns = {term: column for column, term in enumerate(terms)}
        idf = np.asarray(state["idf"], dtype=np.float32)
        return cls(terms, idf, columns)

    def to_state(self) -> dict[str, Any]:
        """Plain JSON-able data: {"version", "terms": [str], "idf": [float]}."""
        return {
            "version": STATE_VERSION,
            "terms": list(self.terms),
            "idf": [float(x) for x in self.idf],
        }

    def column(self, term: str) -> int | None:
        """The column of `term`, or None when this vocabulary does not have it."""
        return self._columns.get(term)

    @property
    def width(self) -> int:
        return len(self.terms)

    def transform(self, papers: Sequence[PaperText]) -> sp.csr_matrix:
        """Papers x terms, float32, each row of unit length (so a dot product is a cosine)."""
        counts = self._counts([paper_text(p) for p in papers])
        counts.data = 1 + np.log(counts.data)  # sublinear: the tenth "model" adds little
        weighted = counts @ sp.diags(self.idf)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sp.csr_matrix(sp.diags(1 / norms) @ weighted, dtype=np.float32)

    def presence(self, papers: Sequence[PaperText]) -> sp.csr_matrix:
        """Papers x terms, float32: 1 where the paper has the term, however often or rarely.
        What a reader's model weighs: one mention of "code" in a long abstract is a tiny tf-idf
        value, but may be all that makes the paper the reader's (docs/learning.md)."""
        texts = [paper_text(p) for p in papers]
        # One look-up per text, so that another thread emptying the store meanwhile costs no
        # more than finding those terms again.
        seen = {text: row for text in texts if (row := self._seen.get(text)) is not None}
        new = list(dict.fromkeys(text for text in texts if text not in seen))
        counts = self._counts(new)
        spans = pairwise(counts.indptr)
        found = dict(zip(new, (counts.indices[a:b] for a, b in spans), strict=True))
        if len(self._seen) + len(found) > SEEN_TEXTS:
            self._seen.clear()
        self._seen.update(found)
        rows = [seen[text] if text in seen else found[text] for text in texts]
        starts = np.cumsum([0] + [len(row) for row in rows])
        columns = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        ones = np.ones(len(columns), np.float32)
        return sp.csr_matrix((ones, columns, starts), shape=(len(texts), self.width))

    def _counts(self, texts: list[str]) -> sp.csr_matrix:
        """Texts x terms, float32: how often each text has each of the vocabulary's terms.
        Not CountVectorizer.transform: it checks the whole vocabulary the first time a loaded
        vectoriser is used (about 10 ms for 50,000 terms) and raises an exception inside for
        each term the vocabulary lacks, most of a text's word pairs."""
        known = self._columns.get
        columns, counts, lengths = [], [], []
        for text in texts:
            # A text at a time: a batch never holds all its texts' term strings at once. Looked
            # up in C (map), not term by term in Python.
            found = Counter(terms_of(text))
            columns.append(np.fromiter(map(known, found, repeat(-1)), np.int32, len(found)))
            counts.append(np.fromiter(found.values(), np.float32, len(found)))
            lengths.append(len(found))
        column = np.concatenate([np.zeros(0, np.int32), *columns])  # (the zeros: texts may be none)
        count = np.concatenate([np.zeros(0, np.float32), *counts])
        row = np.repeat(np.arange(len(texts)), lengths)
        kept = column >= 0
        shape = (len(texts), self.width)
        matrix = sp.csr_matrix((count[kept], (row[kept], column[kept])), shape=shape)
        matrix.sort_indices()
        return matrix

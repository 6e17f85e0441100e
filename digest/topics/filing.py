"""Keys numbered and rows filed under them, as a few numpy arrays: what both indexes are built of.

Pure: no ORM, no settings. conjunctions.py files queries that are only keys; index.py files
the rest and combines both.
"""

from collections.abc import Collection, Iterable, Mapping

import numpy as np

# The index is a few numpy arrays rather than an object per query and per group of topics: at 1M
# topics those were millions of small objects, and matching a paper was mostly waiting on memory
# to walk them. Keys are numbered, so the keys a paper has become a boolean array, and the rows
# filed under them are found and tested in bulk, one array operation for all of them.


def ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """range(start, stop) for each pair, concatenated, without a Python loop."""
    lengths = stops - starts
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)


def owners(starts: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """For `ranges(starts[picked], starts[picked + 1])`: the position in `picked` of each."""
    return np.repeat(np.arange(len(picked)), starts[picked + 1] - starts[picked])


class KeyIds:
    """Keys numbered 0, 1, 2... in one sequence across their kinds (a word and a prefix may be
    spelt the same), so that the keys a paper has can be marked in one boolean array."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.tables: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
        self.count = 0

    def number(self, kind: str, value: str) -> int:
        table = self.tables[kind]
        if value not in table:
            table[value] = self.count
            self.count += 1
        return table[value]

    def present(self, values: Mapping[str, Collection[str]]) -> tuple[np.ndarray, np.ndarray]:
        """The numbers of a paper's keys (those numbered here), and them marked in a mask."""
        found: list[int] = []
        for kind, of_kind in values.items():
            table = self.tables[kind]
            if len(table) < len(of_kind):  # walk the smaller side (a small index's table)
                found.extend(number for value, number in table.items() if value in of_kind)
            else:
                found.extend(map(table.__getitem__, filter(table.__contains__, of_kind)))
        numbers = np.array(found, dtype=np.intp)
        mask = np.zeros(self.count, dtype=bool)
        mask[numbers] = True
        return numbers, mask


class Filed:
    """Rows filed under a first key and checked against a second one (the first again when there
    is none), held sorted by first key: the rows of key k are at starts[k] to starts[k + 1]."""

    def __init__(self, firsts: list[int], seconds: list[int], key_count: int) -> None:
        by_first = np.array(firsts, dtype=np.intp)
        self.rows = np.argsort(by_first, kind="stable")  # sorted position -> row as filed
        self.seconds = np.array(seconds, dtype=np.intp)[self.rows]
        self.starts = np.searchsorted(by_first[self.rows], np.arange(key_count + 1))

    def found(self, numbers: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The rows (as filed) under the paper's keys whose second key the paper has too."""
        positions = ranges(self.starts[numbers], self.starts[numbers + 1])
        return self.rows[positions[present[self.seconds[positions]]]]

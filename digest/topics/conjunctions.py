"""Queries that are only ANDed keys (`diffusion video`, `title:rlhf`, `cat:cs.CL agents`,
`diffus* -survey`, `llm (rlhf OR ppo)`), filed so that finding their keys in a paper is the match:
they are never evaluated.

Pure: no ORM, no settings. compiling.py says which queries are a Conjunction; index.py files the
others and combines both.
"""

from collections.abc import Collection, Iterable

import numpy as np

from digest.topics.compiling import FIELD_ORDER, Conjunction, Document
from digest.topics.filing import Filed, KeyIds, owners, ranges
from digest.topics.query import Field


class Conjunctions:
    """Queries that are a Conjunction, filed under their rarest key and checked against the next
    rarest. Why: most topics are a few plain words (`video diffusion`, `agents -survey`) and most
    of them that a paper is looked up for match, so they are decided on the paper's keys alone,
    in bulk, without calling a compiled test. The rest of a query (further keys, avoided keys,
    ORed keys: usually nothing) is a condition: clauses of which each needs one of its keys
    present (or absent, for an avoided key), numbered so that queries sharing one share it.
    The words to highlight are a query's sure words, and for a query with prefixes or ORed
    words (`varying`), those of its other positive keys that the paper has."""

    # Whole keys (as Document.keys spells them), then each field's word prefixes by stem.
    KINDS = ("key", *(field.value for field in FIELD_ORDER))

    def __init__(self) -> None:
        self.keys = KeyIds(self.KINDS)
        self.firsts: list[int] = []
        self.seconds: list[int] = []
        self.slots: list[int] = []  # per filed query: its place in TopicIndex.queries
        self.conditions: list[int] = []  # per filed query: its condition, -1 for none
        self.numbered: dict[tuple[tuple[tuple[int, bool], ...], ...], int] = {}
        # Condition n's clauses are those from condition_starts[n] to condition_starts[n + 1];
        # clause c's keys, those from clause_starts[c] to clause_starts[c + 1], each wanted
        # present (True) or absent (False).
        self.condition_starts = [0]
        self.clause_starts = [0]
        self.clause_keys: list[int] = []
        self.clause_wanted: list[bool] = []
        self.prefix_lengths: dict[str, list[int]] = {}
        self.varying: dict[int, tuple[int, ...]] = {}  # slot -> keys that may add words
        self.highlight_of: dict[int, tuple[str, str, bool]] = {}  # key -> field, word, prefix

    def add(self, slot: int, query: Conjunction) -> None:
        first, *others = map(self._number, query.need)
        # A one-key conjunction is checked against its key again: found the same way.
        self.firsts.append(first)
        self.seconds.append(others[0] if others else first)
        self.slots.append(slot)
        if len(others) < 2 and not query.avoid and not query.any_of:  # most: no condition
            self.conditions.append(-1)
        else:
            clauses: list[tuple[tuple[int, bool], ...]] = [((key, True),) for key in others[1:]]
            clauses += [((self._number(key), False),) for key in sorted(query.avoid)]
            clauses += [tuple((self._number(key), True) for key in ors) for ors in query.any_of]
            self.conditions.append(self._condition(tuple(clauses)))
        prefixes = [key for key in query.need if key.endswith("*")]
        # Categories and liked papers highlight no words.
        ored = [key for keys in query.any_of for key in keys if not key.startswith(_WORDLESS)]
        if prefixes or ored:
            self.varying[slot] = tuple(dict.fromkeys(map(self._highlighted, prefixes + ored)))

    def _number(self, key: str) -> int:
        if not key.endswith("*"):
            return self.keys.number("key", key)
        field, stem, _ = _split_key(key)
        return self.keys.number(field, stem)

    def _highlighted(self, key: str) -> int:
        """Number a key whose words a match may highlight."""
        number = self._number(key)
        if number not in self.highlight_of:
            self.highlight_of[number] = _split_key(key)
        return number

    def _condition(self, clauses: tuple[tuple[tuple[int, bool], ...], ...]) -> int:
        if clauses not in self.numbered:
            self.numbered[clauses] = len(self.numbered)
            for clause in clauses:
                self.clause_keys.extend(key for key, _ in clause)
                self.clause_wanted.extend(present for _, present in clause)
                self.clause_starts.append(len(self.clause_keys))
            self.condition_starts.append(len(self.clause_starts) - 1)
        return self.numbered[clauses]

    def finish(self, query_count: int) -> None:
        """Turn the lists filed into arrays."""
        # By slot, for the lookups per paper: a list, not a dict (none of its hashing).
        self.varying_keys: list[tuple[int, ...]] = [()] * query_count
        for slot, keys in self.varying.items():
            self.varying_keys[slot] = keys
        self.varies = np.zeros(query_count, dtype=bool)
        self.varies[list(self.varying)] = True
        self.highlights = np.zeros(self.keys.count, dtype=bool)
        self.highlights[list(self.highlight_of)] = True
        self.filed = Filed(self.firsts, self.seconds, self.keys.count)
        self.slot_of = np.array(self.slots, dtype=np.intp)
        self.condition_of = np.array(self.conditions, dtype=np.intp)
        self.condition_starts_array = np.array(self.condition_starts, dtype=np.intp)
        self.clause_starts_array = np.array(self.clause_starts, dtype=np.intp)
        self.clause_keys_array = np.array(self.clause_keys, dtype=np.intp)
        self.clause_wanted_array = np.array(self.clause_wanted, dtype=bool)
        self.prefix_lengths = {
            kind: sorted({len(stem) for stem in self.keys.tables[kind]})
            for kind in self.KINDS[1:]
            if self.keys.tables[kind]
        }

    def present(self, doc: Document) -> tuple[np.ndarray, np.ndarray]:
        """The keys the paper has, as KeyIds.present gives them."""
        values: dict[str, Collection[str]] = {"key": doc.keys}
        for kind, lengths in self.prefix_lengths.items():
            values[kind] = doc.prefixes(kind, lengths)
        return self.keys.present(values)

    def matched(self, numbers: np.ndarray, present: np.ndarray) -> np.ndarray:
        """The slots of the conjunctions the paper with these keys matches."""
        rows = self.filed.found(numbers, present)
        conditions = self.condition_of[rows]
        checked = np.flatnonzero(conditions >= 0)
        if len(checked) == 0:
            return self.slot_of[rows]
        failed = checked[~self._hold(conditions[checked], present)]
        return np.delete(self.slot_of[rows], failed)

    def words(
        self, doc: Document, numbers: np.ndarray, slots: np.ndarray, sure: list[frozenset[str]]
    ) -> dict[int, frozenset[str]]:
        """Slot -> the words to highlight, for these matched queries whose words vary."""
        words_of_key: dict[int, Iterable[str]] = {}
        for number in numbers[self.highlights[numbers]].tolist():
            field, value, prefix = self.highlight_of[number]
            if prefix:
                words_of_key[number] = doc.prefixes(field, self.prefix_lengths[field])[value]
            else:
                words_of_key[number] = (value,)
        varying = self.varying_keys
        return {
            slot: sure[slot].union(
                *[words_of_key[key] for key in varying[slot] if key in words_of_key]
            )
            for slot in slots.tolist()
        }

    def _hold(self, conditions: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Whether the paper meets each condition: a key as wanted in each of its clauses."""
        clauses = ranges(
            self.condition_starts_array[conditions], self.condition_starts_array[conditions + 1]
        )
        keys = ranges(self.clause_starts_array[clauses], self.clause_starts_array[clauses + 1])
        met = present[self.clause_keys_array[keys]] == self.clause_wanted_array[keys]
        clause_met = np.zeros(len(clauses), dtype=bool)
        clause_met[owners(self.clause_starts_array, clauses)[met]] = True
        holds = np.ones(len(conditions), dtype=bool)
        holds[owners(self.condition_starts_array, conditions)[~clause_met]] = False
        return holds


_TEXT = Field.TEXT.value
_WORDLESS = ("cat:", "like:")


def _split_key(key: str) -> tuple[str, str, bool]:
    """A conjunction key's field (a Field's value, or `cat`), its word or category, and whether
    it is a prefix."""
    prefix = key.endswith("*")
    field, _, value = key.removesuffix("*").rpartition(":")
    return field or _TEXT, value, prefix

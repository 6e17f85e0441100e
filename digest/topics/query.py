"""The topic query language: text a reader writes -> a small tree, or a QueryError saying why not.

Pure: no ORM, no settings. docs/topics.md explains the language to readers; this module is the
exact contract. A small recursive-descent parser rather than a library because no well-kept one
has these semantics (luqum reads Lucene, where AND binds tighter than OR):

    query   := all EOF
    all     := anyof ( ["AND"] anyof )*        a space is an AND
    anyof   := unary ( "OR" unary )*           so OR binds tighter than AND
    unary   := ("NOT" | "-") unary | primary   and NOT tightest of all
    primary := [field ":"] ( "(" all ")" | '"' phrase '"' | word["*"] )

Words are runs of letters and digits, compared with case and accents folded (`fold`); any other
character separates words, so `human-AI` is the phrase "human ai". `cat:` values are whole
arXiv categories compared case-insensitively, or a prefix with a trailing `*` (`cat:cs.*`).
`like:` values are arXiv ids (`like:2504.12345`, `like:hep-th/9901001`; a version suffix is
dropped, as stored papers are keyed without it): the term holds in a paper whose similarity to
that paper reaches a threshold. The parser only checks the id's shape; which papers are like it
is decided outside (PaperText.likes), and so is whether the id is a stored paper.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

MAX_LENGTH = 500
MAX_DEPTH = 8  # parentheses and NOTs nested inside each other
MAX_TERMS = 30  # words, phrase words and categories together
MAX_WILDCARDS = 8
MIN_PREFIX = 3  # letters before a `*`: "a*" would match nearly every paper


class QueryError(ValueError):
    """Why a query was rejected, and where: `position` is a 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


class Field(Enum):
    TEXT = "text"  # no field given: the title or the abstract
    TITLE = "title"
    ABSTRACT = "abstract"
    AUTHOR = "author"


FIELD_NAMES = {"title": Field.TITLE, "abstract": Field.ABSTRACT, "author": Field.AUTHOR}


@dataclass(frozen=True, slots=True)
class Term:
    """Words next to each other, in order, within one field; the last one a prefix if `prefix`."""

    field: Field
    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Category:
    """An arXiv category, lower-cased: equal to `value`, or starting with it if `prefix`."""

    value: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Like:
    """Papers like the stored paper with this arXiv id (no version). `position` is where the
    id is written, so that a caller who finds no such paper can point at it."""

    arxiv_id: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Category | Like | Not | And | Or


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    root: Node


# A word is a letter or digit followed by letters, digits and combining accents (so a decomposed
# "é" stays inside its word); `_` is punctuation like any other.
_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
WORD_RUN = re.compile(rf"[^\W_](?:[^\W_]|[{_COMBINING}])*")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
# An arXiv id, new style (2504.12345) or old style (hep-th/9901001, math.GT/0309136), with an
# optional version, which is dropped.
# ASCII: full-width digits match \d, but no arXiv id is written with them.
ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.ASCII)
# What to write after a field that has nothing after it, for fields that take one kind of value.
_FIELD_EXAMPLES = {"cat": "cat:cs.CL", "like": "like:2504.12345"}


def _field_example(name: str) -> str:
    return f'{name}:word, {name}:"a phrase" or {name}:( … )'


def fold(run: str) -> str:
    """One word as matching sees it: case folded, accents dropped (`Réward` -> `reward`)."""
    if run.isascii():
        return run.lower()
    decomposed = unicodedata.normalize("NFKD", run.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def tokenize(text: str) -> list[str]:
    """The folded words of `text`, in order. Used for papers and queries alike."""
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    return [word for word in map(fold, WORD_RUN.findall(text)) if word]


# One normalisation for papers, queries and highlighting, under either name.


def parse(text: str) -> Query:
    """Parse a topic query. Raises QueryError naming the problem and its character position."""
    if len(text) > MAX_LENGTH:
        raise QueryError(
            f"The query is {len(text)} characters long; the limit is {MAX_LENGTH}.", MAX_LENGTH
        )
    if not text.strip():
        raise QueryError("The query is empty: write at least one word.", 0)
    root = _Parser(_lex(text)).parse()
    if not _has_positive(root, True):
        raise QueryError(
            "The query only says what to leave out: add at least one word it should match.", 0
        )
    return Query(text, root)


def _has_positive(node: Node, positive: bool) -> bool:
    match node:
        case Term() | Category() | Like():
            return positive
        case Not(child):
            return _has_positive(child, not positive)
        case And(children) | Or(children):
            return any(_has_positive(child, positive) for child in children)


def like_terms(node: Node) -> list[Like]:
    """The query's like: terms (NOTed ones too), in the order they are written."""
    match node:
        case Like():
            return [node]
        case Not(child):
            return like_terms(child)
        case And(children) | Or(children):
            return [like for child in children for like in like_terms(child)]
        case _:
            return []


# --- lexing -------------------------------------------------------------------------------------

_LEXEME = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<quote>")
  | (?P<minus>-(?=[^\s\-)]))
  | (?P<field>[^\W\d_][\w-]*:)
  | (?P<bare>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # open close phrase minus field bare and or not
    text: str
    position: int
    end: int


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position] == '"':
            end = text.find('"', position + 1)
            if end < 0:
                raise QueryError(
                    f'Unbalanced quote: the " at character {position + 1} is never closed.',
                    position,
                )
            tokens.append(_Token("phrase", text[position + 1 : end], position, end + 1))
            position = end + 1
            continue
        found = _LEXEME.match(text, position)
        assert found is not None  # `bare` matches any other character
        kind = found.lastgroup or ""
        if kind != "space":
            tokens.append(_token(kind, found.group(), position, found.end()))
        position = found.end()
    return tokens


def _token(kind: str, lexeme: str, position: int, end: int) -> _Token:
    if kind == "bare" and lexeme in ("AND", "OR", "NOT"):
        kind = lexeme.lower()
    return _Token(kind, lexeme, position, end)


# --- parsing ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.terms = 0
        self.wildcards = 0

    def parse(self) -> Node:
        node = self.all()
        token = self.peek()
        if token is not None:  # `all` stops only at the end or at a ")"
            raise _unopened(token)
        return node

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def all(self, field: str | None = None) -> Node:
        children = [self.anyof(field)]
        while (token := self.peek()) is not None and token.kind != "close":
            if token.kind == "and":
                self.take()
                self.expect_operand(token)
            children.append(self.anyof(field))
        return children[0] if len(children) == 1 else And(tuple(children))

    def anyof(self, field: str | None) -> Node:
        self.reject_leading_operator()
        children = [self.unary(field)]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            self.expect_operand(token)
            children.append(self.unary(field))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def unary(self, field: str | None) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("not", "minus"):
            self.take()
            self.expect_operand(token)
            with _Nested(self, token):
                return Not(self.unary(field))
        return self.primary(field)

    def primary(self, field: str | None) -> Node:
        token = self.take()
        if token.kind == "close":
            raise _unopened(token)
        if token.kind == "field":
            return self.fielded(token, field)
        if token.kind == "open":
            return self.group(token, field)
        if token.kind == "phrase":
            return self.term(token, field, token.text, prefix=False)
        return self.term(token, field, token.text.removesuffix("*"), token.text.endswith("*"))

    def fielded(self, token: _Token, outer: str | None) -> Node:
        name = token.text[:-1].lower()
        if name not in FIELD_NAMES and name not in ("cat", "like"):
            raise QueryError(
                f"Unknown field {token.text} at character {token.position + 1}: "
                "use title:, abstract:, author:, cat: or like:.",
                token.position,
            )
        if outer is not None:
            raise QueryError(
                f"The field {token.text} at character {token.position + 1} is inside "
                f"{outer}:( … ); a clause can have only one field.",
                token.position,
            )
        following = self.peek()
        if following is None or following.position != token.end or following.kind == "close":
            raise QueryError(
                f"The field {token.text} at character {token.position + 1} has nothing "
                f"right after it: write {_FIELD_EXAMPLES.get(name, _field_example(name))}.",
                token.position,
            )
        if following.kind in ("field", "minus", "not", "and", "or"):
            raise QueryError(
                f"After {token.text} at character {token.position + 1} comes "
                f"{following.text!r}: a field takes a word, a phrase or a ( … ) group.",
                following.position,
            )
        return self.primary(name)

    def group(self, token: _Token, field: str | None) -> Node:
        following = self.peek()
        if following is None:
            raise self.unclosed(token)
        if following.kind == "close":
            raise QueryError(
                f"The parentheses at character {token.position + 1} have nothing inside.",
                token.position,
            )
        with _Nested(self, token):
            node = self.all(field)
        if self.peek() is None:
            raise self.unclosed(token)
        self.take()
        return node

    def unclosed(self, token: _Token) -> QueryError:
        return QueryError(
            f"Unbalanced parenthesis: the ( at character {token.position + 1} is never closed.",
            token.position,
        )

    def term(self, token: _Token, field: str | None, text: str, prefix: bool) -> Node:
        if field == "cat":
            return self.category(token, text, prefix)
        if field == "like":
            return self.like(token, text, prefix)
        words = tuple(tokenize(text))
        if not words:
            raise QueryError(
                f"{token.text!r} at character {token.position + 1} has no letters or digits "
                "to match.",
                token.position,
            )
        self.count(token, len(words), prefix)
        if prefix and len(words[-1]) < MIN_PREFIX:
            raise QueryError(
                f"The wildcard {token.text} at character {token.position + 1} is too short: "
                f"write at least {MIN_PREFIX} letters before the *.",
                token.position,
            )
        return Term(FIELD_NAMES.get(field or "", Field.TEXT), words, prefix)

    def category(self, token: _Token, text: str, prefix: bool) -> Category:
        value = text.strip().lower()
        if not value or (prefix and len(value) < MIN_PREFIX - 1):
            raise QueryError(
                f"The category {token.text!r} at character {token.position + 1} is too short: "
                "write a category like cat:cs.CL or a prefix like cat:cs.*.",
                token.position,
            )
        self.count(token, 1, prefix)
        return Category(value, prefix)

    def like(self, token: _Token, text: str, prefix: bool) -> Like:
        found = ARXIV_ID.fullmatch(text.strip())
        if found is None or prefix:
            raise QueryError(
                f"{token.text!r} at character {token.position + 1} is not an arXiv id: write "
                "like:2504.12345 (for several papers, like:2504.12345 OR like:2505.00001).",
                token.position,
            )
        self.count(token, 1, False)
        return Like(found.group(1), token.position)

    def count(self, token: _Token, words: int, prefix: bool) -> None:
        self.terms += words
        self.wildcards += prefix
        if self.terms > MAX_TERMS:
            raise QueryError(
                f"Too many words: the query reaches {self.terms} at character "
                f"{token.position + 1}; the limit is {MAX_TERMS}.",
                token.position,
            )
        if self.wildcards > MAX_WILDCARDS:
            raise QueryError(
                f"Too many wildcards: the * at character {token.end} is number "
                f"{self.wildcards}; the limit is {MAX_WILDCARDS}.",
                token.end - 1,
            )

    def expect_operand(self, operator: _Token) -> None:
        """An operator needs a clause after it (the one before it is already parsed)."""
        following = self.peek()
        if following is None or following.kind in ("close", "and", "or"):
            raise QueryError(
                f"{self.describe(operator)} at character {operator.position + 1} has nothing "
                "after it.",
                operator.position,
            )

    def reject_leading_operator(self) -> None:
        token = self.peek()
        if token is not None and token.kind in ("and", "or"):
            raise QueryError(
                f"{token.text} at character {token.position + 1} has nothing before it.",
                token.position,
            )

    @staticmethod
    def describe(operator: _Token) -> str:
        return "The minus sign" if operator.kind == "minus" else operator.text


def _unopened(token: _Token) -> QueryError:
    return QueryError(
        f"Unbalanced parenthesis: the ) at character {token.position + 1} has no ( before it.",
        token.position,
    )


class _Nested:
    """Counts nesting (groups and NOTs) while parsing inside one, and refuses it past MAX_DEPTH."""

    def __init__(self, parser: _Parser, token: _Token) -> None:
        self.parser = parser
        self.token = token

    def __enter__(self) -> None:
        self.parser.depth += 1
        if self.parser.depth > MAX_DEPTH:
            raise QueryError(
                f"The query nests too deeply at character {self.token.position + 1}: "
                f"parentheses and NOTs may be nested at most {MAX_DEPTH} levels.",
                self.token.position,
            )

    def __exit__(self, *exc: object) -> None:
        self.parser.depth -= 1

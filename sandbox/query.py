"""The skeleton the SQL-like dialects (SOQL, SuiteQL) share: tokens, clauses, conditions, rows.

A dialect subclasses :class:`QueryParser` with its token pattern, reserved words and errors, and
parses only what differs: the select list (and when it binds the FROM source), how AND and OR
combine, a comparison and its literal, and how NULLs order by default. The skeleton walks
``SELECT items FROM source [WHERE condition] [ORDER BY key, ...]``. Names of sources and fields
match case-insensitively and come back in the schema's spelling. :class:`Semantics` evaluates
the parsed query over rows with the dialect's null rule and text folding.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Generic, Literal, TypeVar

Value = str | int | float | Decimal | bool | datetime | None
Row = Mapping[str, Value]
R = TypeVar("R", bound=Row)
T = TypeVar("T", bound=str)
Item = TypeVar("Item")
X = TypeVar("X")
Connective = Literal["AND", "OR"]

OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: its pattern group, its text and its 1-based column."""

    kind: str
    text: str
    column: int

    @property
    def word(self) -> str:
        """What keywords and punctuation are matched against: names upper-cased, others as is."""
        return self.text.upper() if self.kind == "name" else self.text


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op value``; a dialect may give ``op`` a NULL test with a None value."""

    field: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Junction:
    """Conditions joined by one connective."""

    op: Connective
    parts: tuple[Condition, ...]


Condition = Comparison | Junction


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One ORDER BY term."""

    field: str
    descending: bool
    nulls_first: bool


def _lookup(names: Iterable[str], token: Token) -> str | None:
    wanted = token.text.lower()
    return next((name for name in names if name.lower() == wanted), None)


class QueryParser(ABC, Generic[T, Item]):
    """Recursive descent over one query against ``sources`` (source -> field -> type)."""

    pattern: ClassVar[re.Pattern[str]]
    """Named groups ``ws``, ``string``, ``number``, ``name``, ``op``, ``punct`` and extras."""
    reserved: ClassVar[frozenset[str]]

    def __init__(self, text: str, sources: Mapping[str, Mapping[str, T]]) -> None:
        self.text = text
        self.sources = sources
        self.source = ""
        self.schema: Mapping[str, T] = {}
        self.tokens = self._tokenize()
        self.pos = 0

    def _tokenize(self) -> list[Token]:
        tokens: list[Token] = []
        pos = 0
        while pos < len(self.text):
            m = self.pattern.match(self.text, pos)
            if m is None:
                raise self.unexpected(Token("char", self.text[pos], pos + 1))
            if m.lastgroup != "ws":
                tokens.append(Token(m.lastgroup or "", m.group(), pos + 1))
            pos = m.end()
        tokens.append(Token("eof", "<EOF>", len(self.text) + 1))
        return tokens

    @abstractmethod
    def unexpected(self, token: Token) -> Exception:
        """The dialect's error for a token the grammar does not allow here."""

    @abstractmethod
    def unknown_source(self, token: Token) -> Exception:
        """The dialect's error for a FROM naming no source."""

    @abstractmethod
    def unknown_field(self, token: Token) -> Exception:
        """The dialect's error for a name the source has no field for."""

    @abstractmethod
    def select_list(self) -> list[Item]:
        """The items after SELECT, checked against the source, which it binds; ends after FROM."""

    @abstractmethod
    def condition(self) -> Condition:
        """A WHERE condition, combining :meth:`atom` with the dialect's AND/OR rules."""

    @abstractmethod
    def comparison(self, field: str) -> Comparison:
        """What follows a field in a condition: an operator and a literal, or a NULL test."""

    @abstractmethod
    def order_field(self, items: Sequence[Item]) -> str:
        """The field an ORDER BY term sorts on."""

    @abstractmethod
    def nulls_first(self, descending: bool) -> bool:
        """Whether NULLs lead for this term: the dialect's default or an explicit NULLS clause."""

    def peek(self) -> Token:
        """The next token, left in place."""
        return self.tokens[self.pos]

    def take(self) -> Token:
        """The next token, consumed."""
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def accept(self, word: str) -> bool:
        """Consume the next token if it is ``word``."""
        if self.peek().word == word:
            self.pos += 1
            return True
        return False

    def expect(self, *words: str) -> str:
        """Consume the next token, which must be one of ``words``; returns it."""
        token = self.take()
        if token.word not in words:
            raise self.unexpected(token)
        return token.word

    def expect_end(self) -> None:
        """Refuse anything left after the query."""
        if self.peek().kind != "eof":
            raise self.unexpected(self.peek())

    def identifier(self) -> Token:
        """A name that is not a reserved word."""
        token = self.take()
        if token.kind != "name" or token.word in self.reserved:
            raise self.unexpected(token)
        return token

    def resolve(self, token: Token) -> str:
        """The source's field ``token`` names, in the schema's spelling."""
        name = _lookup(self.schema, token)
        if name is None:
            raise self.unknown_field(token)
        return name

    def field(self) -> str:
        """A field of the source, in the schema's spelling."""
        return self.resolve(self.identifier())

    def operator(self) -> str:
        """A comparison operator."""
        token = self.take()
        if token.kind != "op":
            raise self.unexpected(token)
        return token.text

    def listed(self, read: Callable[[], X]) -> list[X]:
        """One or more of what ``read`` reads, separated by commas."""
        found = [read()]
        while self.accept(","):
            found.append(read())
        return found

    def bind_source(self) -> None:
        """Read the source's name (after FROM) and make its schema the one fields resolve in."""
        token = self.identifier()
        source = _lookup(self.sources, token)
        if source is None:
            raise self.unknown_source(token)
        self.source, self.schema = source, self.sources[source]

    def skip_past(self, word: str) -> None:
        """Move past the next ``word``, whatever comes before it."""
        token = self.take()
        while token.word != word:
            if token.kind == "eof":
                raise self.unexpected(token)
            token = self.take()

    def clauses(self) -> tuple[list[Item], Condition | None, tuple[OrderKey, ...]]:
        """``SELECT items FROM source [WHERE condition] [ORDER BY key, ...]``; sets ``source``."""
        self.expect("SELECT")
        items = self.select_list()
        where = self.condition() if self.accept("WHERE") else None
        order_by = self.order_by(items) if self.accept("ORDER") else ()
        return items, where, order_by

    def atom(self) -> Condition:
        """A parenthesised condition or a comparison on one field."""
        if self.accept("("):
            inner = self.condition()
            self.expect(")")
            return inner
        return self.comparison(self.field())

    def joined(
        self, connective: Connective, operand: Callable[[], Condition], first: Condition
    ) -> Condition:
        """``first`` and every further ``operand`` after ``connective``, as one condition."""
        parts = [first]
        while self.accept(connective):
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Junction(connective, tuple(parts))

    def order_by(self, items: Sequence[Item]) -> tuple[OrderKey, ...]:
        """``BY key [ASC|DESC] ..., ...`` after ORDER."""
        self.expect("BY")
        return tuple(self.listed(lambda: self._order_key(items)))

    def _order_key(self, items: Sequence[Item]) -> OrderKey:
        field = self.order_field(items)
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        return OrderKey(field, descending, self.nulls_first(descending))


def _unchanged(value: Value) -> Value:
    return value


@dataclass(frozen=True, slots=True)
class Semantics:
    """How a dialect evaluates a parsed query over rows."""

    holds: Callable[[Comparison, Value], bool]
    """Whether a row's value for the compared field satisfies the comparison (NULLs included)."""
    fold: Callable[[Value], Value] = _unchanged
    """The value a non-NULL field sorts by."""

    def matches(self, condition: Condition, row: Row) -> bool:
        """Whether ``row`` satisfies ``condition``."""
        if isinstance(condition, Junction):
            if condition.op == "AND":
                return all(self.matches(part, row) for part in condition.parts)
            return any(self.matches(part, row) for part in condition.parts)
        return self.holds(condition, row[condition.field])

    def sort_rows(self, rows: Iterable[R], order_by: Sequence[OrderKey]) -> list[R]:
        """Rows in ORDER BY order; ties keep their input order (stable, one pass per key)."""
        result = list(rows)
        for key in reversed(order_by):
            null_group = int(key.nulls_first == key.descending)

            def sort_key(row: R, name: str = key.field, ng: int = null_group) -> tuple[object, ...]:
                value = row[name]
                return (ng,) if value is None else (1 - ng, self.fold(value))

            result.sort(key=sort_key, reverse=key.descending)
        return result

    def select(
        self, rows: Iterable[R], where: Condition | None, order_by: Sequence[OrderKey]
    ) -> list[R]:
        """The rows satisfying ``where``, in ORDER BY order."""
        kept = rows if where is None else (row for row in rows if self.matches(where, row))
        return self.sort_rows(kept, order_by)

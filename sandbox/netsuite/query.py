"""A small, strict SuiteQL dialect: one table, plain columns and TO_CHAR, WHERE and ORDER BY.

Grammar (keywords and function names case-insensitive)::

    SELECT item, ... FROM table
      [WHERE condition]          AND binds tighter than OR; parentheses group
      [ORDER BY column [ASC|DESC], ...]

An item is ``column [[AS] alias]`` or ``TO_CHAR(column, 'format') [[AS] alias]``; a condition is
``column op literal`` (``= <> != < <= > >=``) or ``column IS [NOT] NULL``; a literal is a 'string',
a number or ``TO_DATE('text', 'format')``. Formats combine YYYY, MM, DD, HH24, MI, SS and
separators. Datetimes are instants; TO_DATE and TO_CHAR read and write the account's local time.
Anything else raises :class:`SuiteQLError`, which the simulator answers as NetSuite does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

ColumnType = Literal["number", "decimal", "string", "datetime", "date"]
Value = int | Decimal | str | datetime | None
Row = Mapping[str, Value]

_TOKEN = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<string>'(?:[^']|'')*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<op><=|>=|<>|!=|=|<|>)
    |(?P<punct>[(),*])
    """,
    re.VERBOSE,
)
_RESERVED = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "ORDER", "BY", "ASC", "DESC", "AS", "IS", "NOT"}
    | {"NULL", "TO_CHAR", "TO_DATE", "GROUP", "HAVING", "JOIN", "ON", "UNION", "FETCH"}
)
_FORMAT_TOKEN = re.compile(r"YYYY|MM|DD|HH24|MI|SS|[-/ :.,T]", re.IGNORECASE)
_STRFTIME = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH24": "%H", "MI": "%M", "SS": "%S"}
_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


class SuiteQLError(Exception):
    """A query NetSuite would refuse; the message completes "Search error occurred: ..."."""


@dataclass(frozen=True, slots=True)
class SelectItem:
    """One output column: a plain column, or TO_CHAR of one with a strftime pattern."""

    key: str
    column: str
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Comparison:
    """``column op literal``; ``op`` is IS NULL / IS NOT NULL with a None value."""

    column: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Junction:
    """Conditions joined by one connective."""

    op: Literal["AND", "OR"]
    parts: tuple[Condition, ...]


Condition = Comparison | Junction


@dataclass(frozen=True, slots=True)
class SuiteQLQuery:
    """A parsed query against one table."""

    table: str
    items: tuple[SelectItem, ...]
    where: Condition | None
    order_by: tuple[tuple[str, bool], ...]


def oracle_pattern(fmt: str) -> str:
    """The strftime pattern of an Oracle date format built from the supported elements."""
    pos, parts = 0, []
    while pos < len(fmt):
        m = _FORMAT_TOKEN.match(fmt, pos)
        if m is None:
            raise SuiteQLError(f"Unsupported date format '{fmt}'.")
        parts.append(_STRFTIME.get(m.group().upper(), m.group()))
        pos = m.end()
    return "".join(parts)


class _Parser:
    def __init__(self, text: str, tables: Mapping[str, Mapping[str, ColumnType]], tz: ZoneInfo):
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise SuiteQLError("Invalid or unsupported search.")
            if m.lastgroup != "ws":
                self.tokens.append((m.lastgroup or "", m.group()))
            pos = m.end()
        self.tokens.append(("eof", ""))
        self.pos = 0
        self.tables = tables
        self.tz = tz
        self.table = ""
        self.columns: Mapping[str, ColumnType] = {}

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def peek_word(self) -> str:
        kind, text = self.tokens[self.pos]
        return text.upper() if kind == "name" else text

    def expect(self, word: str) -> None:
        if self.peek_word() != word:
            raise SuiteQLError("Invalid or unsupported search.")
        self.pos += 1

    def accept(self, word: str) -> bool:
        if self.peek_word() == word:
            self.pos += 1
            return True
        return False

    def identifier(self) -> str:
        kind, text = self.take()
        if kind != "name" or text.upper() in _RESERVED:
            raise SuiteQLError("Invalid or unsupported search.")
        return text.lower()

    def parse(self) -> SuiteQLQuery:
        self.expect("SELECT")
        start = self.pos
        while self.peek_word() != "FROM":
            if self.take()[0] == "eof":
                raise SuiteQLError("Invalid or unsupported search.")
        self.pos += 1
        self.table = self.identifier()
        if self.table not in self.tables:
            raise SuiteQLError(f"Record '{self.table}' was not found.")
        self.columns = self.tables[self.table]
        after_from, self.pos = self.pos, start
        items = self.select_list()
        self.pos = after_from
        where = self.disjunction() if self.accept("WHERE") else None
        order_by: list[tuple[str, bool]] = []
        if self.accept("ORDER"):
            self.expect("BY")
            order_by.append(self.order_key(items))
            while self.accept(","):
                order_by.append(self.order_key(items))
        if self.tokens[self.pos][0] != "eof":
            raise SuiteQLError("Invalid or unsupported search.")
        return SuiteQLQuery(self.table, items, where, tuple(order_by))

    def column(self) -> str:
        name = self.identifier()
        if name not in self.columns:
            raise SuiteQLError(f"Field '{name}' for record '{self.table}' was not found.")
        return name

    def select_list(self) -> tuple[SelectItem, ...]:
        items: list[SelectItem] = []
        expressions = 0
        while True:
            if self.accept("TO_CHAR"):
                self.expect("(")
                column = self.column()
                self.expect(",")
                pattern = oracle_pattern(self.string())
                self.expect(")")
                if self.columns[column] not in ("datetime", "date"):
                    raise SuiteQLError(f"TO_CHAR needs a date column, not '{column}'.")
                expressions += 1
                item = SelectItem(f"expr{expressions}", column, pattern)
            else:
                column = self.column()
                item = SelectItem(column, column)
            if self.accept("AS") or (
                self.tokens[self.pos][0] == "name" and self.peek_word() != "FROM"
            ):
                item = SelectItem(self.identifier(), item.column, item.pattern)
            items.append(item)
            if self.peek_word() == "FROM":
                return tuple(items)
            self.expect(",")

    def string(self) -> str:
        kind, text = self.take()
        if kind != "string":
            raise SuiteQLError("Invalid or unsupported search.")
        return text[1:-1].replace("''", "'")

    def order_key(self, items: Sequence[SelectItem]) -> tuple[str, bool]:
        name = self.identifier()
        aliased = {item.key: item.column for item in items}
        if name not in self.columns and name not in aliased:
            raise SuiteQLError(f"Field '{name}' for record '{self.table}' was not found.")
        column = name if name in self.columns else aliased[name]
        descending = self.accept("DESC")
        if not descending:
            self.accept("ASC")
        return column, descending

    def disjunction(self) -> Condition:
        parts = [self.conjunction()]
        while self.accept("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Junction("OR", tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.atom()]
        while self.accept("AND"):
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else Junction("AND", tuple(parts))

    def atom(self) -> Condition:
        if self.accept("("):
            inner = self.disjunction()
            self.expect(")")
            return inner
        column = self.column()
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            return Comparison(column, "IS NOT NULL" if negated else "IS NULL", None)
        kind, op = self.take()
        if kind != "op":
            raise SuiteQLError("Invalid or unsupported search.")
        return Comparison(column, op, self.literal(column))

    def literal(self, column: str) -> Value:
        column_type = self.columns[column]
        if self.accept("TO_DATE"):
            self.expect("(")
            text = self.string()
            self.expect(",")
            pattern = oracle_pattern(self.string())
            self.expect(")")
            try:
                local = datetime.strptime(text, pattern)
            except ValueError as exc:
                raise SuiteQLError(f"Invalid date '{text}' for format.") from exc
            if column_type not in ("datetime", "date"):
                raise SuiteQLError(f"Invalid comparison with field '{column}'.")
            return local.replace(tzinfo=self.tz)
        kind, text = self.take()
        if column_type in ("datetime", "date") or kind not in ("string", "number"):
            raise SuiteQLError(f"Invalid comparison with field '{column}'.")
        raw = text[1:-1].replace("''", "'") if kind == "string" else text
        if column_type == "string":
            if kind != "string":
                raise SuiteQLError(f"Invalid comparison with field '{column}'.")
            return raw
        try:
            number = Decimal(raw)
        except InvalidOperation as exc:
            raise SuiteQLError(f"Invalid number '{raw}' for field '{column}'.") from exc
        return (
            number if column_type == "decimal" else int(number) if number == int(number) else number
        )


def parse_suiteql(
    text: str, tables: Mapping[str, Mapping[str, ColumnType]], tz: ZoneInfo
) -> SuiteQLQuery:
    """Parse ``text`` against ``tables`` (table -> column -> type); TO_DATE reads ``tz`` time."""
    return _Parser(text, tables, tz).parse()


def matches(condition: Condition, row: Row) -> bool:
    """Whether ``row`` satisfies ``condition`` (SQL semantics: a comparison with NULL fails)."""
    if isinstance(condition, Junction):
        if condition.op == "AND":
            return all(matches(part, row) for part in condition.parts)
        return any(matches(part, row) for part in condition.parts)
    actual = row[condition.column]
    if condition.op == "IS NULL":
        return actual is None
    if condition.op == "IS NOT NULL":
        return actual is not None
    if actual is None:
        return False
    return _OPS[condition.op](actual, condition.value)


def sort_rows(rows: Sequence[Row], order_by: Sequence[tuple[str, bool]]) -> list[Row]:
    """Rows in ORDER BY order, Oracle style: NULLs sort as the largest value."""
    result = list(rows)
    for column, descending in reversed(order_by):

        def sort_key(row: Row, name: str = column) -> tuple[object, ...]:
            value = row[name]
            return (1,) if value is None else (0, value)

        result.sort(key=sort_key, reverse=descending)
    return result

"""A small, strict SuiteQL dialect: one table, plain columns and TO_CHAR, WHERE and ORDER BY.

Grammar (keywords and function names case-insensitive)::

    SELECT item, ... FROM table
      [WHERE condition]          AND binds tighter than OR; parentheses group
      [ORDER BY column [ASC|DESC], ...]

An item is ``column [[AS] alias]`` or ``TO_CHAR(column, 'format') [[AS] alias]``; a condition is
``column op literal`` (``= <> != < <= > >=``) or ``column IS [NOT] NULL``; a literal is a 'string',
a number or ``TO_DATE('text', 'format')``. Formats combine YYYY, MM, DD, HH24, MI, SS and
separators. Datetimes are instants; TO_DATE and TO_CHAR read and write the account's local time.
A comparison with NULL fails and NULLs sort as the largest value, as in Oracle.
Anything else raises :class:`SuiteQLError`, which the simulator answers as NetSuite does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from sandbox.query import (
    OPERATORS,
    Comparison,
    Condition,
    OrderKey,
    QueryParser,
    Semantics,
    Token,
    Value,
)

ColumnType = Literal["number", "decimal", "string", "datetime", "date"]

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


class SuiteQLError(Exception):
    """A query NetSuite would refuse; the message completes "Search error occurred: ..."."""


@dataclass(frozen=True, slots=True)
class SelectItem:
    """One output column: a plain column, or TO_CHAR of one with a strftime pattern."""

    key: str
    column: str
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class SuiteQLQuery:
    """A parsed query against one table."""

    table: str
    items: tuple[SelectItem, ...]
    where: Condition | None
    order_by: tuple[OrderKey, ...]


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


class _SuiteQLParser(QueryParser[ColumnType, SelectItem]):
    pattern = _TOKEN
    reserved = _RESERVED

    def __init__(
        self, text: str, tables: Mapping[str, Mapping[str, ColumnType]], tz: ZoneInfo
    ) -> None:
        super().__init__(text, tables)
        self.tz = tz
        self.expressions = 0

    def unexpected(self, token: Token) -> SuiteQLError:
        return SuiteQLError("Invalid or unsupported search.")

    def unknown_source(self, token: Token) -> SuiteQLError:
        return SuiteQLError(f"Record '{token.text.lower()}' was not found.")

    def unknown_field(self, token: Token) -> SuiteQLError:
        return SuiteQLError(
            f"Field '{token.text.lower()}' for record '{self.source}' was not found."
        )

    def parse(self) -> SuiteQLQuery:
        items, where, order_by = self.clauses()
        self.expect_end()
        return SuiteQLQuery(self.source, tuple(items), where, order_by)

    def select_list(self) -> list[SelectItem]:
        # The table is found first and each item checked as it is read, so an unknown table or
        # column is reported before a syntax error further along the list.
        start = self.pos
        self.skip_past("FROM")
        self.bind_source()
        after_from, self.pos = self.pos, start
        items = self.listed(self.select_item)
        if self.peek().word != "FROM":
            raise self.unexpected(self.peek())
        self.pos = after_from
        return items

    def select_item(self) -> SelectItem:
        if self.accept("TO_CHAR"):
            self.expect("(")
            column = self.field()
            self.expect(",")
            pattern = oracle_pattern(self.string())
            self.expect(")")
            if self.schema[column] not in ("datetime", "date"):
                raise SuiteQLError(f"TO_CHAR needs a date column, not '{column}'.")
            self.expressions += 1
            item = SelectItem(f"expr{self.expressions}", column, pattern)
        else:
            column = self.field()
            item = SelectItem(column, column)
        if self.accept("AS") or (self.peek().kind == "name" and self.peek().word != "FROM"):
            return SelectItem(self.identifier().text.lower(), item.column, item.pattern)
        return item

    def string(self) -> str:
        token = self.take()
        if token.kind != "string":
            raise self.unexpected(token)
        return token.text[1:-1].replace("''", "'")

    def order_field(self, items: Sequence[SelectItem]) -> str:
        token = self.identifier()
        name = token.text.lower()
        aliased = {item.key: item.column for item in items}
        if name in self.schema:
            return name
        if name in aliased:
            return aliased[name]
        raise self.unknown_field(token)

    def nulls_first(self, descending: bool) -> bool:
        return descending

    def condition(self) -> Condition:
        return self.joined("OR", self._conjunction, self._conjunction())

    def _conjunction(self) -> Condition:
        return self.joined("AND", self.atom, self.atom())

    def comparison(self, field: str) -> Comparison:
        if self.accept("IS"):
            negated = self.accept("NOT")
            self.expect("NULL")
            return Comparison(field, "IS NOT NULL" if negated else "IS NULL", None)
        return Comparison(field, self.operator(), self.literal(field))

    def literal(self, column: str) -> Value:
        column_type = self.schema[column]
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
        token = self.take()
        kind, text = token.kind, token.text
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
    return _SuiteQLParser(text, tables, tz).parse()


def _holds(comparison: Comparison, actual: Value) -> bool:
    if comparison.op == "IS NULL":
        return actual is None
    if comparison.op == "IS NOT NULL":
        return actual is not None
    return actual is not None and OPERATORS[comparison.op](actual, comparison.value)


SUITEQL = Semantics(holds=_holds)

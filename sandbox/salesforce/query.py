"""A small, strict SOQL dialect: the subset collectors need, and Salesforce's errors for the rest.

Grammar (keywords case-insensitive)::

    SELECT field, ... FROM Object
      [WHERE condition]            condition: field op literal | ( condition ) joined by AND or OR
      [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
      [LIMIT n]

Operators are ``= != < <= > >=``; literals are 'strings', numbers, TRUE, FALSE, NULL and unquoted
datetimes (``2026-11-20T10:00:00Z``, ``.000Z``, ``+00:00``). As in Salesforce, AND and OR cannot be
mixed at one level without parentheses. Unknown objects answer INVALID_TYPE, unknown fields and
mistyped literals INVALID_FIELD, everything else MALFORMED_QUERY.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

FieldType = Literal["id", "string", "datetime", "boolean", "number"]
Value = str | int | float | bool | datetime | None
Row = Mapping[str, Value]
R = TypeVar("R", bound=Row)

_TOKEN = re.compile(
    r"""
     (?P<ws>\s+)
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<string>'(?:[^'\\]|\\.)*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    |(?P<op><=|>=|!=|=|<|>)
    |(?P<punct>[(),])
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "ORDER", "BY", "ASC", "DESC"}
    | {"NULLS", "FIRST", "LAST", "LIMIT", "TRUE", "FALSE", "NULL"}
)
_OPS: dict[str, Callable[[object, object], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}
_WIRE_TYPE = {
    "id": "id",
    "string": "string",
    "datetime": "dateTime",
    "boolean": "boolean",
    "number": "double",
}


class SoqlError(Exception):
    """A query Salesforce would refuse, with the errorCode it would send."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


@dataclass(frozen=True, slots=True)
class Comparison:
    """``field op literal``."""

    field: str
    op: str
    value: Value


@dataclass(frozen=True, slots=True)
class Junction:
    """Conditions joined by one connective."""

    op: Literal["AND", "OR"]
    parts: tuple[Condition, ...]


Condition = Comparison | Junction


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One ORDER BY term."""

    field: str
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class SoqlQuery:
    """A parsed query; field names are the schema's canonical spelling."""

    object_name: str
    fields: tuple[str, ...]
    where: Condition | None
    order_by: tuple[OrderKey, ...]
    limit: int | None


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    column: int

    @property
    def keyword(self) -> str | None:
        upper = self.text.upper()
        return upper if self.kind == "name" and upper in _KEYWORDS else None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _unexpected(text, pos + 1, text[pos])
        if m.lastgroup != "ws":
            tokens.append(_Token(m.lastgroup or "", m.group(), pos + 1))
        pos = m.end()
    tokens.append(_Token("eof", "<EOF>", len(text) + 1))
    return tokens


def _unexpected(text: str, column: int, token: str) -> SoqlError:
    return SoqlError(
        "MALFORMED_QUERY",
        f"\n{text}\n{' ' * (column - 1)}^\nERROR at Row:1:Column:{column}\n"
        f"unexpected token: {token}",
    )


class _Parser:
    def __init__(self, text: str, schemas: Mapping[str, Mapping[str, FieldType]]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.schemas = schemas
        self.schema: Mapping[str, FieldType] = {}
        self.object_name = ""

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, token: _Token) -> SoqlError:
        return _unexpected(self.text, token.column, token.text)

    def expect_keyword(self, *words: str) -> str:
        token = self.take()
        if token.keyword not in words:
            raise self.fail(token)
        return token.text.upper()

    def accept_keyword(self, word: str) -> bool:
        if self.peek().keyword == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> SoqlQuery:
        self.expect_keyword("SELECT")
        raw_fields = [self.field_token()]
        while self.peek().text == ",":
            self.take()
            raw_fields.append(self.field_token())
        self.expect_keyword("FROM")
        self.resolve_object(self.field_token())
        fields = tuple(self.resolve_field(t) for t in raw_fields)
        where = self.condition_list() if self.accept_keyword("WHERE") else None
        order_by: list[OrderKey] = []
        if self.accept_keyword("ORDER"):
            self.expect_keyword("BY")
            order_by.append(self.order_key())
            while self.peek().text == ",":
                self.take()
                order_by.append(self.order_key())
        limit = None
        if self.accept_keyword("LIMIT"):
            token = self.take()
            if token.kind != "number" or not token.text.isdigit():
                raise self.fail(token)
            limit = int(token.text)
        if self.peek().kind != "eof":
            raise self.fail(self.peek())
        return SoqlQuery(self.object_name, fields, where, tuple(order_by), limit)

    def field_token(self) -> _Token:
        token = self.take()
        if token.kind != "name" or token.keyword is not None:
            raise self.fail(token)
        return token

    def resolve_object(self, token: _Token) -> None:
        for name, schema in self.schemas.items():
            if name.lower() == token.text.lower():
                self.object_name, self.schema = name, schema
                return
        raise SoqlError(
            "INVALID_TYPE",
            f"\n{self.text}\n{' ' * (token.column - 1)}^\nERROR at Row:1:Column:{token.column}\n"
            f"sObject type '{token.text}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name.",
        )

    def resolve_field(self, token: _Token) -> str:
        for name in self.schema:
            if name.lower() == token.text.lower():
                return name
        raise SoqlError(
            "INVALID_FIELD",
            f"\n{self.text}\n{' ' * (token.column - 1)}^\nERROR at Row:1:Column:{token.column}\n"
            f"No such column '{token.text}' on entity '{self.object_name}'. If you are attempting "
            "to use a custom field, be sure to append the '__c' after the custom field name.",
        )

    def order_key(self) -> OrderKey:
        name = self.resolve_field(self.field_token())
        descending = False
        if self.peek().keyword in ("ASC", "DESC"):
            descending = self.take().text.upper() == "DESC"
        nulls_first = not descending
        if self.accept_keyword("NULLS"):
            nulls_first = self.expect_keyword("FIRST", "LAST") == "FIRST"
        return OrderKey(name, descending, nulls_first)

    def condition_list(self) -> Condition:
        parts = [self.condition()]
        connective: str | None = None
        while self.peek().keyword in ("AND", "OR"):
            token = self.take()
            if connective is not None and token.text.upper() != connective:
                raise self.fail(token)
            connective = token.text.upper()
            parts.append(self.condition())
        if connective is None:
            return parts[0]
        return Junction("AND" if connective == "AND" else "OR", tuple(parts))

    def condition(self) -> Condition:
        if self.peek().text == "(":
            self.take()
            inner = self.condition_list()
            token = self.take()
            if token.text != ")":
                raise self.fail(token)
            return inner
        field_token = self.field_token()
        name = self.resolve_field(field_token)
        op_token = self.take()
        if op_token.kind != "op":
            raise self.fail(op_token)
        value = self.literal(name, op_token.text)
        return Comparison(name, op_token.text, value)

    def literal(self, name: str, op: str) -> Value:
        token = self.take()
        field_type = self.schema[name]
        keyword = token.keyword
        if keyword == "NULL":
            if op not in ("=", "!="):
                raise self.fail(token)
            return None
        value: Value
        if token.kind == "string" and field_type in ("id", "string"):
            value = re.sub(r"\\(.)", r"\1", token.text[1:-1])
        elif token.kind == "number" and field_type == "number":
            value = float(token.text) if "." in token.text else int(token.text)
        elif keyword in ("TRUE", "FALSE") and field_type == "boolean":
            value = keyword == "TRUE"
        elif token.kind == "datetime" and field_type == "datetime":
            value = datetime.fromisoformat(token.text.replace("Z", "+00:00"))
        elif token.kind in ("string", "number", "datetime") or keyword in ("TRUE", "FALSE"):
            quoted = "should not be" if token.kind == "string" else "must be"
            raise SoqlError(
                "INVALID_FIELD",
                f"\n{self.text}\n{' ' * (token.column - 1)}^\n"
                f"ERROR at Row:1:Column:{token.column}\nvalue of filter criterion for field "
                f"'{name}' must be of type {_WIRE_TYPE[field_type]} and {quoted} enclosed in "
                "quotes",
            )
        else:
            raise self.fail(token)
        if field_type == "boolean" and op not in ("=", "!="):
            raise self.fail(token)
        return value


def parse_soql(text: str, schemas: Mapping[str, Mapping[str, FieldType]]) -> SoqlQuery:
    """Parse ``text`` against the objects in ``schemas`` (object -> field -> type)."""
    return _Parser(text, schemas).parse()


def _fold(value: Value) -> Value:
    # SOQL compares and sorts text case-insensitively.
    return value.casefold() if isinstance(value, str) else value


def matches(condition: Condition, row: Row) -> bool:
    """Whether ``row`` satisfies ``condition`` (SOQL null semantics: only = / != see nulls)."""
    if isinstance(condition, Junction):
        if condition.op == "AND":
            return all(matches(part, row) for part in condition.parts)
        return any(matches(part, row) for part in condition.parts)
    actual = row[condition.field]
    if actual is None or condition.value is None:
        if condition.op == "=":
            return actual is condition.value
        if condition.op == "!=":
            return actual is not condition.value
        return False
    return _OPS[condition.op](_fold(actual), _fold(condition.value))


def sort_rows(rows: Sequence[R], order_by: Sequence[OrderKey]) -> list[R]:
    """Rows in ORDER BY order; ties keep their input order (stable, one pass per key)."""
    result = list(rows)
    for key in reversed(order_by):
        null_group = int(key.nulls_first == key.descending)

        def sort_key(row: R, name: str = key.field, ng: int = null_group) -> tuple[object, ...]:
            value = row[name]
            return (ng,) if value is None else (1 - ng, _fold(value))

        result.sort(key=sort_key, reverse=key.descending)
    return result

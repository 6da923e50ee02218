"""A small, strict SOQL dialect: the subset collectors need, and Salesforce's errors for the rest.

Grammar (keywords case-insensitive)::

    SELECT field, ... FROM Object
      [WHERE condition]            condition: field op literal | ( condition ) joined by AND or OR
      [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
      [LIMIT n]

Operators are ``= != < <= > >=``; literals are 'strings', numbers, TRUE, FALSE, NULL and unquoted
datetimes (``2026-11-20T10:00:00Z``, ``.000Z``, ``+00:00``). As in Salesforce, AND and OR cannot be
mixed at one level without parentheses. Unknown objects answer INVALID_TYPE, unknown fields and
mistyped literals INVALID_FIELD, everything else MALFORMED_QUERY. Text compares and sorts
case-insensitively; only ``=`` and ``!=`` see NULLs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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

FieldType = Literal["id", "string", "datetime", "boolean", "number"]

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
class SoqlQuery:
    """A parsed query; field names are the schema's canonical spelling."""

    object_name: str
    fields: tuple[str, ...]
    where: Condition | None
    order_by: tuple[OrderKey, ...]
    limit: int | None


class _SoqlParser(QueryParser[FieldType, str]):
    pattern = _TOKEN
    reserved = _KEYWORDS

    def _error(self, code: str, token: Token, message: str) -> SoqlError:
        return SoqlError(
            code,
            f"\n{self.text}\n{' ' * (token.column - 1)}^\nERROR at Row:1:Column:{token.column}\n"
            f"{message}",
        )

    def unexpected(self, token: Token) -> SoqlError:
        return self._error("MALFORMED_QUERY", token, f"unexpected token: {token.text}")

    def unknown_source(self, token: Token) -> SoqlError:
        return self._error(
            "INVALID_TYPE",
            token,
            f"sObject type '{token.text}' is not supported. If you are attempting to use a custom "
            "object, be sure to append the '__c' after the entity name.",
        )

    def unknown_field(self, token: Token) -> SoqlError:
        return self._error(
            "INVALID_FIELD",
            token,
            f"No such column '{token.text}' on entity '{self.source}'. If you are attempting "
            "to use a custom field, be sure to append the '__c' after the custom field name.",
        )

    def parse(self) -> SoqlQuery:
        fields, where, order_by = self.clauses()
        limit = None
        if self.accept("LIMIT"):
            token = self.take()
            if token.kind != "number" or not token.text.isdigit():
                raise self.unexpected(token)
            limit = int(token.text)
        self.expect_end()
        return SoqlQuery(self.source, tuple(fields), where, order_by, limit)

    def select_list(self) -> list[str]:
        # The whole list is read before the object is known, so a syntax error in it comes first.
        names = self.listed(self.identifier)
        self.expect("FROM")
        self.bind_source()
        return [self.resolve(name) for name in names]

    def condition(self) -> Condition:
        first = self.atom()
        word = self.peek().word
        if word not in ("AND", "OR"):
            return first
        joined = self.joined("AND" if word == "AND" else "OR", self.atom, first)
        if self.peek().word in ("AND", "OR"):
            raise self.unexpected(self.peek())
        return joined

    def comparison(self, field: str) -> Comparison:
        op = self.operator()
        return Comparison(field, op, self.literal(field, op))

    def literal(self, name: str, op: str) -> Value:
        token = self.take()
        field_type = self.schema[name]
        word = token.word
        if word == "NULL":
            if op not in ("=", "!="):
                raise self.unexpected(token)
            return None
        value: Value
        if token.kind == "string" and field_type in ("id", "string"):
            value = re.sub(r"\\(.)", r"\1", token.text[1:-1])
        elif token.kind == "number" and field_type == "number":
            value = float(token.text) if "." in token.text else int(token.text)
        elif word in ("TRUE", "FALSE") and field_type == "boolean":
            value = word == "TRUE"
        elif token.kind == "datetime" and field_type == "datetime":
            value = datetime.fromisoformat(token.text.replace("Z", "+00:00"))
        elif token.kind in ("string", "number", "datetime") or word in ("TRUE", "FALSE"):
            quoted = "should not be" if token.kind == "string" else "must be"
            raise self._error(
                "INVALID_FIELD",
                token,
                f"value of filter criterion for field '{name}' must be of type "
                f"{_WIRE_TYPE[field_type]} and {quoted} enclosed in quotes",
            )
        else:
            raise self.unexpected(token)
        if field_type == "boolean" and op not in ("=", "!="):
            raise self.unexpected(token)
        return value

    def order_field(self, items: Sequence[str]) -> str:
        return self.field()

    def nulls_first(self, descending: bool) -> bool:
        if self.accept("NULLS"):
            return self.expect("FIRST", "LAST") == "FIRST"
        return not descending


def parse_soql(text: str, schemas: Mapping[str, Mapping[str, FieldType]]) -> SoqlQuery:
    """Parse ``text`` against the objects in ``schemas`` (object -> field -> type)."""
    return _SoqlParser(text, schemas).parse()


def _fold(value: Value) -> Value:
    return value.casefold() if isinstance(value, str) else value


def _holds(comparison: Comparison, actual: Value) -> bool:
    expected = comparison.value
    if actual is None or expected is None:
        if comparison.op == "=":
            return actual is expected
        if comparison.op == "!=":
            return actual is not expected
        return False
    return OPERATORS[comparison.op](_fold(actual), _fold(expected))


SOQL = Semantics(holds=_holds, fold=_fold)

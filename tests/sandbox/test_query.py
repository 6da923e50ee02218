"""The shared query skeleton, through a toy dialect: tokens, clauses, binding, evaluation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import pytest

from sandbox.query import (
    OPERATORS,
    Comparison,
    Condition,
    Junction,
    OrderKey,
    QueryParser,
    Semantics,
    Token,
    Value,
)

ToyType = Literal["text", "number"]
SOURCES: dict[str, dict[str, ToyType]] = {"Things": {"Id": "number", "Name": "text"}}


class ToyError(Exception):
    """What the toy dialect refuses, naming the rule and the token's column."""


class Toy(QueryParser[ToyType, str]):
    """AND only, integer literals, NULLs first unless sorted descending."""

    pattern = re.compile(
        r"(?P<ws>\s+)|(?P<number>\d+)|(?P<name>[A-Za-z_]+)|(?P<op>=|<|>)|(?P<punct>[(),])"
    )
    reserved = frozenset({"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "ASC", "DESC"})

    def unexpected(self, token: Token) -> ToyError:
        return ToyError(f"unexpected {token.text} at {token.column}")

    def unknown_source(self, token: Token) -> ToyError:
        return ToyError(f"no source {token.text}")

    def unknown_field(self, token: Token) -> ToyError:
        return ToyError(f"no field {token.text} on {self.source}")

    def select_list(self) -> list[str]:
        names = self.listed(self.identifier)
        self.expect("FROM")
        self.bind_source()
        return [self.resolve(name) for name in names]

    def condition(self) -> Condition:
        return self.joined("AND", self.atom, self.atom())

    def comparison(self, field: str) -> Comparison:
        op = self.operator()
        token = self.take()
        if token.kind != "number":
            raise self.unexpected(token)
        return Comparison(field, op, int(token.text))

    def order_field(self, items: Sequence[str]) -> str:
        return self.field()

    def nulls_first(self, descending: bool) -> bool:
        return not descending

    def parse(self) -> tuple[list[str], Condition | None, tuple[OrderKey, ...]]:
        clauses = self.clauses()
        self.expect_end()
        return clauses


def _holds(comparison: Comparison, actual: Value) -> bool:
    return actual is not None and OPERATORS[comparison.op](actual, comparison.value)


TOY = Semantics(holds=_holds)


def test_names_and_sources_match_case_insensitively_in_the_schemas_spelling() -> None:
    parser = Toy(
        "select id, NAME from things where ID > 1 and (id < 5) order by name desc", SOURCES
    )
    items, where, order_by = parser.parse()
    assert parser.source == "Things"
    assert items == ["Id", "Name"]
    assert where == Junction("AND", (Comparison("Id", ">", 1), Comparison("Id", "<", 5)))
    assert order_by == (OrderKey("Name", descending=True, nulls_first=False),)


def test_a_single_condition_is_not_wrapped_in_a_junction() -> None:
    _, where, order_by = Toy("SELECT Id FROM Things WHERE Id = 3", SOURCES).parse()
    assert where == Comparison("Id", "=", 3)
    assert order_by == ()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("SELECT Id FROM Things WHERE Id = 3 #", "unexpected # at 36"),
        ("SELECT Id FROM Things WHERE", "unexpected <EOF> at 28"),
        ("SELECT Id, FROM Things", "unexpected FROM at 12"),
        ("SELECT Id FROM Nope", "no source Nope"),
        ("SELECT Nope FROM Things", "no field Nope on Things"),
        ("SELECT Id FROM Things WHERE (Id = 3", "unexpected <EOF> at 36"),
        ("SELECT Id FROM Things WHERE Id ( 3", "unexpected ( at 32"),
        ("SELECT Id FROM Things ORDER Id", "unexpected Id at 29"),
        ("SELECT Id FROM Things Id", "unexpected Id at 23"),
    ],
)
def test_refusals_come_from_the_dialect(text: str, error: str) -> None:
    with pytest.raises(ToyError, match=re.escape(error)):
        Toy(text, SOURCES).parse()


def test_skip_past_moves_beyond_the_word_or_refuses_at_the_end() -> None:
    parser = Toy("SELECT a b FROM Things", SOURCES)
    parser.skip_past("FROM")
    assert parser.peek().text == "Things"
    with pytest.raises(ToyError, match="unexpected <EOF> at 23"):
        parser.skip_past("WHERE")


def test_token_words_upper_case_names_only() -> None:
    assert Token("name", "from", 1).word == "FROM"
    assert Token("string", "'from'", 1).word == "'from'"


def test_select_filters_then_sorts_stably_with_nulls_where_each_key_says() -> None:
    rows: list[dict[str, Value]] = [
        {"id": 1, "group": 2, "name": "b"},
        {"id": 2, "group": None, "name": "a"},
        {"id": 3, "group": 1, "name": None},
        {"id": 4, "group": 1, "name": "a"},
        {"id": 5, "group": 2, "name": "b"},
    ]

    def ids(where: Condition | None, *keys: OrderKey) -> list[Value]:
        return [row["id"] for row in TOY.select(rows, where, keys)]

    assert ids(None) == [1, 2, 3, 4, 5]
    assert ids(Comparison("group", ">", 1)) == [1, 5]
    assert ids(None, OrderKey("group", False, True)) == [2, 3, 4, 1, 5]
    assert ids(None, OrderKey("group", False, False)) == [3, 4, 1, 5, 2]
    assert ids(None, OrderKey("group", True, True)) == [2, 1, 5, 3, 4]
    assert ids(None, OrderKey("group", True, False)) == [1, 5, 3, 4, 2]
    assert ids(None, OrderKey("group", False, False), OrderKey("name", True, True)) == [
        3,
        4,
        1,
        5,
        2,
    ]


def test_junctions_evaluate_recursively_and_fold_only_changes_sorting() -> None:
    either = Junction("OR", (Comparison("n", "=", 1), Comparison("n", "=", 3)))
    condition = Junction("AND", (either, Comparison("n", "<", 3)))
    assert [n for n in (1, 2, 3) if TOY.matches(condition, {"n": n})] == [1]
    folded = Semantics(holds=_holds, fold=lambda v: v.casefold() if isinstance(v, str) else v)
    rows: list[dict[str, Value]] = [{"s": "a"}, {"s": "B"}]
    by_s = [OrderKey("s", False, True)]
    assert [r["s"] for r in folded.sort_rows(rows, by_s)] == ["a", "B"]
    assert [r["s"] for r in TOY.sort_rows(rows, by_s)] == ["B", "a"]

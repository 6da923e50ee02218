"""The SOQL and SuiteQL subsets: null semantics, ordering rules, literals and refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sandbox.netsuite.query import SUITEQL, ColumnType, SuiteQLError, parse_suiteql
from sandbox.query import Comparison, Junction, OrderKey, Value
from sandbox.salesforce.query import SOQL, FieldType, SoqlError, parse_soql

SF: dict[str, dict[str, FieldType]] = {
    "Thing": {"Id": "id", "Name": "string", "Score": "number", "When": "datetime"}
}
NS: dict[str, dict[str, ColumnType]] = {
    "thing": {"id": "number", "name": "string", "amount": "decimal", "stamp": "datetime"}
}
LA = ZoneInfo("America/Los_Angeles")


def test_soql_null_semantics_and_case_insensitive_text() -> None:
    rows: list[dict[str, Value]] = [{"Id": "a", "Name": None}, {"Id": "b", "Name": "Acme"}]
    q = parse_soql("select id from thing where name != 'ACME'", SF)
    assert [r["Id"] for r in rows if q.where and SOQL.matches(q.where, r)] == ["a"]
    q = parse_soql("SELECT Id FROM Thing WHERE Name = NULL", SF)
    assert [r["Id"] for r in rows if q.where and SOQL.matches(q.where, r)] == ["a"]
    assert q.fields == ("Id",)


def test_soql_ordering_puts_nulls_first_ascending_and_last_descending() -> None:
    rows: list[dict[str, Value]] = [
        {"Id": "a", "Score": 2},
        {"Id": "b", "Score": None},
        {"Id": "c", "Score": 1},
    ]
    up = parse_soql("SELECT Id FROM Thing ORDER BY Score", SF)
    assert [r["Id"] for r in SOQL.sort_rows(rows, up.order_by)] == ["b", "c", "a"]
    down = parse_soql("SELECT Id FROM Thing ORDER BY Score DESC", SF)
    assert [r["Id"] for r in SOQL.sort_rows(rows, down.order_by)] == ["a", "c", "b"]
    last = parse_soql("SELECT Id FROM Thing ORDER BY Score ASC NULLS LAST", SF)
    assert [r["Id"] for r in SOQL.sort_rows(rows, last.order_by)] == ["c", "a", "b"]


def test_soql_literals() -> None:
    q = parse_soql(
        r"SELECT Id FROM Thing WHERE (Name = 'O\'Brien' OR Score >= 1.5) AND When < "
        "2026-11-20T10:00:00.000+02:00 LIMIT 5",
        SF,
    )
    assert q.limit == 5
    assert isinstance(q.where, Junction)
    inner, when = q.where.parts
    assert isinstance(inner, Junction)
    assert inner.parts[0] == Comparison("Name", "=", "O'Brien")
    assert when == Comparison("When", "<", datetime(2026, 11, 20, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SELECT Id FROM Thing WHERE Score > NULL", "MALFORMED_QUERY"),
        ("SELECT Id FROM Thing LIMIT -1", "MALFORMED_QUERY"),
        ("SELECT Id, FROM Thing", "MALFORMED_QUERY"),
        ("SELECT Id FROM Thing ORDER BY", "MALFORMED_QUERY"),
        ("SELECT Id FROM Thing WHERE When > 2026-11-20", "INVALID_FIELD"),
        ("SELECT Id FROM Thing WHERE Score = TRUE", "INVALID_FIELD"),
    ],
)
def test_soql_refusals(text: str, code: str) -> None:
    with pytest.raises(SoqlError) as err:
        parse_soql(text, SF)
    assert err.value.error_code == code


def test_suiteql_precedence_nulls_and_values() -> None:
    q = parse_suiteql(
        "select ID, name n from THING where id = 1 or id = 2 and amount > 10.5 order by n desc",
        NS,
        LA,
    )
    assert [i.key for i in q.items] == ["id", "n"]
    assert q.order_by == (OrderKey("name", True, True),)
    assert isinstance(q.where, Junction) and q.where.op == "OR"
    rows: list[dict[str, Value]] = [
        {"id": 1, "name": None, "amount": Decimal("1")},
        {"id": 2, "name": "b", "amount": Decimal("20.00")},
        {"id": 3, "name": "c", "amount": Decimal("30")},
    ]
    picked = [r for r in rows if SUITEQL.matches(q.where, r)]
    assert [r["id"] for r in SUITEQL.sort_rows(picked, q.order_by)] == [1, 2]
    up = SUITEQL.sort_rows(rows, [OrderKey("name", False, False)])
    assert [r["id"] for r in up] == [2, 3, 1]


def test_suiteql_to_date_reads_local_time_and_to_char_names_expressions() -> None:
    q = parse_suiteql(
        "SELECT TO_CHAR(stamp, 'YYYY/MM/DD'), TO_CHAR(stamp, 'HH24:MI') FROM thing "
        "WHERE stamp >= TO_DATE('2026-07-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')",
        NS,
        LA,
    )
    assert [(i.key, i.pattern) for i in q.items] == [("expr1", "%Y/%m/%d"), ("expr2", "%H:%M")]
    assert isinstance(q.where, Comparison)
    assert q.where.value == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("SELECT id FROM thing WHERE name = 5", "Invalid comparison"),
        ("SELECT id FROM thing WHERE stamp > 5", "Invalid comparison"),
        ("SELECT TO_CHAR(name, 'YYYY') FROM thing", "TO_CHAR needs a date"),
        ("SELECT id FROM thing ORDER BY nope", "Field 'nope'"),
        ("SELECT id FROM thing FETCH FIRST 5 ROWS ONLY", "Invalid or unsupported"),
        ("SELECT id FROM thing WHERE stamp > TO_DATE('nope', 'YYYY')", "Invalid date"),
    ],
)
def test_suiteql_refusals(text: str, reason: str) -> None:
    with pytest.raises(SuiteQLError, match=reason):
        parse_suiteql(text, NS, LA)

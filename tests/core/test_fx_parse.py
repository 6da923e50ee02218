"""The ECB's reference-rate files in both formats, and one clear error for a malformed one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.fx.rates import FxError
from core.fx.source import parse_rates, read_source

XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" \
xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='2026-12-03'>
			<Cube currency='USD' rate='1.0812'/>
			<Cube currency='JPY' rate='162.59'/>
			<Cube currency='GBP' rate='0.85370'/>
		</Cube>
		<Cube time='2026-12-02'>
			<Cube currency='USD' rate='1.0790'/>
			<Cube currency='JPY' rate='161.88'/>
			<Cube currency='GBP' rate='0.85210'/>
		</Cube>
	</Cube>
</gesmes:Envelope>
"""

DAILY_CSV = "Date, USD, JPY, BGN, GBP, \n03 December 2026, 1.0812, 162.59, 1.9558, 0.85370, \n"
HIST_CSV = (
    "Date,USD,JPY,CYP,GBP,\n"
    "2026-12-03,1.0812,162.59,N/A,0.85370,\n"
    "2026-12-02,1.0790,161.88,N/A,0.85210,\n"
)


def parsed(text: str, tmp_path: Path, name: str) -> dict[date, dict[str, Decimal]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_rates(read_source(str(path)), str(path))


def error(text: str, tmp_path: Path, name: str) -> str:
    with pytest.raises(FxError) as info:
        parsed(text, tmp_path, name)
    return str(info.value)


def test_the_xml_format_reads_every_day_as_exact_decimals(tmp_path: Path) -> None:
    table = parsed(XML, tmp_path, "eurofxref-hist-90d.xml")
    assert table == {
        date(2026, 12, 3): {
            "USD": Decimal("1.0812"), "JPY": Decimal("162.59"), "GBP": Decimal("0.85370"),
        },
        date(2026, 12, 2): {
            "USD": Decimal("1.0790"), "JPY": Decimal("161.88"), "GBP": Decimal("0.85210"),
        },
    }  # fmt: skip
    assert str(table[date(2026, 12, 3)]["GBP"]) == "0.85370"


def test_the_daily_csv_with_spaces_and_a_spelled_out_date(tmp_path: Path) -> None:
    table = parsed(DAILY_CSV, tmp_path, "eurofxref.csv")
    assert table == {
        date(2026, 12, 3): {
            "USD": Decimal("1.0812"), "JPY": Decimal("162.59"), "BGN": Decimal("1.9558"),
            "GBP": Decimal("0.85370"),
        }
    }  # fmt: skip


def test_the_history_csv_skips_currencies_marked_not_available(tmp_path: Path) -> None:
    table = parsed(HIST_CSV, tmp_path, "eurofxref-hist.csv")
    assert set(table) == {date(2026, 12, 3), date(2026, 12, 2)}
    assert all(set(rates) == {"USD", "JPY", "GBP"} for rates in table.values())
    assert table[date(2026, 12, 2)]["JPY"] == Decimal("161.88")


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (XML.replace("rate='162.59'", "rate='162,59'"),
         ":10: Cube currency='JPY': rate '162,59' is not a positive decimal number"),
        (XML.replace("time='2026-12-02'", "time='2 Dec 2026'"),
         ":13: Cube time='2 Dec 2026' is not a date such as 2026-12-03"),
        (XML.replace("currency='GBP' rate='0.85210'", "currency='GB' rate='0.85210'"),
         ":16: currency 'GB' is not a three-letter ISO 4217 code"),
        (XML.replace("</gesmes:Envelope>", ""), ":20: not well-formed XML (no element found)"),
        (XML.replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'),
         ":1: a DOCTYPE is not accepted"),
    ],
    ids=["decimal-comma", "bad-date", "bad-currency", "truncated", "doctype"],
)  # fmt: skip
def test_a_malformed_xml_file_is_one_error_naming_file_line_and_problem(
    tmp_path: Path, broken: str, expected: str
) -> None:
    message = error(broken, tmp_path, "rates.xml")
    assert message.startswith(f"{tmp_path / 'rates.xml'}{expected}")
    assert "nothing was loaded" in message


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (HIST_CSV.replace("1.0790", "n/a?"), ":3: USD: rate 'n/a?' is not a positive decimal"),
        (HIST_CSV.replace("2026-12-02", "2026-13-02"), ":3: date '2026-13-02' is neither"),
        (HIST_CSV.replace(",0.85210,", ","), ":3: 4 columns where the header has 5"),
        (HIST_CSV.replace("2026-12-02", "2026-12-03"), ":3: 2026-12-03 is given twice"),
        (DAILY_CSV.replace("03 December", "03 Decembre"), ":2: date '03 Decembre 2026' is"),
        ("Date, USD, EUR, \n03 December 2026, 1.08, 1, \n", ":1: EUR is the base"),
    ],
    ids=["bad-rate", "bad-date", "short-row", "twice", "bad-month", "euro-column"],
)
def test_a_malformed_csv_file_is_one_error_naming_file_line_and_problem(
    tmp_path: Path, broken: str, expected: str
) -> None:
    message = error(broken, tmp_path, "rates.csv")
    assert message.startswith(f"{tmp_path / 'rates.csv'}{expected}")


def test_a_file_in_neither_format_or_missing_is_named(tmp_path: Path) -> None:
    assert "is neither ECB XML" in error('{"USD": 1.08}', tmp_path, "rates.json")
    with pytest.raises(FxError, match=r"nowhere\.xml: no such file; nothing was loaded"):
        read_source(str(tmp_path / "nowhere.xml"))
    with pytest.raises(FxError, match="only a file path or an http"):
        read_source("ftp://example.com/eurofxref.xml")

"""The ECB reference-rate XML (eurofxref-daily.xml, -hist-90d.xml, -hist.xml).

``gesmes:Envelope`` holds one ``Cube``, which holds a ``Cube time="YYYY-MM-DD"`` per day, each
holding ``Cube currency="USD" rate="1.0812"`` per currency. The document is read with expat
and refuses any DOCTYPE, so no entity can be declared or expanded.
"""

from __future__ import annotations

from datetime import date
from xml.parsers import expat

from core.fx.rates import FxError, RateTable, add_rate, read_currency, read_rate

_ROOT = "Envelope"
_CUBE = "Cube"


class _Reader:
    """Expat handlers that collect the rates, with the line of anything wrong."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.table: RateTable = {}
        self.day: date | None = None
        self.root_seen = False
        self.cubes: list[str] = []
        """The kind of each open Cube: outer, day or rate."""

    def _where(self) -> str:
        return f"{self.origin}:{self.parser.CurrentLineNumber}"

    def _doctype(self, *_: object) -> None:
        raise FxError(self._where(), "a DOCTYPE is not accepted in ECB reference rates")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if not self.root_seen:
            self.root_seen = True
            if local != _ROOT:
                raise FxError(
                    self._where(),
                    f"root element <{local}> is not gesmes:Envelope (ECB reference rates)",
                )
            return
        if local != _CUBE:
            return
        if "time" in attrs:
            self._open_day(attrs["time"])
            self.cubes.append("day")
        elif "currency" in attrs or "rate" in attrs:
            self._rate(attrs)
            self.cubes.append("rate")
        else:
            self.cubes.append("outer")

    def _open_day(self, text: str) -> None:
        where = self._where()
        if self.day is not None:
            raise FxError(where, f"Cube time={text!r} is inside another Cube time")
        try:
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise FxError(where, f"Cube time={text!r} is not a date such as 2026-12-03") from None
        if day in self.table:
            raise FxError(where, f"Cube time={text!r} is given twice")
        self.table[day] = {}
        self.day = day

    def _rate(self, attrs: dict[str, str]) -> None:
        where = self._where()
        if self.day is None:
            raise FxError(where, "Cube currency=… is outside a Cube time=… (no date for it)")
        if "currency" not in attrs or "rate" not in attrs:
            raise FxError(where, "a Cube needs both currency= and rate=")
        element = f"{where}: Cube currency={attrs['currency']!r}"
        currency = read_currency(attrs["currency"], where)
        add_rate(self.table, self.day, currency, read_rate(attrs["rate"], element), where)

    def _end(self, name: str) -> None:
        if name.rsplit(" ", 1)[-1] != _CUBE or not self.cubes:
            return
        if self.cubes.pop() == "day" and self.day is not None:
            if not self.table[self.day]:
                raise FxError(self._where(), f"Cube time='{self.day.isoformat()}' holds no rates")
            self.day = None


def parse_ecb_xml(data: bytes, origin: str) -> RateTable:
    """The rates in ``data``, an ECB reference-rate XML document read from ``origin``."""
    reader = _Reader(origin)
    try:
        reader.parser.Parse(data, True)
    except expat.ExpatError as exc:
        reason = expat.ErrorString(exc.code)
        raise FxError(f"{origin}:{exc.lineno}", f"not well-formed XML ({reason})") from None
    if not reader.table:
        raise FxError(origin, "no Cube time=… element: this is not ECB reference rates")
    return reader.table

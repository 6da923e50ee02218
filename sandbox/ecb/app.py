"""The ECB's reference-rate files over HTTP: ``/stats/eurofxref/eurofxref-daily.xml``,
``eurofxref-hist-90d.xml`` and ``eurofxref-hist.xml``, in the ECB's XML format, for every
currency the world uses and every business day of its history up to the clock's now."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import quoteattr

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.ecb.rates import published_days, rate_table, world_currencies

PATH = "/stats/eurofxref/{name}"
_SPANS: dict[str, int | None] = {
    "eurofxref-daily.xml": 1,
    "eurofxref-hist-90d.xml": 90,
    "eurofxref-hist.xml": None,
}
"""Each file's span: its latest day only, the last 90 days, or the whole history."""
_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">\n'
    "\t<gesmes:subject>Reference rates</gesmes:subject>\n"
    "\t<gesmes:Sender>\n\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n"
    "\t<Cube>\n"
)
_TAIL = "\t</Cube>\n</gesmes:Envelope>\n"


def render_xml(table: list[tuple[date, dict[str, Decimal]]]) -> str:
    """Rates per day as the ECB's reference-rate XML."""
    out = [_HEAD]
    for day, rates in table:
        out.append(f"\t\t<Cube time='{day.isoformat()}'>\n")
        out.extend(
            f"\t\t\t<Cube currency={quoteattr(code)} rate='{rate}'/>\n"
            for code, rate in rates.items()
        )
        out.append("\t\t</Cube>\n")
    out.append(_TAIL)
    return "".join(out)


def create_ecb_app(world: World, clock: SimulatedClock, first: date) -> Starlette:
    """The reference-rate files of ``world``'s currencies from ``first`` to the clock's now."""
    currencies = world_currencies(world)

    async def rates_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _SPANS:
            return PlainTextResponse("Not Found", status_code=404)
        days = published_days(first, clock.now())
        span = _SPANS[name]
        if span is not None and days:
            days = [d for d in days if d > days[0] - timedelta(days=span)]
        body = render_xml(rate_table(currencies, days))
        return Response(body, media_type="text/xml")

    return Starlette(routes=[Route(PATH, rates_file)])

"""Collection: a whole sandbox world over HTTP through the real connectors into PostgreSQL.

The sandbox holds its world in memory, so it runs in a process of its own; each size is
collected by a fresh process, whose peak RSS is therefore the collector's alone. The baseline,
in the same run and the same process: the same list pages of Stripe invoices and Salesforce
accounts fetched by a bare httpx loop that neither parses records nor stores them, so what
parsing and storing add is visible. (The invoice stream also sweeps the events of the last
five minutes after its backfill: one more request.)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from dataclasses import asdict, dataclass, field
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import httpx
import psutil

from benchmarks.common import DEFAULT_SERVER, scratch_database
from collectors.base import Page
from collectors.registry import build_connector
from collectors.runner import collect_source
from collectors.salesforce.connector import build_connector as build_salesforce
from collectors.salesforce.streams import SoqlStream
from core.clock import Clock
from core.config import Settings, load_settings
from core.config.sources import SalesforceSource, StripeSource, ZendeskSource
from core.database import Database
from sandbox.credentials import SandboxCredentials
from sandbox.generator import WorldSpec
from sandbox.server import SandboxEndpoints, SandboxPorts, serve
from testkit.running_sandbox import NOW, profile_with
from testkit.sandbox_settings import CONFIG

EXPORTS_PER_MINUTE = 1_000_000
"""Zendesk's export limit, raised on both sides so pacing does not stand in for work."""
STRIPE_PAGE = 100
SALESFORCE_BATCH = 2000


@dataclass
class Figures:
    """What one collection measured."""

    seconds: dict[str, float] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    stream_seconds: dict[str, float] = field(default_factory=dict)
    stream_records: dict[str, int] = field(default_factory=dict)
    raw_seconds: dict[str, float] = field(default_factory=dict)
    raw_items: dict[str, int] = field(default_factory=dict)
    rss_after_imports_mib: float = 0.0
    peak_rss_mib: float = 0.0


def serve_sandbox(accounts: int, seed: int, log_dir: Path, ready: Queue[dict[str, str]]) -> None:
    """Generate the world and serve it on free loopback ports until SIGTERM."""
    profile = profile_with(
        "default", accounts=accounts, zendesk_export_per_minute=EXPORTS_PER_MINUTE
    )

    def announce(endpoints: SandboxEndpoints) -> None:
        ready.put({k: str(v) for k, v in asdict(endpoints).items()})

    ports = SandboxPorts(salesforce=0, stripe=0, netsuite=0, zendesk=0, slack=0, ecb=0)
    spec = WorldSpec(seed=seed, profile=profile, now=NOW)
    serve(spec, log_dir=log_dir, ports=ports, on_ready=announce)


def sandbox_settings(urls: dict[str, str], workdir: Path) -> Settings:
    """The tests' sandbox configuration, its secrets in the environment, exports unthrottled."""
    creds = SandboxCredentials()
    os.environ.update(
        T_SF_ID=creds.salesforce.client_id,
        T_SF_SECRET=creds.salesforce.client_secret,
        T_STRIPE_KEY=creds.stripe.api_key,
        T_NS_CK=creds.netsuite.consumer_key,
        T_NS_CS=creds.netsuite.consumer_secret,
        T_NS_TID=creds.netsuite.token_id,
        T_NS_TS=creds.netsuite.token_secret,
        T_ZD_TOKEN=creds.zendesk.api_token,
    )
    path = workdir / "syncwatch.yaml"
    text = CONFIG.format(
        salesforce=urls["salesforce"],
        stripe=urls["stripe"],
        netsuite=urls["netsuite"],
        zendesk=urls["zendesk"],
        account_id=creds.netsuite.account_id,
        zendesk_email=creds.zendesk.email,
        log_dir=urls["log_dir"],
    )
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    sources = {
        name: source.model_copy(update={"exports_per_minute": EXPORTS_PER_MINUTE})
        if isinstance(source, ZendeskSource)
        else source
        for name, source in settings.sources.items()
    }
    return settings.model_copy(update={"sources": sources})


class PageTimer:
    """The runner's ``on_page`` hook: time and records since the previous page, per stream."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self.started = self.last = time.perf_counter()

    def __call__(self, source: str, stream: str, page: Page) -> None:
        """Charge the time since the previous page (or the source's start) to this stream."""
        now, key = time.perf_counter(), f"{source} {stream}"
        seconds, records = self.figures.stream_seconds, self.figures.stream_records
        seconds[key] = seconds.get(key, 0.0) + now - self.last
        records[key] = records.get(key, 0) + len(page.records) + len(page.events)
        self.last = now


def collect(settings: Settings, db: Database, figures: Figures) -> None:
    """Poll every source once, timing each source and each stream's pages."""
    clock = Clock(NOW)
    for name, source in settings.sources.items():
        timer = PageTimer(figures)
        connector = build_connector(name, source, clock=clock)
        try:
            outcome = collect_source(db, connector, clock=clock, on_page=timer)
        finally:
            connector.close()
        figures.seconds[name] = time.perf_counter() - timer.started
        figures.records[name] = sum(s.records for s in outcome.streams)
        assert all(s.status != "failed" for s in outcome.streams), outcome.streams


def raw_stripe_invoices(settings: Settings, figures: Figures) -> None:
    """Page through /v1/invoices with a bare client, reading only what paging needs."""
    source = settings.sources["stripe"]
    assert isinstance(source, StripeSource)
    headers = {"Authorization": f"Bearer {SandboxCredentials().stripe.api_key}"}
    items, started = 0, time.perf_counter()
    with httpx.Client(base_url=source.base_url, headers=headers, timeout=60) as client:
        params: dict[str, Any] = {"limit": STRIPE_PAGE}
        while True:
            body = client.get("/v1/invoices", params=params).raise_for_status().json()
            items += len(body["data"])
            if not body["has_more"]:
                break
            params["starting_after"] = body["data"][-1]["id"]
    figures.raw_seconds["stripe invoices"] = time.perf_counter() - started
    figures.raw_items["stripe invoices"] = items


def raw_salesforce_accounts(settings: Settings, figures: Figures) -> None:
    """Log in, run the connector's own Account query and follow nextRecordsUrl, bare."""
    source = settings.sources["salesforce"]
    assert isinstance(source, SalesforceSource)
    connector = build_salesforce(
        "salesforce", source, clock=Clock(NOW), batch_size=SALESFORCE_BATCH
    )
    try:
        stream = connector.streams()[0]
        assert isinstance(stream, SoqlStream) and stream.name == "accounts"
        soql = stream.soql(None)
    finally:
        connector.close()
    creds = SandboxCredentials().salesforce
    items, started = 0, time.perf_counter()
    with httpx.Client(timeout=60) as client:
        login = client.post(
            f"{source.base_url.rstrip('/')}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            },
        ).raise_for_status()
        token, instance = login.json()["access_token"], login.json()["instance_url"]
        headers = {
            "Authorization": f"Bearer {token}",
            "Sforce-Query-Options": f"batchSize={SALESFORCE_BATCH}",
        }
        url: str | None = f"{instance}/services/data/v{source.api_version}/queryAll"
        params: dict[str, str] | None = {"q": soql}
        while url is not None:
            body = client.get(url, params=params, headers=headers).raise_for_status().json()
            items += len(body["records"])
            next_url = body.get("nextRecordsUrl")
            url, params = (f"{instance}{next_url}" if next_url else None), None
    figures.raw_seconds["salesforce accounts"] = time.perf_counter() - started
    figures.raw_items["salesforce accounts"] = items


def collector_process(
    urls: dict[str, str], database_url: str, workdir: Path, results: Queue[dict[str, Any]]
) -> None:
    """Collect the served world into the database, then fetch the baseline pages bare."""
    figures = Figures(rss_after_imports_mib=psutil.Process().memory_info().rss / 2**20)
    settings = sandbox_settings(urls, workdir)
    collect(settings, Database(database_url), figures)
    figures.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    raw_stripe_invoices(settings, figures)
    raw_salesforce_accounts(settings, figures)
    results.put(asdict(figures))


def measure(accounts: int, seed: int, server: str) -> tuple[Figures, float]:
    """Serve a world of ``accounts``, collect it in a fresh process; figures and sandbox RSS."""
    spawn = multiprocessing.get_context("spawn")
    ready: Queue[dict[str, str]] = spawn.Queue()
    results: Queue[dict[str, Any]] = spawn.Queue()
    with (
        tempfile.TemporaryDirectory(prefix="collect-bench-") as tmp,
        scratch_database(server) as db,
    ):
        workdir = Path(tmp)
        sandbox = spawn.Process(
            target=serve_sandbox, args=(accounts, seed, workdir / "logs", ready), daemon=True
        )
        sandbox.start()
        try:
            urls = ready.get(timeout=900)
            collector = spawn.Process(
                target=collector_process, args=(urls, db.url, workdir, results)
            )
            collector.start()
            figures = Figures(**results.get(timeout=3600))
            collector.join()
            sandbox_rss = psutil.Process(sandbox.pid).memory_info().rss / 2**20
        finally:
            sandbox.terminate()
            sandbox.join(30)
    return figures, sandbox_rss


def report(accounts: int, figures: Figures, sandbox_rss: float) -> None:
    """Print one size's figures, each beside its baseline."""
    total, seconds = sum(figures.records.values()), sum(figures.seconds.values())
    print(f"\n{accounts:,} accounts: {total:,} records + log events in {seconds:.1f} s, "
          f"{total / seconds:,.0f} records/s")  # fmt: skip
    for name, took in figures.seconds.items():
        count = figures.records[name]
        print(f"  {name:<12} {count:>9,} records {took:7.1f} s {count / took:>9,.0f} records/s")
    for key, raw in figures.raw_seconds.items():
        took, count = figures.stream_seconds[key], figures.stream_records[key]
        items = figures.raw_items[key]
        print(f"  {key:<20} connector {count:>8,} in {took:5.1f} s {count / took:>8,.0f}/s   "
              f"bare httpx {items:>8,} in {raw:5.1f} s {items / raw:>8,.0f}/s   "
              f"{took / raw * items / count:.2f}× raw HTTP per record")  # fmt: skip
    print(f"  collector peak RSS {figures.peak_rss_mib:.0f} MiB "
          f"({figures.rss_after_imports_mib:.0f} MiB after imports); "
          f"sandbox process (not counted) {sandbox_rss:.0f} MiB")  # fmt: skip


def main() -> None:
    """Run the benchmark at each size and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, nargs="+", default=[10_000, 25_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--server", default=DEFAULT_SERVER)
    args = parser.parse_args()
    peaks = []
    for accounts in args.accounts:
        figures, sandbox_rss = measure(accounts, args.seed, args.server)
        report(accounts, figures, sandbox_rss)
        peaks.append(f"{accounts:,} accounts {figures.peak_rss_mib:.0f} MiB")
    print(f"\ncollector peak RSS by size: {', '.join(peaks)}")


if __name__ == "__main__":
    main()

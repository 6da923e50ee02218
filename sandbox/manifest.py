"""The ground-truth manifest: every metric and exception the product should report at ``now``.

It streams over the generator's bundles and never imports the product's metric code, so it
is an independent statement of what the numbers must be (see docs/sandbox.md for the exact
definitions). Its JSON shape is the one ``syncwatch status --json`` and ``syncwatch
exceptions --json`` print, plus the list of records the simulators render malformed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sandbox.generator import WorldSpec, iter_bundles
from sandbox.model import AccountBundle, FlowName, LogEvent
from sandbox.profile import Profile
from sandbox.truth_flows import FLOW_NAMES, SLA, FlowItem, flow_items, percentile_cont
from sandbox.truth_records import (
    WINDOW,
    CustomerRef,
    LinkCheck,
    LogTally,
    latest_posting_lines,
    malformed_records,
    tally_logs,
)

LabelKey = tuple[tuple[str, str], ...]
AGE_BUCKETS = (("lt_1h", 3600), ("1h_24h", 86400), ("1d_7d", 604800), ("gt_7d", None))
_UNITS = {
    "sync_lag_seconds": "seconds",
    "sync_backlog_oldest_seconds": "seconds",
    "sla_attainment": "ratio",
    "sync_error_rate": "ratio",
    "sync_retry_rate": "ratio",
}
_ACCOUNT_FLOW_SYSTEM: dict[FlowName, str] = {
    "account_crm_to_erp": "netsuite",
    "account_crm_to_billing": "stripe",
}
_POSTING_FAILED = ("failed", "dead_letter")
# Per posting flow: the metric of items whose latest attempt failed, and of those never logged.
_POSTING_METRICS: dict[FlowName, tuple[str, str]] = {
    "invoice_billing_to_erp": ("posting_failures", "silent_misses"),
    "payment_billing_to_erp": ("payment_posting_failures", "payment_silent_misses"),
}


def iso_z(instant: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, milliseconds only when the instant has them."""
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    if instant.microsecond:
        text += f".{instant.microsecond // 1000:03d}"
    return text + "Z"


def age_bucket(seconds: float) -> str:
    """The ``age_bucket`` label of an invoice that has waited ``seconds`` since finalization."""
    for name, limit in AGE_BUCKETS:
        if limit is None or seconds < limit:
            return name
    raise AssertionError("the last bucket is unbounded")


def _unit(name: str) -> str:
    if name in _UNITS:
        return _UNITS[name]
    return "minor" if name.endswith(("_amount", "_arr")) else "count"


def _labels(**labels: str) -> LabelKey:
    return tuple(sorted(labels.items()))


class GroundTruth:
    """Accumulates the manifest bundle by bundle; ``result`` renders it.

    ``tolerance`` is the amount-mismatch tolerance in minor units per currency (0 when absent).
    """

    def __init__(
        self, now: datetime, seed: int, profile: Profile, tolerance: Mapping[str, int]
    ) -> None:
        self.now, self.seed, self.profile = now, seed, profile
        self.tolerance = tolerance
        self._values: dict[tuple[str, LabelKey], float] = {}
        self._lags: dict[FlowName, list[float]] = {flow: [] for flow in FLOW_NAMES}
        self._within_sla: dict[FlowName, int] = dict.fromkeys(FLOW_NAMES, 0)
        self._logs = {flow: LogTally() for flow in FLOW_NAMES}
        self._links = LinkCheck()
        self._exceptions: list[tuple[Any, ...]] = []
        self._malformed: list[dict[str, str]] = []
        for flow in FLOW_NAMES:
            for name in (
                "sync_backlog",
                "sync_backlog_oldest_seconds",
                "sla_breaches",
                "clock_skew_items",
            ):
                self._values[name, _labels(flow=flow)] = 0
        for system in ("netsuite", "stripe"):
            self._values["unmatched_accounts", _labels(system=system)] = 0
        for name in (m for pair in _POSTING_METRICS.values() for m in pair):
            for bucket, _ in AGE_BUCKETS:
                self._values[name, _labels(age_bucket=bucket)] = 0
        self._values["stuck_amendments", ()] = 0
        self._values["amount_mismatches", ()] = 0

    def add(self, bundle: AccountBundle) -> None:
        """Take one account's bundle into account."""
        latest = latest_posting_lines(bundle, self.now)
        for item in flow_items(bundle, self.now):
            self._flow_item(item, latest)
        self._links.add(bundle, self.now)
        tally_logs(bundle, self.now, self._logs)
        self._malformed.extend(malformed_records(bundle, self.now, self.seed, self.profile))

    def _count(
        self,
        name: str,
        labels: LabelKey,
        item: FlowItem | None = None,
        money: str = "",
        amount: int | None = None,
    ) -> None:
        """Count one item, adding ``amount`` (default: the item's) to its ``money`` metric."""
        self._values[name, labels] = self._values.get((name, labels), 0) + 1
        if item is not None and money:
            # Money is labelled by currency (never summed across currencies), not by age.
            kept = [kv for kv in labels if kv[0] != "age_bucket"]
            key = (money, tuple(sorted([*kept, ("currency", item.currency)])))
            added = item.amount_minor if amount is None else amount
            self._values[key] = self._values.get(key, 0) + added

    def _exception(
        self,
        metric: str,
        labels: LabelKey,
        item: FlowItem,
        first_seen: datetime,
        amount: int | None = None,
    ) -> None:
        self._exceptions.append(
            (
                metric,
                labels,
                item.system,
                item.object_type,
                item.external_id,
                item.amount_minor if amount is None else amount,
                item.currency,
                first_seen,
            )
        )

    def _flow_item(self, item: FlowItem, latest: dict[tuple[FlowName, str], LogEvent]) -> None:
        now, flow = self.now, item.flow
        sla = SLA[flow]
        lag = item.lag_seconds(now)
        labels = _labels(flow=flow)
        if item.source_time > now - WINDOW:
            self._lags[flow].append(lag)
            self._within_sla[flow] += lag <= sla.total_seconds()
        if item.target_time is None:
            self._count("sync_backlog", labels, item, "sync_backlog_amount")
            self._exception("sync_backlog", labels, item, item.source_time)
            oldest = ("sync_backlog_oldest_seconds", labels)
            self._values[oldest] = max(
                self._values[oldest], (now - item.source_time).total_seconds()
            )
            if lag > sla.total_seconds():
                self._breach(item, labels, item.source_time + sla)
            if flow in _POSTING_METRICS:
                self._posting(item, latest.get((flow, item.external_id)))
            return
        if item.skewed:
            self._count("clock_skew_items", labels)
            self._exception("clock_skew_items", labels, item, item.target_time)
        if flow == "invoice_billing_to_erp":
            difference = self._mismatch(item)
            if difference is not None:
                self._count(
                    "amount_mismatches", (), item, "amount_mismatches_amount", abs(difference)
                )
                self._exception("amount_mismatches", (), item, item.target_time, difference)

    def _mismatch(self, item: FlowItem) -> int | None:
        """Billing minus ERP when the totals differ by more than the tolerance; the whole
        billing total when the ERP books another currency; None when they agree."""
        if item.target_currency != item.currency or item.target_amount_minor is None:
            return item.amount_minor
        difference = item.amount_minor - item.target_amount_minor
        return difference if abs(difference) > self.tolerance.get(item.currency, 0) else None

    def _breach(self, item: FlowItem, labels: LabelKey, since: datetime) -> None:
        self._count("sla_breaches", labels, item, "sla_breaches_amount")
        self._exception("sla_breaches", labels, item, since)
        if item.flow in _ACCOUNT_FLOW_SYSTEM:
            system = _labels(system=_ACCOUNT_FLOW_SYSTEM[item.flow])
            self._count("unmatched_accounts", system, item, "unmatched_accounts_arr")
            self._exception("unmatched_accounts", system, item, since)
        elif item.flow == "amendment_crm_to_billing":
            self._count("stuck_amendments", (), item, "stuck_amendments_amount")
            self._exception("stuck_amendments", (), item, since)

    def _posting(self, item: FlowItem, last_line: LogEvent | None) -> None:
        """A missing invoice or payment whose latest attempt failed, or that nobody logged."""
        failed, silent = _POSTING_METRICS[item.flow]
        sla = SLA[item.flow]
        age = (self.now - item.source_time).total_seconds()
        bucket = _labels(age_bucket=age_bucket(age))
        if last_line is not None and last_line.status in _POSTING_FAILED:
            self._count(failed, bucket, item, f"{failed}_amount")
            self._exception(failed, bucket, item, last_line.ts)
        elif last_line is None and age > sla.total_seconds():
            self._count(silent, bucket, item, f"{silent}_amount")
            self._exception(silent, bucket, item, item.source_time + sla)

    def _customer_metrics(self) -> None:
        self._links.finish()
        for name, found in (
            ("orphan_customers", self._links.orphans),
            ("duplicate_customers", self._links.duplicates),
        ):
            for system in ("netsuite", "stripe"):
                self._values[name, _labels(system=system)] = 0
            for ref in found:
                self._customer(name, ref)

    def _customer(self, metric: str, ref: CustomerRef) -> None:
        labels = _labels(system=ref.system)
        self._values[metric, labels] += 1
        for currency, amount in ref.open:
            key = (f"{metric}_amount", _labels(system=ref.system, currency=currency))
            self._values[key] = self._values.get(key, 0) + amount
        balance, balance_currency = ref.balance()
        self._exceptions.append(
            (metric, labels, ref.system, "customer", ref.id, balance, balance_currency, ref.created)
        )

    def _lag_and_log_metrics(self) -> None:
        for flow in FLOW_NAMES:
            labels = _labels(flow=flow)
            lags = sorted(self._lags[flow])
            if lags:
                for quantile, value in (
                    ("p50", percentile_cont(lags, 0.5)),
                    ("p95", percentile_cont(lags, 0.95)),
                    ("max", lags[-1]),
                ):
                    self._values["sync_lag_seconds", _labels(flow=flow, quantile=quantile)] = float(
                        value
                    )
                self._values["sla_attainment", labels] = self._within_sla[flow] / len(lags)
            logs = self._logs[flow]
            self._values["sync_attempts", labels] = logs.attempts
            self._values["sync_dead_letters", labels] = logs.dead_letters
            if logs.attempts:
                self._values["sync_error_rate", labels] = logs.errors / logs.attempts
                self._values["sync_retry_rate", labels] = logs.retries / logs.attempts

    def result(self) -> dict[str, Any]:
        """The manifest as a JSON-ready dict, every list in a deterministic order."""
        self._customer_metrics()
        self._lag_and_log_metrics()
        metrics = []
        for (name, labels), value in sorted(self._values.items()):
            unit = _unit(name)
            rendered = float(value) if unit in ("seconds", "ratio") else int(value)
            metrics.append({"name": name, "labels": dict(labels), "value": rendered, "unit": unit})
        exceptions = [
            {
                "metric": e[0],
                "labels": dict(e[1]),
                "system": e[2],
                "object_type": e[3],
                "external_id": e[4],
                "amount_minor": e[5],
                "currency": e[6],
                "first_seen": iso_z(e[7]),
            }
            for e in sorted(self._exceptions, key=lambda e: e[:5])
        ]
        malformed = sorted(
            self._malformed, key=lambda m: (m["system"], m["object_type"], m["external_id"])
        )
        return {
            "evaluated_at": iso_z(self.now),
            "seed": self.seed,
            "profile": self.profile.name,
            "metrics": metrics,
            "exceptions": exceptions,
            "malformed": malformed,
        }


def manifest_from_bundles(
    bundles: Iterable[AccountBundle],
    now: datetime,
    seed: int,
    profile: Profile,
    tolerance: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The manifest of the world made of ``bundles``, evaluated at ``now``, with amount
    mismatches judged by ``tolerance`` (minor units per currency; default exact)."""
    truth = GroundTruth(now, seed, profile, tolerance or {})
    for bundle in bundles:
        truth.add(bundle)
    return truth.result()


def build_manifest(
    spec: WorldSpec, now: datetime | None = None, tolerance: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The manifest of ``spec``'s world at ``now`` (default: the spec's own ``now``)."""
    return manifest_from_bundles(
        iter_bundles(spec), now or spec.now, spec.seed, spec.profile, tolerance
    )

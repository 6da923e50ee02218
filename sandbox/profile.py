"""Fault profiles: how often the simulated company's synchronisation goes wrong, and how.

A profile is a YAML document (or one of the built-in names) validated by these models. Data
faults change the world itself and so the ground truth; transport faults change only how the
HTTP simulators answer, never what the world holds.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from core.durations import Duration, PositiveDuration

Share = float
SystemName = Literal["salesforce", "stripe", "netsuite", "zendesk"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DelayDistribution(_Model):
    """Log-normal sync delay of a flow, described by its median and 95th percentile."""

    median: PositiveDuration
    p95: PositiveDuration


def _delays() -> dict[str, DelayDistribution]:
    def d(median: str, p95: str) -> DelayDistribution:
        return DelayDistribution.model_validate({"median": median, "p95": p95})

    return {
        "account_crm_to_erp": d("20m", "6h"),
        "account_crm_to_billing": d("10m", "3h"),
        "amendment_crm_to_billing": d("15m", "2h"),
        "invoice_billing_to_erp": d("4m", "40m"),
        "payment_billing_to_erp": d("30m", "8h"),
    }


class DataFaults(_Model):
    """Shares (0..1) of items that go wrong in the data; each knob is one failure mode."""

    never_synced_erp: Share = Field(
        0.02, ge=0, le=1, description="accounts never created in the ERP"
    )
    never_synced_billing: Share = Field(
        0.01, ge=0, le=1, description="accounts never created in billing"
    )
    duplicate_erp_customers: Share = Field(
        0.01, ge=0, le=1, description="accounts with a second ERP customer"
    )
    orphan_erp_customers: Share = Field(
        0.01, ge=0, le=1, description="ERP customers naming no live account"
    )
    orphan_billing_customers: Share = Field(
        0.005, ge=0, le=1, description="billing customers naming no live account"
    )
    deleted_accounts: Share = Field(0.01, ge=0, le=1, description="accounts deleted in the CRM")
    stuck_amendments: Share = Field(
        0.06, ge=0, le=1, description="approved amendments never applied in billing"
    )
    posting_failed: Share = Field(0.01, ge=0, le=1, description="invoices whose ERP posting failed")
    posting_dead_letter: Share = Field(
        0.005, ge=0, le=1, description="invoices dead-lettered by the middleware"
    )
    posting_failed_then_succeeded: Share = Field(
        0.02, ge=0, le=1, description="invoices posted after failures"
    )
    silent_misses: Share = Field(
        0.005, ge=0, le=1, description="invoices never posted and never logged"
    )
    amount_mismatches: Share = Field(
        0.005, ge=0, le=1, description="ERP invoices with a different total"
    )
    payment_not_synced: Share = Field(
        0.01, ge=0, le=1, description="payments never marked paid in the ERP"
    )
    # Off by default: drawing it would reshuffle every default world the demo and tests know.
    payment_failed_then_synced: Share = Field(
        0.0, ge=0, le=1, description="payments marked paid in the ERP after failed attempts"
    )
    clock_skew: Share = Field(
        0.002, ge=0, le=1, description="ERP customers stamped before their account"
    )
    duplicate_log_lines: Share = Field(0.01, ge=0, le=1, description="log lines written twice")


class Motion(_Model):
    """Changes that trip incremental readers, for worlds polled while they move.

    Each change happens in the motion window, ``[now - max(horizon, 1 day), now + horizon]``,
    so a live world shows it between polls. All are off by default: drawing them would change
    every world the demo and the tests know.
    """

    billing_runs: Share = Field(
        0.0, ge=0, le=1, description="subscriptions billed in the monthly billing run"
    )
    fall_back_corrections: Share = Field(
        0.0, ge=0, le=1, description="ERP invoices corrected in the repeated fall-back hour"
    )
    late_commits: Share = Field(
        0.0, ge=0, le=1, description="ERP invoices committed after the instant they are stamped"
    )
    late_commit_delay: PositiveDuration = Field(
        timedelta(minutes=10), description="the longest a late commit lags its stamp"
    )
    deleted_invoices: Share = Field(
        0.0, ge=0, le=1, description="ERP invoices deleted (half of them posted again)"
    )
    deleted_customers: Share = Field(
        0.0, ge=0, le=1, description="orphan and duplicate customers deleted in cleanups"
    )
    deleted_accounts: Share = Field(
        0.0, ge=0, le=1, description="accounts deleted (half of them restored)"
    )
    relinks: Share = Field(
        0.0, ge=0, le=1, description="ERP links fixed later or posted wrong and re-pointed"
    )
    log_stragglers: int = Field(
        0, ge=0, description="lines written to the old log file after each rotation"
    )
    log_replays_across_rotation: bool = Field(
        False, description="rotate the log between a line and its exact replay"
    )

    @property
    def changes_records(self) -> bool:
        """Whether any knob changes the records (the log knobs change only how lines land)."""
        shares = (
            self.billing_runs, self.fall_back_corrections, self.late_commits,
            self.deleted_invoices, self.deleted_customers, self.deleted_accounts, self.relinks,
        )  # fmt: skip
        return any(shares)


class TransportFaults(_Model):
    """How one simulated API misbehaves on the wire."""

    rate_limited: Share = Field(
        0.0, ge=0, le=1, description="share of requests refused as rate-limited"
    )
    rate_limit_burst: int = Field(1, ge=1, description="consecutive refusals once a refusal starts")
    retry_after: Duration = Field(
        timedelta(seconds=1), description="Retry-After sent where the API sends one"
    )
    server_errors: Share = Field(
        0.0, ge=0, le=1, description="share of requests answered with a 5xx"
    )
    slow: Share = Field(0.0, ge=0, le=1, description="share of requests answered late")
    slow_delay: Duration = Field(timedelta(seconds=2), description="how late a slow answer is")
    malformed: Share = Field(0.0, ge=0, le=1, description="share of records rendered unparseable")
    renamed_fields: dict[str, str] = Field(
        default_factory=dict,
        description="schema drift: wire field name -> the name it is served under",
    )
    token_ttl: Duration | None = Field(
        None, description="access tokens expire this long after issue"
    )
    daily_request_limit: int | None = Field(
        None, ge=1, description="requests allowed per rolling 24 h"
    )


class Profile(_Model):
    """A complete sandbox profile."""

    name: str = "default"
    accounts: int = Field(500, ge=1, le=1_000_000)
    history: PositiveDuration = Field(
        timedelta(days=120), description="how far back the world starts"
    )
    delays: dict[str, DelayDistribution] = Field(default_factory=_delays)
    faults: DataFaults = Field(default_factory=DataFaults)
    motion: Motion = Field(default_factory=Motion)
    transport: dict[SystemName, TransportFaults] = Field(default_factory=dict)
    zendesk_export_per_minute: int = Field(
        10, ge=1, description="Zendesk incremental export requests/min"
    )
    log_rotate_bytes: int = Field(
        1_000_000, ge=1024, description="rotate the middleware log at this size"
    )

    def transport_for(self, system: SystemName) -> TransportFaults:
        """The transport faults of ``system`` (none when the profile names none)."""
        return self.transport.get(system, TransportFaults())


BUILTIN_PROFILES: dict[str, dict[str, object]] = {
    "default": {"name": "default"},
    "clean": {
        "name": "clean",
        "faults": {name: 0.0 for name in DataFaults.model_fields},
    },
    "flaky": {
        "name": "flaky",
        "transport": {
            system: {"rate_limited": 0.2, "server_errors": 0.05, "malformed": 0.01}
            for system in ("salesforce", "stripe", "netsuite", "zendesk")
        },
    },
}


def load_profile(name_or_path: str) -> Profile:
    """Load a built-in profile by name, or a YAML profile file by path."""
    if name_or_path in BUILTIN_PROFILES:
        return Profile.model_validate(BUILTIN_PROFILES[name_or_path])
    path = Path(name_or_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.setdefault("name", path.stem)
    return Profile.model_validate(data)

"""The staged rows and the seeds' code lists, as plain Python, with ground rule 2 applied.

Rows come from ``staging.stg_platform__<entity>`` with ``select *`` (nothing modeled), and
timestamps become aware UTC datetimes. Ground rule 2 (kpi-spec "Ground rules"): a row that names
a campaign, enrollment or message of another account keeps the row and loses that reference,
so it never counts under the other account.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

ENTITIES = (
    "accounts", "users", "inboxes", "phone_numbers", "contacts", "labels", "contact_labels",
    "templates", "campaigns", "campaign_steps", "campaign_senders", "campaign_enrollments",
    "messages", "message_events", "link_clicks", "calls", "opt_events", "leads", "deals",
)  # fmt: skip

Row = dict[str, Any]


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


BY_CAMPAIGN = ("campaign_steps", "campaign_senders", "campaign_enrollments")
BY_MESSAGE = ("message_events", "link_clicks")


def _only(entity: str) -> str:
    """The condition keeping one entity's rows of the accounts in parameter $accounts."""
    if entity in BY_CAMPAIGN:
        return ("campaign_id in (select campaign_id from staging.stg_platform__campaigns "
                "where list_contains($accounts, account_id))")  # fmt: skip
    if entity in BY_MESSAGE:
        return ("message_id in (select message_id from staging.stg_platform__messages "
                "where list_contains($accounts, account_id))")  # fmt: skip
    return "list_contains($accounts, account_id)"


def read_staged(con, accounts: list[str] | None = None) -> dict[str, list[Row]]:
    """Every staged entity as a list of dicts (``con``: an open DuckDB connection); with
    ``accounts``, only those accounts' rows, plus under ``_owners`` the account of every
    campaign, enrollment and message they may reference (ground rule 2 needs them)."""
    con.execute("set TimeZone = 'UTC'")
    out: dict[str, list[Row]] = {}
    for entity in ENTITIES:
        sql = f"select * from staging.stg_platform__{entity}"
        params = {}
        if accounts is not None and entity != "accounts":  # every account: time zones, roll-ups
            sql, params = f"{sql} where {_only(entity)}", {"accounts": list(accounts)}
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        out[entity] = [
            {k: _utc(v) for k, v in zip(names, row, strict=True) if not k.startswith("_")}
            for row in cursor.fetchall()
        ]
    if accounts is not None:
        out["_owners"] = {
            "campaign_id": dict(con.execute(
                "select campaign_id, account_id from staging.stg_platform__campaigns").fetchall()),
            "enrollment_id": dict(con.execute(
                "select e.enrollment_id, c.account_id "
                "from staging.stg_platform__campaign_enrollments as e "
                "inner join staging.stg_platform__campaigns as c on e.campaign_id = c.campaign_id"
            ).fetchall()),
            "message_id": dict(con.execute(
                "select message_id, account_id from staging.stg_platform__messages "
                "where message_id in (select message_id from staging.stg_platform__opt_events "
                "where list_contains($accounts, account_id) union all select message_id "
                "from staging.stg_platform__leads where list_contains($accounts, account_id))",
                {"accounts": list(accounts)},
            ).fetchall()),
        }  # fmt: skip
    return out


def _seed(name: str) -> list[Row]:
    with open(SEEDS / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class CodeLists:
    """The spec's code lists, kept in the seeds (kpi-spec "Message status", "Opt-outs")."""

    error_outcome: dict[str, str]  # error code -> carrier_blocked / hard_bounce / ...
    opt_keywords: dict[str, str]  # keyword -> opt_out / opt_in / help
    opt_out_phrases: tuple[str, ...]
    call_outcomes: dict[str, tuple[str, str]]  # raw text -> (outcome, label)
    error_description: dict[str, str]  # error code -> what it means (issue 13's breakdown)


def code_lists() -> CodeLists:
    return CodeLists(
        error_outcome={
            r["error_code"]: r["delivery_outcome"] for r in _seed("delivery_error_codes")
        },
        opt_keywords={
            r["keyword"].strip().lower(): r["keyword_type"] for r in _seed("opt_keywords")
        },
        opt_out_phrases=tuple(
            p for p in (r["phrase"].strip().lower() for r in _seed("opt_out_phrases")) if p
        ),
        call_outcomes={
            r["outcome_raw"].strip().lower(): (r["outcome"], r["outcome_label"])
            for r in _seed("call_outcomes")
        },
        error_description={
            r["error_code"]: r["description"] for r in _seed("delivery_error_codes")
        },
    )


def drop_cross_account_references(staged: dict[str, list[Row]]) -> None:
    """Ground rule 2: a reference to another account's campaign, enrollment or message is
    dropped (set to None); the row is kept. Enrollments take their campaign's account."""
    owners = staged.pop("_owners", None)
    if owners is None:
        campaign_account = {c["campaign_id"]: c["account_id"] for c in staged["campaigns"]}
        owners = {
            "campaign_id": campaign_account,
            "enrollment_id": {
                e["enrollment_id"]: campaign_account.get(e["campaign_id"])
                for e in staged["campaign_enrollments"]
            },
            "message_id": {m["message_id"]: m["account_id"] for m in staged["messages"]},
        }
    for entity in ("messages", "calls", "opt_events", "leads"):
        for row in staged[entity]:
            for column, owner in owners.items():
                if column == "message_id" and entity == "messages":
                    continue
                value = row.get(column)
                if value is not None and owner.get(value, row["account_id"]) != row["account_id"]:
                    row[column] = None

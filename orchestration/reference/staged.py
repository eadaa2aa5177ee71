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
from operator import itemgetter
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
        out[entity] = _rows(con.execute(sql, params))
    if accounts is not None:
        out["_owners"] = _owners(con, list(accounts))
    return out


# The references ground rule 2 checks: column -> (entities naming it, the owner's account).
REFERENCES = {
    "campaign_id": (("messages", "calls", "opt_events", "leads"),
                    "select campaign_id, account_id from staging.stg_platform__campaigns"),
    "enrollment_id": (("messages", "opt_events"),
                      "select e.enrollment_id, c.account_id "
                      "from staging.stg_platform__campaign_enrollments as e "
                      "inner join staging.stg_platform__campaigns as c "
                      "on e.campaign_id = c.campaign_id"),
    "message_id": (("opt_events", "leads"),
                   "select message_id, account_id from staging.stg_platform__messages"),
}  # fmt: skip


def _owners(con, accounts: list[str]) -> dict[str, dict[str, str]]:
    """The account of every campaign, enrollment and message the accounts' rows name (only
    those: the other accounts' are never read)."""
    out = {}
    for column, (entities, owners) in REFERENCES.items():
        named = " union all ".join(
            f"select {column} from staging.stg_platform__{e} "
            "where list_contains($accounts, account_id)"
            for e in entities
        )
        sql = f"select * from ({owners}) where {column} in ({named})"
        out[column] = dict(con.execute(sql, {"accounts": accounts}).fetchall())
    return out


def _rows(cursor) -> list[Row]:
    """The cursor's rows as dicts without the lineage columns (``_file_id`` ...), timestamps
    as aware UTC datetimes (only the timestamp columns are looked at: the rows are many)."""
    columns = [(i, d[0]) for i, d in enumerate(cursor.description) if not d[0].startswith("_")]
    names = [name for _, name in columns]
    stamps = [name for i, name in columns if "TIMESTAMP" in str(cursor.description[i][1])]
    picked = itemgetter(*(i for i, _ in columns))  # every entity has several columns
    out = [dict(zip(names, picked(row), strict=True)) for row in cursor.fetchall()]
    for row in out:
        for name in stamps:
            row[name] = _utc(row[name])
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

"""The staged rows and the seeds' code lists, as plain Python, with ground rule 2 applied.

Rows come from ``staging.stg_platform__<entity>``, the columns as staged (nothing modeled) but
those the reference never reads, and timestamps become aware UTC datetimes. Ground rule 2
(kpi-spec "Ground rules"): a row that names a campaign, enrollment or message of another
account keeps the row and loses that reference, so it never counts under the other account.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.reference import slices

if TYPE_CHECKING:
    from orchestration.reference.sampled import Copies

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


# Staged columns no rule of the reference reads (none of its modules names them): never
# fetched, so the check holds no names, e-mails or user agents it does not need, and converts
# fewer values. test_reference.py fails when one of them is named in the reference after all.
NOT_READ = {
    "accounts": ("account_name", "updated_at"),
    "users": ("role", "updated_at"),
    "inboxes": ("updated_at",),
    "phone_numbers": ("number_type", "is_tracking_number", "updated_at", "released_at"),
    "contacts": ("phone_as_entered", "first_name", "last_name", "email", "source", "updated_at",
                 "deleted_at"),
    "labels": ("updated_at", "deleted_at"),
    "templates": ("updated_at", "deleted_at"),
    "campaigns": ("updated_at",),
    "campaign_steps": ("delay_minutes",),
    "campaign_senders": ("added_at",),
    "campaign_enrollments": ("assigned_user_id",),
    "message_events": ("attempt",),
    "link_clicks": ("click_id", "clicked_at", "user_agent"),
    "deals": ("deal_id", "amount"),
}  # fmt: skip


def read_staged(
    con,
    accounts: list[str] | None = None,
    campaign: str | None = None,
    copies: Copies | None = None,
) -> dict[str, list[Row]]:
    """fetch_staged's rows as the reference reads them: each entity a list of dicts."""
    return as_rows(fetch_staged(con, accounts, campaign, copies))


@dataclass
class Fetched:
    """One entity's staged rows as DuckDB hands them over: tuples, and their column names.
    The check's process only fetches them; a world's own process makes the dicts (as_rows)."""

    names: list[str]
    stamps: list[str]  # the timestamp columns
    rows: list[tuple]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        at = self.names.index(name)
        return [row[at] for row in self.rows]


def fetch_staged(
    con,
    accounts: list[str] | None = None,
    campaign: str | None = None,
    copies: Copies | None = None,
) -> dict[str, Any]:
    """Every staged entity's rows, each a Fetched (as_rows makes them dicts; ``con``: an open
    DuckDB connection); with
    ``accounts``, only those accounts' rows; with ``campaign`` too, only the campaign's slice
    of them (slices.py). A bounded read also gives, under ``_owners``, the account of every
    campaign, enrollment and message its rows name (ground rule 2 needs them). Only the
    columns the reference reads are fetched: no lineage column (``_file_id`` ...), none of
    NOT_READ. Accounts are always read whole (time zones, roll-ups). ``copies``: the same
    rows read from copies that hold every sampled world's (sampled.py), not the whole tables."""
    con.execute("set TimeZone = 'UTC'")
    params: dict[str, Any] = {}
    if accounts is not None:
        params["accounts"] = list(accounts)
    if campaign is not None:
        params["campaign"] = campaign
        known = copies.contacts.get((tuple(accounts), campaign)) if copies else None
        params["contacts"] = (
            known if known is not None else slices.contacts_of(con, params["accounts"], campaign)
        )
    on = copies.on if copies is not None else str
    out: dict[str, Any] = {}
    for entity in ENTITIES:
        table = f"staging.stg_platform__{entity}"
        sql = f"select {', '.join(read_columns(con, entity, table))} from {table}"
        if accounts is not None and entity != "accounts":
            rule = slices.slice_condition if campaign is not None else slices.scope_condition
            sql = f"{sql} where {rule(entity)}"
        used = {name: value for name, value in params.items() if f"${name}" in sql}
        out[entity] = _fetch(con.execute(on(sql), used))
    if accounts is not None:
        out["_owners"] = _owners(con, out, copies)
    return out


def read_columns(con, entity: str, table: str) -> list[str]:
    """The table's columns in their staged order, without lineage columns and NOT_READ."""
    skipped = NOT_READ.get(entity, ())
    described = con.execute(f"select * from {table} limit 0").description
    return [
        f'"{name}"' for name, *_ in described if not name.startswith("_") and name not in skipped
    ]


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


def _owners(con, staged: dict[str, Fetched], copies: Copies | None) -> dict[str, dict[str, str]]:
    """The account of every campaign, enrollment and message the rows read name (only those:
    the other rows are never read); with ``copies``, from the owners it copied."""
    out = {}
    for column, (entities, owners) in REFERENCES.items():
        named = sorted({value for e in entities for value in staged[e].column(column) if value})
        source = copies.owners[column] if copies is not None else f"({owners})"
        sql = f"select * from {source} where {column} in (select unnest($named))"
        out[column] = dict(con.execute(sql, {"named": named}).fetchall())
    return out


def _fetch(cursor) -> Fetched:
    names = [d[0] for d in cursor.description]
    stamps = [name for name, kind, *_ in cursor.description if "TIMESTAMP" in str(kind)]
    return Fetched(names, stamps, cursor.fetchall())


def as_rows(fetched: dict[str, Any]) -> dict[str, list[Row]]:
    """fetch_staged's rows as dicts, timestamps as aware UTC datetimes (the session's time zone
    is UTC, so a naive staged timestamp is a UTC instant); ``_owners`` as it is. Each entity's
    tuples are let go once its dicts are made."""
    out: dict[str, list[Row]] = {}
    for entity in list(fetched):
        value = fetched.pop(entity)
        out[entity] = _dicts(value) if isinstance(value, Fetched) else value
    return out


def _dicts(fetched: Fetched) -> list[Row]:
    names = fetched.names
    out = [dict(zip(names, row, strict=True)) for row in fetched.rows]
    for name in fetched.stamps:  # only the timestamp columns are looked at: the rows are many
        for row in out:
            if (value := row[name]) is not None:
                row[name] = _utc(value)
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

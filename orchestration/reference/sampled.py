"""The staged rows a check run's reference worlds read, selected from the large tables once.

A check run reads one reference world per sampled account scope or campaign slice (slices.py).
Read from the staged tables, each world scanned the largest of them (messages, delivery events)
again for every condition naming them: at M 70 % of the checks' time, in DuckDB choosing rows.
``copied`` instead selects, in one pass over each large table, every row any of the run's
worlds can read (a superset: of messages, contacts, their labels, calls and enrollments, those
of the accounts read whole and of the slices' contacts (and campaigns); of delivery events and
clicks, those of the copied messages; of the other tables, the worlds' accounts' rows) into
temporary tables of the (read-only) connection, and each world then reads from them with its
own conditions, unchanged (``Copies.on``). A condition selects the same rows from the copies
as from the staged tables: every table it names, its subqueries' included, holds in its copy
each row the condition can select (in no set order, as from the staged tables). The accounts
owning the campaigns, enrollments and messages the copied rows name are copied too, from the
whole tables (ground rule 2: a reference to another account's row).

DuckDB only chooses rows here; every number is still the reference's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from orchestration.reference import slices
from orchestration.reference.staged import REFERENCES, read_columns

T = slices.T
PREFIX = "_sampled__"  # the copies' names: temporary tables, dropped when the run is done
# The tables a world reads a part of; the others (accounts, campaigns ...) are small.
COPIED = (
    "messages", "message_events", "link_clicks", "contacts", "contact_labels", "calls",
    "campaign_enrollments", "opt_events", "leads", "deals",
)  # fmt: skip
_STAGED = re.compile(re.escape(T) + r"(\w+)")


_WHOLE_OR_SLICED = "list_contains($whole, account_id) or contact_id in (select unnest($contacts))"


def _copy_condition(entity: str) -> str:
    """A superset of every world's condition on the entity (parameters: $accounts, every
    world's; $whole, those read whole; $contacts and $campaigns, every slice's)."""
    if entity in ("messages", "contacts", "contact_labels"):
        return _WHOLE_OR_SLICED
    if entity == "calls":
        return f"{_WHOLE_OR_SLICED} or campaign_id in (select unnest($campaigns))"
    if entity == "campaign_enrollments":
        whole = f"select campaign_id from {T}campaigns where list_contains($whole, account_id)"
        return f"campaign_id in ({whole}) or contact_id in (select unnest($contacts))"
    if entity in slices.BY_MESSAGE:
        return f"message_id in (select message_id from {PREFIX}messages)"
    return slices.IN_SCOPE


@dataclass(frozen=True)
class Copies:
    """The copies of one check run: the slices' contacts (by sorted accounts and campaign),
    and per referencing column the copied table of its owners."""

    contacts: dict[tuple[tuple[str, ...], str], list[str]]
    owners: dict[str, str]

    @staticmethod
    def on(sql: str) -> str:
        """The query reading the copies where it named a copied staged table."""
        return _STAGED.sub(lambda m: PREFIX + m[1] if m[1] in COPIED else m[0], sql)


@contextmanager
def copied(con, worlds: list[tuple[list[str], str | None]]) -> Iterator[Copies]:
    """Copy the rows the ``worlds`` (each: its sorted accounts, and its campaign when a slice)
    read; the copies are dropped on leaving."""
    wanted = sorted({(tuple(a), campaign) for a, campaign in worlds if campaign is not None})
    found = slices.slice_contacts(con, [(list(a), campaign) for a, campaign in wanted])
    contacts = dict(zip(wanted, found, strict=True))
    params = {
        "accounts": sorted({a for accounts, _ in worlds for a in accounts}),
        "whole": sorted({a for accounts, c in worlds if c is None for a in accounts}),
        "contacts": sorted({c for found in contacts.values() for c in found}),
        "campaigns": sorted({campaign for _, campaign in contacts}),
    }
    made: list[str] = []
    try:
        for entity in COPIED:
            table, condition = f"{T}{entity}", _copy_condition(entity)
            sql = f"select {', '.join(read_columns(con, entity, table))} from {table} "
            made.append(PREFIX + entity)
            _create(con, made[-1], f"{sql} where {condition}", params)
        owners = {}
        for column, (entities, owners_sql) in REFERENCES.items():
            named = " union ".join(f"select {column} from {PREFIX}{e}" for e in entities)
            owners[column] = f"{PREFIX}owner_{column}"
            made.append(owners[column])
            _create(con, made[-1], f"select * from ({owners_sql}) where {column} in ({named})", {})
        yield Copies(contacts, owners)
    finally:
        for name in reversed(made):
            con.execute(f"drop table if exists temp.{name}")


def _create(con, name: str, sql: str, params: dict) -> None:
    used = {key: value for key, value in params.items() if f"${key}" in sql}
    con.execute(f"create or replace temp table {name} as {sql}", used)

"""Who may read which account (issue 10, finding 8), and the account a report is for.

An account the caller may not read is reported exactly as one that does not exist, and no error
lists accounts: nothing here tells a caller which other tenants there are.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from orchestration.reporting.source import ReportError, UnknownFilterValue
from orchestration.reporting.sql import one, rows

# Both optional; unset = every account.
ACCOUNTS_ENV = "COMMS_WAREHOUSE_ACCOUNTS"  # comma-separated account ids
ACCESS_FILE_ENV = "COMMS_WAREHOUSE_ACCESS_FILE"  # TOML: [callers] <caller> = ["acc_1", ...]
CALLER_ENV = "COMMS_WAREHOUSE_CALLER"  # the caller's name in that file (default: the OS user)


def allowed_accounts() -> list[str] | None:
    """The accounts this caller may read (each with its sub-accounts), or None for every one.

    From the access file's entry for the caller (a caller it does not name may read nothing)
    and/or the environment list; with both, only accounts on both lists, so the environment
    can narrow what the file grants, never widen it.
    """
    lists: list[list[str]] = []
    access_file = os.environ.get(ACCESS_FILE_ENV)
    if access_file:
        import getpass
        import tomllib

        callers = tomllib.loads(Path(access_file).read_text()).get("callers", {})
        caller = os.environ.get(CALLER_ENV) or getpass.getuser()
        lists.append([str(a) for a in callers.get(caller, [])])
    if os.environ.get(ACCOUNTS_ENV) is not None:
        lists.append([a.strip() for a in os.environ[ACCOUNTS_ENV].split(",") if a.strip()])
    if not lists:
        return None
    return [a for a in lists[0] if all(a in other for other in lists[1:])]


def root_accounts(con, allowed: list[str] | None = None) -> list[dict[str, Any]]:
    """Top-level accounts, or with an allow-list the allowed accounts themselves."""
    if allowed is not None:
        return rows(
            con,
            "select account_id, account_name from marts.dim_accounts "
            "where list_contains(?, account_id) order by account_id",
            [allowed],
        )
    return rows(
        con,
        "select account_id, account_name from marts.dim_accounts "
        "where parent_account_id is null order by account_id",
    )


def resolve_account(
    con, account_id: str | None, allowed: Iterable[str] | None = ...
) -> dict[str, Any]:
    """The account a report is for: the one asked for, else the caller's only account.

    allowed: the caller's allow-list (default: ``allowed_accounts()`` from the environment).
    """
    allowed = allowed_accounts() if allowed is ... else allowed
    allowed = None if allowed is None else [str(a) for a in allowed]
    if account_id is None:
        candidates = root_accounts(con, allowed)
        if len(candidates) != 1:
            raise ReportError("choose an account (--account ID)")
        account_id = candidates[0]["account_id"]
    account = one(
        con,
        "select account_id, account_name, time_zone from marts.dim_accounts where account_id = ?",
        [account_id],
    )
    if not account or (allowed is not None and not _within(con, account_id, allowed)):
        raise UnknownFilterValue(f"account {account_id!r} does not exist")
    return account


def _within(con, account_id: str, allowed: list[str]) -> bool:
    """Whether the account is on the allow-list or under an account that is."""
    return account_id in allowed or bool(
        rows(
            con,
            "select 1 from marts.bdg_account_hierarchy "
            "where descendant_account_id = ? and list_contains(?, ancestor_account_id)",
            [account_id, allowed],
        )
    )


def account_tree(con, account_id: str, include_sub_accounts: bool) -> list[str]:
    """The account, or with its sub-accounts every descendant (any depth), roots first."""
    if not include_sub_accounts:
        return [account_id]
    return [
        r["descendant_account_id"]
        for r in rows(
            con,
            "select descendant_account_id from marts.bdg_account_hierarchy "
            "where ancestor_account_id = ? order by depth, descendant_account_id",
            [account_id],
        )
    ] or [account_id]

"""Staging end to end: land a few dirty files, load them, build staging + audit with dbt, and
check that every bad row is set aside with the right reason, file and row, that every landed
row reconciles, and that naive timestamps are read as UTC."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import copy_dbt_parse
from dbt.cli.main import dbtRunner

from orchestration import warehouse_connection
from orchestration.dbt.parse import prepare_dbt
from orchestration.landing.loader import load_landing

REPO = Path(__file__).resolve().parents[1]
# The module's fixture builds staging and audit with dbt (conftest schedules builders first).
pytestmark = pytest.mark.builds(1)

GOOD_CALL = {
    "account_id": "acc_1",
    "direction": "outbound",
    "started_at": "2026-03-01T10:00:00Z",
    "answered_at": "2026-03-01T10:00:10Z",
    "ended_at": "2026-03-01T10:05:00Z",
}


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def _csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _message(message_id: str, **overrides) -> dict:
    row = {
        "message_id": message_id,
        "account_id": "acc_1",
        "contact_id": "con_1",
        "direction": "outbound",
        "created_at": "2026-03-01T10:00:00Z",
        "body": "hello",
        "media_count": 0,
    }
    return {**row, **overrides}


def _write_landing(root: Path) -> dict[tuple[str, str, int], str]:
    """Write the fixture; return the expected quarantine: (file_path, entity, row) -> reason."""
    _jsonl(
        root / "accounts/2026-03-01/accounts.jsonl",
        [
            {
                "account_id": "acc_1",
                "time_zone": "America/Chicago",
                "created_at": "2026-01-01T00:00:00Z",
                "billing_cycle_anchor_day": 15,
            },
            {
                "account_id": "acc_2",
                "parent_account_id": "acc_gone",
                "time_zone": "America/Denver",
                "created_at": "2026-01-01T00:00:00Z",
            },
            {
                "account_id": "acc_3",
                "time_zone": "Mars/Olympus_Mons",
                "created_at": "2026-01-01T00:00:00Z",
            },
            {"account_id": "acc_4", "time_zone": None, "created_at": "2026-01-01T00:00:00Z"},
        ],
    )
    _jsonl(
        root / "messages/2026-03-01/messages.jsonl",
        [
            _message("m1"),
            _message("m2", created_at="2026-03-01 10:00:00"),  # naive = UTC
            _message("m3", created_at="March 1st"),
            _message("m4", direction="sideways"),
            _message("m5", account_id="acc_404"),
            _message("m6", media_count="two"),
            _message("m7", media_count=-1),
            _message("m1"),  # exact repeat inside the file
        ],
    )
    _csv(
        root / "messages/2026-03-02/messages.csv",
        [
            _message("m1", body="corrected"),  # re-export: this version wins
            _message("m8", created_at="2026-03-01T04:00:00-06:00"),
        ],
    )
    _jsonl(
        root / "phone_numbers/2026-03-01/phone_numbers.jsonl",
        [
            {
                "phone_number_id": "pn_1",
                "account_id": "acc_1",
                "e164": "+17205550142",
                "is_tracking_number": True,
            },
            {
                "phone_number_id": "pn_2",
                "account_id": "acc_1",
                "e164": "+17205550143",
                "is_tracking_number": "maybe",
            },
        ],
    )
    _csv(
        root / "contacts/2026-03-01/contacts.csv",
        [
            {
                "contact_id": "con_1",
                "account_id": "acc_1",
                "phone": "(720) 555-0199",
                "created_at": "2026-03-01T09:00:00Z",
                "updated_at": "2026-03-01T09:00:00Z",
            },
            {
                "contact_id": "con_2",
                "account_id": "acc_1",
                "phone": "720-555-CALL",
                "created_at": "2026-03-01T09:00:00Z",
                "updated_at": "2026-03-01T09:00:00Z",
            },
            {
                "contact_id": "con_1",
                "account_id": "acc_1",
                "phone": "720 555 0100",
                "created_at": "2026-03-01T09:00:00Z",
                "updated_at": "2026-03-01T12:00:00Z",
            },
        ],
    )
    _jsonl(
        root / "calls/2026-03-01/calls.jsonl",
        [
            {"call_id": "call_ok", **GOOD_CALL},
            {
                "call_id": "call_1",
                **GOOD_CALL,
                "answered_at": None,
                "ended_at": "2026-03-01T09:00:00Z",
            },
            {"call_id": "call_2", **GOOD_CALL, "answered_at": "2026-03-01T09:59:00Z"},
            {"call_id": "call_3", **GOOD_CALL, "answered_at": "2026-03-01T10:06:00Z"},
            {"call_id": "call_4", **GOOD_CALL, "ended_at": "2026-03-03T10:00:00Z"},
        ],
    )
    _jsonl(
        root / "campaign_steps/2026-03-01/campaign_steps.jsonl",
        [
            {"campaign_id": "cmp_1", "step_number": 1, "delay_minutes": 0},
            {"campaign_id": "cmp_1", "step_number": 2, "delay_minutes": -5},
        ],
    )
    # Bodies and their cost worked by hand (kpi-spec "SMS segments and credits"): a UCS-2 body
    # longer than one part is cut into parts of 67 code units, so 3,350 Cyrillic letters are
    # exactly 50 parts (kept at max_plausible_segments = 50) and 3,351 are 51 (set aside).
    _jsonl(
        root / "messages/2026-03-03/long.jsonl",
        [
            _message("m_huge", body="a" * 2_000_000),  # 13,072 GSM-7 parts of 153
            _message("m_51_parts", body="\u0436" * 3351),
            _message("m_50_parts", body="\u0436" * 3350),
            _message("m_mms", body="\u0436" * 3351, media_count=1),  # an MMS costs no segments
        ],
    )
    messages_1 = "messages/2026-03-01/messages.jsonl"
    calls = "calls/2026-03-01/calls.jsonl"
    return {
        ("accounts/2026-03-01/accounts.jsonl", "accounts", 3): "unknown_time_zone",
        ("accounts/2026-03-01/accounts.jsonl", "accounts", 4): "missing_required",
        (messages_1, "messages", 3): "bad_timestamp",
        (messages_1, "messages", 4): "unknown_enum",
        (messages_1, "messages", 5): "unknown_account",
        (messages_1, "messages", 6): "bad_number",
        (messages_1, "messages", 7): "negative_number",
        ("phone_numbers/2026-03-01/phone_numbers.jsonl", "phone_numbers", 2): "bad_boolean",
        ("contacts/2026-03-01/contacts.csv", "contacts", 2): "bad_phone",
        (calls, "calls", 2): "ended_before_started",
        (calls, "calls", 3): "answered_before_started",
        (calls, "calls", 4): "ended_before_answered",
        (calls, "calls", 5): "absurd_duration",
        ("campaign_steps/2026-03-01/campaign_steps.jsonl", "campaign_steps", 2): "negative_number",
        ("messages/2026-03-03/long.jsonl", "messages", 1): "implausible_size",
        ("messages/2026-03-03/long.jsonl", "messages", 2): "implausible_size",
    }


def _relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    schema = con.execute(
        "select table_schema from information_schema.tables where table_name = ?", [name]
    ).fetchone()[0]
    return f'"{schema}"."{name}"'


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("staging")
    expected = _write_landing(tmp / "landing")
    warehouse = tmp / "warehouse.duckdb"
    results = load_landing(tmp / "landing", warehouse)
    assert {r.status for r in results} == {"loaded"}, results

    env = {
        "COMMS_WAREHOUSE_PATH": str(warehouse),
        "DBT_TARGET_PATH": str(tmp / "target"),
        "DBT_LOG_PATH": str(tmp / "logs"),
        "DBT_PROFILES_DIR": str(REPO),
    }
    # Its own target folder, started from the worker's parse: `prepare_dbt` re-uses it for this
    # warehouse (named like the others), and the build below then parses only what changed
    # instead of the whole project.
    copy_dbt_parse(Path(os.environ["DBT_TARGET_PATH"]), tmp / "target")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        prepare_dbt()
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(REPO),
                "--select",
                "+staging",
                "+audit",
                "tests/staging",
                "--exclude",
                "test_type:unit",  # unit tests run in the project's own dbt build
                "--indirect-selection",
                "cautious",  # not other areas' tests that touch staging
                "--quiet",
            ]
        )
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, failures or result.exception
    con = warehouse_connection.connect(
        str(warehouse)
    )  # dbt-duckdb keeps it open read-write in this process
    yield con, expected, tmp / "target"
    con.close()


def test_every_bad_row_is_quarantined_with_its_reason_file_and_row(built):
    con, expected, _ = built
    rows = con.execute(
        f"select file_path, entity, row_number, reject_reason, reject_detail "
        f"from {_relation(con, 'audit__quarantined_rows')}"
    ).fetchall()
    got = {(path, entity, row): reason for path, entity, row, reason, _ in rows}
    assert got == expected
    assert all(detail for *_, detail in rows)
    details = {(path, row): detail for path, _, row, _, detail in rows}
    assert details[("messages/2026-03-01/messages.jsonl", 3)] == (
        "created_at is not an ISO-8601 timestamp: 'March 1st'"
    )
    assert details[("messages/2026-03-03/long.jsonl", 1)] == (
        "body would cost more than 50 segments (max_plausible_segments): 2000000 characters"
    )


def test_every_landed_file_reconciles(built):
    con, _, _ = built
    rows = con.execute(
        f"select entity, file_path, landed_rows, staged_rows, quarantined_rows, duplicate_rows,"
        f" is_reconciled from {_relation(con, 'audit__load_reconciliation')}"
    ).fetchall()
    assert len(rows) == 8
    assert all(row[-1] for row in rows), rows
    by_file = {row[1]: row[2:6] for row in rows}
    # m1 twice in the first file (both superseded by the re-export), 5 rows set aside, m2 kept.
    assert by_file["messages/2026-03-01/messages.jsonl"] == (8, 1, 5, 2)
    assert by_file["messages/2026-03-02/messages.csv"] == (2, 2, 0, 0)
    # con_1's first version is superseded by its later updated_at.
    assert by_file["contacts/2026-03-01/contacts.csv"] == (3, 1, 1, 1)
    assert by_file["messages/2026-03-03/long.jsonl"] == (4, 2, 2, 0)


def test_timestamps_are_utc_and_latest_version_wins(built):
    con, _, _ = built
    messages = dict(
        con.execute(
            f"select message_id, created_at from {_relation(con, 'stg_platform__messages')}"
        ).fetchall()
    )
    assert messages["m2"] == datetime(2026, 3, 1, 10, 0)  # naive = UTC
    assert messages["m8"] == datetime(2026, 3, 1, 10, 0)  # -06:00 offset converted
    body = con.execute(
        f"select body from {_relation(con, 'stg_platform__messages')} where message_id = 'm1'"
    ).fetchone()[0]
    assert body == "corrected"
    phone = con.execute(
        f"select phone from {_relation(con, 'stg_platform__contacts')} where contact_id = 'con_1'"
    ).fetchone()[0]
    assert phone == "+17205550100"
    accounts = {
        row[0]
        for row in con.execute(
            f"select account_id from {_relation(con, 'stg_platform__accounts')}"
        ).fetchall()
    }
    assert accounts == {"acc_1", "acc_2"}  # an unknown parent is not a reason to set aside


def test_a_staging_model_that_loses_a_valid_row_does_not_reconcile(built):
    """Duplicates come from the duplicate rule, not from what is left over: drop a valid row
    that has no other version from (a transaction's copy of) a staging model, and its file no
    longer adds up."""
    con, _, target = built
    reconciliation = (
        target / "compiled/comms_warehouse/models/audit/audit__load_reconciliation.sql"
    ).read_text()
    file_path = "messages/2026-03-02/messages.csv"

    def reconciled() -> bool:
        return con.execute(
            f"select is_reconciled from ({reconciliation}) where file_path = ?", [file_path]
        ).fetchone()[0]

    assert reconciled()
    con.execute("begin transaction")
    try:
        dropped = con.execute(
            f"delete from {_relation(con, 'stg_platform__messages')} where message_id = 'm8'"
        ).fetchone()[0]
        assert dropped == 1
        assert not reconciled()
    finally:
        con.execute("rollback")

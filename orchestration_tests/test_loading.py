"""The loader: ledger, idempotence, rejected files, extra columns, row numbers."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse_connection
from orchestration.landing.loader import load_landing

EXAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "examples" / "landing"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(EXAMPLES, root)
    return root


def _query(warehouse: Path, sql: str, params=None):
    with warehouse_connection.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_examples_load_every_entity(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    results = load_landing(landing, warehouse)
    assert {r.status for r in results} == {"loaded"}
    assert len(results) == 19
    (messages,) = _query(warehouse, "select count(*) from raw.messages")[0:1]
    assert messages == (3,)
    # The CSV export keeps the dirty phone exactly as entered; staging normalizes it.
    assert _query(warehouse, "select phone from raw.contacts") == [("(720) 555-0199",)]


def test_loading_twice_changes_nothing(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)
    before = _query(warehouse, "select count(*) from raw._load_ledger")
    second = load_landing(landing, warehouse)
    assert {r.status for r in second} == {"skipped"}
    assert _query(warehouse, "select count(*) from raw._load_ledger") == before
    assert _query(warehouse, "select count(*) from raw.message_events") == [(2,)]


def test_same_content_under_a_new_name_is_a_duplicate(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    load_landing(landing, warehouse)
    original = landing / "messages/2026-03-01/messages-export.jsonl"
    shutil.copy(original, landing / "messages/2026-03-01/messages-export-copy.jsonl")
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    copy = results["messages/2026-03-01/messages-export-copy.jsonl"]
    assert copy.status == "duplicate"
    assert "messages/2026-03-01/messages-export.jsonl" in copy.reason
    assert _query(warehouse, "select count(*) from raw.messages") == [(3,)]


def test_same_content_in_a_later_entity_folder_of_one_load_is_a_duplicate(
    landing: Path, tmp_path: Path
):
    """The loader goes folder by folder while files are hashed ahead: the first of two files
    with the same bytes in landing order is loaded, even when the second is in another folder."""
    warehouse = tmp_path / "wh.duckdb"
    original = landing / "messages/2026-03-01/messages-export.jsonl"
    (landing / "opt_events/2026-03-02").mkdir(parents=True, exist_ok=True)
    shutil.copy(original, landing / "opt_events/2026-03-02/same-bytes.jsonl")
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    assert results["messages/2026-03-01/messages-export.jsonl"].status == "loaded"
    copy = results["opt_events/2026-03-02/same-bytes.jsonl"]
    assert copy.status == "duplicate"
    assert (
        copy.reason == "same content as messages/2026-03-01/messages-export.jsonl, already loaded"
    )
    assert _query(warehouse, "select count(*) from raw.messages") == [(3,)]


def test_malformed_file_is_rejected_and_others_load(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    broken = landing / "message_events/2026-03-02/broken.jsonl"
    broken.parent.mkdir()
    broken.write_text('{"event_id": "e1", "message_id": "SM9f1c", "status": "sent"\n{"event_id"')
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["message_events/2026-03-02/broken.jsonl"]
    assert rejected.status == "rejected"
    assert rejected.reason.startswith("message_events/2026-03-02/broken.jsonl: cannot be parsed")
    assert sum(r.status == "loaded" for r in results.values()) == 19
    ledger = _query(
        warehouse,
        "select status, reason from raw._load_ledger where file_path = ?",
        ["message_events/2026-03-02/broken.jsonl"],
    )
    assert ledger[0][0] == "rejected" and "cannot be parsed" in ledger[0][1]


def test_missing_required_column_rejects_the_file(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    calls = landing / "calls/2026-03-02/calls.csv"
    calls.parent.mkdir()
    calls.write_text("call_id,account_id,direction\nCA1,acc_101,outbound\n")
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["calls/2026-03-02/calls.csv"]
    assert rejected.status == "rejected"
    assert rejected.reason == "calls/2026-03-02/calls.csv: missing required column(s): started_at"


def test_misplaced_and_unknown_files_are_rejected_with_reasons(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    (landing / "notes.txt").write_text("hello")
    _write_jsonl(landing / "widgets/2026-03-01/w.jsonl", [{"id": 1}])
    _write_jsonl(landing / "messages/yesterday/m.jsonl", [{"message_id": "x"}])
    (landing / "calls/2026-03-01/calls.xlsx").write_bytes(b"PK")
    reasons = {r.file_path: r.reason for r in load_landing(landing, warehouse)}
    assert "not in <entity>/<YYYY-MM-DD>/<file>" in reasons["notes.txt"]
    assert "unknown entity folder 'widgets'" in reasons["widgets/2026-03-01/w.jsonl"]
    assert "'yesterday' is not a YYYY-MM-DD date" in reasons["messages/yesterday/m.jsonl"]
    assert "unsupported format '.xlsx'" in reasons["calls/2026-03-01/calls.xlsx"]


def test_extra_columns_are_kept_and_ids_stay_strings(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    _write_jsonl(
        landing / "leads/2026-03-02/leads.jsonl",
        [
            {"lead_id": "007", "account_id": "acc_101", "contact_id": "con_5501",
             "created_at": "2026-03-02T10:00:00Z", "utm_source": "google", "score": 7},
            {"lead_id": 8, "account_id": "acc_101", "contact_id": "con_5501",
             "created_at": "2026-03-02T11:00:00"},
        ],
    )  # fmt: skip
    load_landing(landing, warehouse)
    rows = _query(
        warehouse,
        "select lead_id, _extra, _row_number, _export_date::varchar from raw.leads "
        "where _file_path = 'leads/2026-03-02/leads.jsonl' order by _row_number",
    )
    assert rows[0][0] == "007"
    assert json.loads(rows[0][1]) == {"score": "7", "utm_source": "google"}
    assert rows[1][:1] == ("8",)
    assert [r[2] for r in rows] == [1, 2]
    assert rows[0][3] == "2026-03-02"


def test_parquet_and_csv_row_numbers_follow_the_file(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    target = landing / "link_clicks/2026-03-02/clicks.parquet"
    target.parent.mkdir()
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select 'clk_' || i as click_id, 'SM9f1c' as message_id, 'lnk_8' as link_id,
                     timestamp '2026-03-02 10:00:00' + to_seconds(i) as clicked_at
                     from range(1000) t(i)) to '{target}' (format parquet)"""
        )
    load_landing(landing, warehouse)
    rows = _query(
        warehouse,
        "select count(*) filter (where click_id <> 'clk_' || (_row_number - 1)) , count(*) "
        "from raw.link_clicks where _file_path like '%clicks.parquet'",
    )
    assert rows == [(0, 1000)]


def test_only_selected_days_load(landing: Path, tmp_path: Path):
    from datetime import date

    warehouse = tmp_path / "wh.duckdb"
    _write_jsonl(
        landing / "leads/2026-03-02/leads.jsonl",
        [{"lead_id": "l2", "account_id": "acc_101", "contact_id": "c", "created_at": "2026-03-02"}],
    )
    results = load_landing(landing, warehouse, export_dates=[date(2026, 3, 2)])
    assert [r.file_path for r in results] == ["leads/2026-03-02/leads.jsonl"]


def test_a_line_that_is_not_an_object_rejects_the_file(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    bad = landing / "leads/2026-03-02/leads.jsonl"
    bad.parent.mkdir()
    bad.write_text(
        '{"lead_id": "l1", "account_id": "acc_101", "contact_id": "c", "created_at": "2026-03-02"}'
        "\n[1, 2]\n"
    )
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["leads/2026-03-02/leads.jsonl"]
    assert rejected.status == "rejected"
    assert "line 2" in rejected.reason and "Expected OBJECT" in rejected.reason


# Issue 10, finding 5: contract-valid files that used to be rejected whole.


def test_extra_keys_differing_only_by_case_are_kept(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    row = {
        "event_id": "e9",
        "message_id": "SM9f1c",
        "status": "sent",
        "occurred_at": "2026-03-02T10:00:00Z",
        "Message_ID": "upper",
        "MESSAGE_ID": "shout",
    }
    _write_jsonl(landing / "message_events/2026-03-02/events.jsonl", [row])
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    assert results["message_events/2026-03-02/events.jsonl"].status == "loaded"
    loaded = _query(
        warehouse,
        "select message_id, _extra from raw.message_events where event_id = 'e9'",
    )
    # The exact contract name wins; each case variant keeps its value under its own key, exactly
    # as written (JSON keys are case sensitive), the same on every load.
    assert loaded[0][0] == "SM9f1c"
    assert json.loads(loaded[0][1]) == {"Message_ID": "upper", "MESSAGE_ID": "shout"}
    assert loaded == _query(
        _reload(landing, tmp_path / "again.duckdb"),
        "select message_id, _extra from raw.message_events where event_id = 'e9'",
    )


def _reload(landing: Path, warehouse: Path) -> Path:
    load_landing(landing, warehouse)
    return warehouse


def test_a_json_line_of_64_mib_loads(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    body = "x" * (64 * 1024 * 1024)
    _write_jsonl(landing / "messages/2026-03-02/big.jsonl", [
        {"message_id": "big", "account_id": "acc_101", "contact_id": "con_5501",
         "direction": "outbound", "created_at": "2026-03-02T10:00:00Z", "body": body},
    ])  # fmt: skip
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    assert results["messages/2026-03-02/big.jsonl"].status == "loaded", results
    assert _query(warehouse, "select length(body) from raw.messages where message_id = 'big'") == [
        (len(body),)
    ]


def test_a_ragged_csv_row_is_rejected_naming_its_line(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    ragged = landing / "leads/2026-03-02/leads.csv"
    ragged.parent.mkdir()
    ragged.write_text(
        "lead_id,account_id,contact_id,created_at\n"
        "l1,acc_101,c1,2026-03-02\n"
        "l2,acc_101,c2,2026-03-02\n"
        "l3,acc_101,c3,2026-03-02,surplus\n"
        "l4,acc_101,c4,2026-03-02\n"
    )
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["leads/2026-03-02/leads.csv"]
    assert rejected.status == "rejected"
    assert "line 4" in rejected.reason, rejected.reason
    assert "sniffing" not in rejected.reason


# Issue 10, finding 7: nothing outside the landing root is read through a link.


def test_a_link_to_a_file_outside_the_landing_root_is_rejected(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    outside = tmp_path / "outside.jsonl"
    _write_jsonl(outside, [{"lead_id": "l1", "account_id": "acc_101", "contact_id": "c",
                            "created_at": "2026-03-02"}])  # fmt: skip
    link = landing / "leads/2026-03-02/leads.jsonl"
    link.parent.mkdir()
    link.symlink_to(outside)
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["leads/2026-03-02/leads.jsonl"]
    assert rejected.status == "rejected"
    assert "outside the landing root" in rejected.reason
    assert _query(warehouse, "select count(*) from raw.leads where lead_id = 'l1'") == [(0,)]
    ledger = _query(warehouse, "select status, reason from raw._load_ledger where file_path = ?",
                    ["leads/2026-03-02/leads.jsonl"])  # fmt: skip
    assert ledger == [("rejected", rejected.reason)]


def test_a_link_to_a_file_inside_the_landing_root_loads(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    target = landing / "leads/2026-03-02/leads.jsonl"
    _write_jsonl(target, [{"lead_id": "l1", "account_id": "acc_101", "contact_id": "c",
                           "created_at": "2026-03-02"}])  # fmt: skip
    (landing / "leads/2026-03-03").mkdir()
    (landing / "leads/2026-03-03/leads.jsonl").symlink_to(target)
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    assert results["leads/2026-03-02/leads.jsonl"].status == "loaded"
    # The same bytes again: the link is recorded, not loaded twice.
    assert results["leads/2026-03-03/leads.jsonl"].status == "duplicate"


def test_a_linked_day_folder_is_rejected_with_a_ledger_row(landing: Path, tmp_path: Path):
    warehouse = tmp_path / "wh.duckdb"
    elsewhere = tmp_path / "elsewhere"
    lead = {"lead_id": "l1", "account_id": "acc_101", "contact_id": "c", "created_at": "2026-03-02"}
    _write_jsonl(elsewhere / "leads.jsonl", [lead])
    (landing / "leads").mkdir(exist_ok=True)
    (landing / "leads/2026-03-02").symlink_to(elsewhere, target_is_directory=True)
    results = {r.file_path: r for r in load_landing(landing, warehouse)}
    rejected = results["leads/2026-03-02"]
    assert rejected.status == "rejected"
    assert "link" in rejected.reason
    assert _query(warehouse, "select count(*) from raw.leads where lead_id = 'l1'") == [(0,)]
    assert _query(warehouse, "select status from raw._load_ledger where file_path = ?",
                  ["leads/2026-03-02"]) == [("rejected",)]  # fmt: skip


def _event(event_id: str, **extra) -> dict:
    return {"event_id": event_id, "message_id": "SM9f1c", "status": "sent",
            "occurred_at": "2026-03-03T10:00:00Z", **extra}  # fmt: skip


def test_files_loaded_in_one_call_keep_their_own_rows_numbers_and_ledger_rows(
    landing: Path, tmp_path: Path
):
    """Many new files of one entity land in one call (the loader reads them together): each
    keeps its own row numbers, its own extra keys and its ledger row; a malformed one among them
    is rejected alone, and a copy of another is that file's duplicate."""
    events = landing / "message_events"
    _write_jsonl(events / "2026-03-03/a.jsonl", [_event(f"a{i}") for i in range(1, 4)])
    _write_jsonl(events / "2026-03-04/b.jsonl", [_event("b1"), _event("b2", carrier="att")])
    (events / "2026-03-05").mkdir()
    (events / "2026-03-05/c.jsonl").write_text('{"event_id": "c1"}\n{"event_id": \n')
    _write_jsonl(events / "2026-03-06/d.jsonl", [_event("d1"), _event("d2")])
    (events / "2026-03-07").mkdir()
    shutil.copy(events / "2026-03-03/a.jsonl", events / "2026-03-07/e.jsonl")
    warehouse = tmp_path / "wh.duckdb"
    results = {r.file_path: r for r in load_landing(landing, warehouse)}

    mine = {f"{name}.jsonl" for name in "abcde"}
    status = {
        p.split("/")[-1]: (r.status, r.rows_loaded)
        for p, r in results.items()
        if p.startswith("message_events/") and p.split("/")[-1] in mine
    }
    assert status == {
        "a.jsonl": ("loaded", 3),
        "b.jsonl": ("loaded", 2),
        "c.jsonl": ("rejected", 0),
        "d.jsonl": ("loaded", 2),
        "e.jsonl": ("duplicate", 0),
    }
    assert results["message_events/2026-03-05/c.jsonl"].reason.startswith(
        "message_events/2026-03-05/c.jsonl: cannot be parsed"
    )
    assert results["message_events/2026-03-07/e.jsonl"].reason == (
        "same content as message_events/2026-03-03/a.jsonl, already loaded"
    )
    rows = _query(
        warehouse,
        "select event_id, _row_number, json_extract_string(_extra, '$.carrier'), _extra is null,"
        " _export_date::varchar from raw.message_events where _file_path similar to"
        " 'message_events/2026-03-0[3-7]/.*' order by event_id",
    )
    assert rows == [
        ("a1", 1, None, True, "2026-03-03"),
        ("a2", 2, None, True, "2026-03-03"),
        ("a3", 3, None, True, "2026-03-03"),
        ("b1", 1, None, False, "2026-03-04"),  # b's own extra key, absent on this line
        ("b2", 2, "att", False, "2026-03-04"),
        ("d1", 1, None, True, "2026-03-06"),
        ("d2", 2, None, True, "2026-03-06"),
    ]
    ledger = _query(
        warehouse,
        "select count(*), count(distinct file_path) from raw._load_ledger"
        " where file_path similar to 'message_events/2026-03-0[3-7]/.*'",
    )
    assert ledger == [(5, 5)]

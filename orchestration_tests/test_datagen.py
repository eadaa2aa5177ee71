"""Synthetic landing-data generator (datagen): determinism, contract, dirt, references."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from datagen.generate import generate
from datagen.world import BAD_TIMESTAMPS, DIRT, ENTITIES, UNKNOWN_ACCOUNT
from orchestration.landing.contract import ENTITIES as CONTRACT

END = date(2026, 11, 23)  # the window (2026-07-27 .. 2026-11-23) holds the US DST change
SCALE = 5000
MALFORMED = {"messages-retry-broken.jsonl", "message_events-corrupt.jsonl"}


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    elif path.suffix == ".csv":
        with path.open("rb") as f:
            header = f.readline().decode().strip().split(",")
        names = [h.strip('"') for h in header]
        opts = pacsv.ConvertOptions(
            column_types={c: pa.string() for c in names}, strings_can_be_null=True
        )
        table = pacsv.read_csv(path, convert_options=opts)
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        table = pa.Table.from_pylist(rows)
    return table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    summary = generate(out, scale=SCALE, seed=7, end_date=END)
    assert summary.files > 0 and summary.rows["messages"] > 0.8 * SCALE
    return out


@pytest.fixture(scope="module")
def tables(landing) -> dict[str, list[dict]]:
    """Every well-formed file's rows per entity (values as strings)."""
    out: dict[str, list[dict]] = {}
    for entity in ENTITIES:
        rows: list[dict] = []
        for path in sorted((landing / entity).rglob("*.*")):
            if path.name in MALFORMED or path.name.endswith("missing-phone.csv"):
                continue
            rows.extend(_read(path).to_pylist())
        out[entity] = rows
    return out


def test_same_seed_gives_identical_files_and_other_seed_differs(landing, tmp_path):
    again = generate(tmp_path / "again", scale=SCALE, seed=7, end_date=END)
    assert _hashes(landing) == _hashes(tmp_path / "again")
    assert again.files == len(_hashes(landing))
    other = generate(tmp_path / "other", scale=SCALE, seed=8, end_date=END, dirt_rate=0)
    a, b = _hashes(landing), _hashes(tmp_path / "other")
    common = set(a) & set(b)
    assert any(a[k] != b[k] for k in common if k.startswith("messages/"))
    # dirt_rate=0: no malformed or redelivered files, no unknown account
    assert not [k for k in b if "redelivery" in k or "corrupt" in k or "broken" in k]
    assert other.rows["messages"] > 0.8 * SCALE


def test_refuses_to_mix_runs(landing):
    with pytest.raises(FileExistsError):
        generate(landing, scale=SCALE, seed=7, end_date=END)


def test_layout_and_formats(landing):
    files = [p for p in landing.rglob("*") if p.is_file()]
    for p in files:
        entity, day, _name = p.relative_to(landing).parts
        assert entity in CONTRACT
        date.fromisoformat(day)
    assert {p.suffix for p in files} == {".jsonl", ".csv", ".parquet"}
    assert {p.parts[-3] for p in files} == set(CONTRACT)


def test_every_entity_has_contract_columns(landing, tables):
    for entity, spec in CONTRACT.items():
        rows = tables[entity]
        assert rows, entity
        for path in (landing / entity).rglob("*.*"):
            if path.name in MALFORMED or path.name.endswith("missing-phone.csv"):
                continue
            names = set(_read(path).column_names)
            assert spec.required <= names, (path, spec.required - names)
            assert names - set(spec.columns) <= {"external_ref"}, path


def test_dirt_is_present(landing, tables):
    msgs, events, calls = tables["messages"], tables["message_events"], tables["calls"]
    assert any(m["direction"] == DIRT["unknown_direction"] for m in msgs)
    assert any(e["status"] == DIRT["unknown_status"] for e in events)
    assert any(m["created_at"] in BAD_TIMESTAMPS for m in msgs)
    assert any(e["occurred_at"] in BAD_TIMESTAMPS for e in events)
    for entity in ("messages", "calls", "contacts"):
        assert any(r["account_id"] == UNKNOWN_ACCOUNT for r in tables[entity]), entity
    assert any(any(ch.isalpha() for ch in c["phone"]) for c in tables["contacts"])
    formats = {c["phone"][:1] for c in tables["contacts"]}
    assert {"+", "(", "1"} <= formats

    def ts(v: str) -> datetime:
        return datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None

    def aware(v: str) -> datetime | None:
        if not v or v in BAD_TIMESTAMPS:
            return None
        d = ts(v)
        return d if d.tzinfo else d.replace(tzinfo=ts("2000-01-01T00:00:00Z").tzinfo)

    assert any(
        aware(c["ended_at"])
        and aware(c["started_at"])
        and aware(c["ended_at"]) < aware(c["started_at"])
        for c in calls
    )
    # exact duplicate events inside one file and re-exports in later files
    keys = [tuple(sorted(e.items())) for e in events]
    assert len(keys) > len(set(keys))
    assert list(landing.glob(DIRT["redelivery_files"]))
    # malformed files fail to parse; the missing-column file lacks 'phone'
    broken = list(landing.glob("messages/*/messages-retry-broken.jsonl"))
    assert broken
    with pytest.raises(ValueError):
        [json.loads(x) for x in broken[0].read_text(errors="replace").splitlines()]
    corrupt = list(landing.glob("message_events/*/message_events-corrupt.jsonl"))
    assert corrupt and not corrupt[0].read_bytes().startswith(b"{")
    missing = list(landing.glob("contacts/*/contacts-missing-phone.csv"))
    assert missing and "phone" not in _read(missing[0]).column_names
    # timestamps: mostly Z, some with an offset, some naive
    stamps = [m["created_at"] for m in msgs if m["created_at"] not in BAD_TIMESTAMPS]
    assert sum(s.endswith("Z") for s in stamps) > 0.85 * len(stamps)
    assert any(s[-6] in "+-" and s[-3] == ":" for s in stamps)
    assert any(len(s) == 19 for s in stamps)


def test_references_hold_apart_from_intended_dirt(tables):
    ids = {e: set() for e in ENTITIES}
    keys = {
        "accounts": "account_id",
        "contacts": "contact_id",
        "messages": "message_id",
        "campaigns": "campaign_id",
        "calls": "call_id",
        "leads": "lead_id",
        "users": "user_id",
        "templates": "template_id",
        "phone_numbers": "phone_number_id",
        "campaign_enrollments": "enrollment_id",
        "labels": "label_id",
        "inboxes": "inbox_id",
    }
    for entity, key in keys.items():
        ids[entity] = {r[key] for r in tables[entity]}
    accounts = ids["accounts"] | {UNKNOWN_ACCOUNT}
    checks = [
        ("messages", "account_id", accounts),
        ("messages", "contact_id", ids["contacts"]),
        ("messages", "campaign_id", ids["campaigns"]),
        ("messages", "user_id", ids["users"]),
        ("messages", "template_id", ids["templates"]),
        ("messages", "enrollment_id", ids["campaign_enrollments"]),
        ("messages", "phone_number_id", ids["phone_numbers"]),
        ("messages", "inbox_id", ids["inboxes"]),
        ("message_events", "message_id", ids["messages"]),
        ("link_clicks", "message_id", ids["messages"]),
        ("campaign_enrollments", "campaign_id", ids["campaigns"]),
        ("campaign_enrollments", "contact_id", ids["contacts"]),
        ("campaign_steps", "template_id", ids["templates"]),
        ("campaign_senders", "user_id", ids["users"]),
        ("calls", "contact_id", ids["contacts"]),
        ("calls", "parent_call_id", ids["calls"]),
        ("calls", "account_id", accounts),
        ("opt_events", "contact_id", ids["contacts"]),
        ("opt_events", "message_id", ids["messages"]),
        ("leads", "message_id", ids["messages"]),
        ("leads", "call_id", ids["calls"]),
        ("deals", "lead_id", ids["leads"]),
        ("contact_labels", "label_id", ids["labels"]),
        ("contact_labels", "contact_id", ids["contacts"]),
        ("accounts", "parent_account_id", ids["accounts"]),
    ]
    for entity, col, known in checks:
        values = {r[col] for r in tables[entity] if r.get(col) is not None}
        assert values, (entity, col)
        assert values <= known, (entity, col, sorted(values - known)[:5])


def test_material_for_every_kpi(tables):
    msgs, events, calls = tables["messages"], tables["message_events"], tables["calls"]
    accounts = {a["account_id"]: a for a in tables["accounts"]}
    assert {a["time_zone"] for a in accounts.values()} >= {"America/Chicago", "Europe/London"}
    assert accounts["acc_105"]["parent_account_id"] == "acc_101"
    inbound = [m["body"] for m in msgs if m["direction"] == "inbound"]
    assert {"STOP", "stop", "Unsubscribe", "QUIT"} & set(inbound)
    assert any("remove me" in (b or "").lower() for b in inbound)
    assert any(m["media_count"] not in (None, "0") for m in msgs)
    assert {m["send_type"] for m in msgs} >= {"blast", "manual", "automation", "keyword_reply"}
    assert any(len(m["body"] or "") > 160 for m in msgs if m["direction"] == "outbound")
    assert any("€" in (m["body"] or "") for m in msgs)
    assert any(m["num_segments"] is None for m in msgs)
    codes = {e["error_code"] for e in events}
    assert {"30007", "30003", "30005", "21610"} <= codes
    assert {e["status"] for e in events} >= {"queued", "sent", "delivered", "read", "received"}
    assert any(e["attempt"] not in (None, "0") for e in events)
    methods = {o["method"] for o in tables["opt_events"]}
    assert methods >= {"keyword", "ai_filter", "manual", "management_page", "import", "carrier"}
    assert {o["direction"] for o in tables["opt_events"]} == {"opt_out", "opt_in"}
    assert {r["channel"] for r in tables["leads"]} >= {"sms", "call"}
    assert tables["deals"] and tables["link_clicks"]
    assert any(c["forwarded_to"] for c in calls) and any(c["parent_call_id"] for c in calls)
    assert {c["answered_by"] for c in calls} >= {"human", "machine"}
    assert {c["status"] for c in calls} >= {"completed", "no-answer", "busy"}
    assert {"lead", "not_interested", "left_voicemail"} <= {c["outcome"] for c in calls}
    assert {r["action"] for r in tables["contact_labels"]} == {"added", "removed"}
    assert {c["campaign_type"] for c in tables["campaigns"]} == {"standard", "keyword"}
    assert any(int(s["delay_minutes"]) > 0 for s in tables["campaign_steps"])
    assert any(p["is_tracking_number"] in ("true", "True") for p in tables["phone_numbers"])


def test_large_scales_are_generated_in_shards_with_distinct_ids(tmp_path, monkeypatch):
    import datagen.generate as gen

    monkeypatch.setattr(gen, "SHARD_MESSAGES", 2500)
    out = tmp_path / "sharded"
    summary = generate(out, scale=5000, seed=3, end_date=END, dirt_rate=0)
    assert list(out.glob("messages/*/messages-*-p01.*"))
    assert not list(out.glob("accounts/*/*-p01.*"))  # shared entities are written once

    def rows(entity):
        return [r for p in sorted((out / entity).rglob("*.*")) for r in _read(p).to_pylist()]

    msgs, contacts = rows("messages"), rows("contacts")
    assert len(msgs) == summary.rows["messages"]
    assert len({m["message_id"] for m in msgs}) == len(msgs)
    assert {m["contact_id"] for m in msgs} <= {c["contact_id"] for c in contacts}
    assert {e["message_id"] for e in rows("message_events")} <= {m["message_id"] for m in msgs}
    assert (
        len({r["enrollment_id"] for r in rows("campaign_enrollments")})
        == summary.rows["campaign_enrollments"]
    )

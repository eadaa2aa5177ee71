"""The hand-written limit: what the core of the Reporting page costs in plain DuckDB.

It loads the same landing files the refresh loads (accounts, messages, delivery events) into a
fresh DuckDB file and computes, per account and local day, in one query: SMS sent, segments,
carrier-blocked and delivered messages, unique repliers and the median response time. No
lineage, no ledger, no quarantine, no tests: the floor any refresh of the same files stands on.
The formulas follow ../shared/kpi-spec.md, simplified where exactness costs little time and much
code (segments: 160/153 characters when every character is ASCII, else 70/67 code units;
duplicates: one row per id).

    python -m benchmarks.limit LANDING [--db FILE]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration import warehouse_connection

# Error codes of carrier blocks (kpi-spec, "Message status"); the warehouse reads them from a seed.
CARRIER_BLOCK_CODES = (30004, 30007, 30018, 30024, 30032, 30033, 30034, 30035, 30041)
STATUS_RANK = {"delivered": 5, "read": 5, "undelivered": 4, "failed": 4, "canceled": 4}

READERS = {
    "jsonl": "read_json('{glob}', format='newline_delimited', union_by_name=true, "
    "ignore_errors=true, columns={columns})",
    "csv": "read_csv('{glob}', union_by_name=true, all_varchar=true, ignore_errors=true)",
    "parquet": "read_parquet('{glob}', union_by_name=true)",
}


def _rank_sql() -> str:
    cases = " ".join(f"when '{s}' then {r}" for s, r in STATUS_RANK.items())
    return f"case status {cases} when 'sent' then 3 when 'sending' then 2 else 1 end"


COLUMNS = {
    "accounts": ("account_id", "time_zone"),
    "messages": ("message_id", "account_id", "contact_id", "direction", "created_at",
                 "send_type", "body", "media_count", "num_segments"),
    "message_events": ("event_id", "message_id", "status", "occurred_at", "error_code"),
}  # fmt: skip


def load(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """One table per entity from every file of every format, every column as text."""
    for entity, columns in COLUMNS.items():
        parts = []
        for suffix, reader in READERS.items():
            if not any((landing / entity).glob(f"*/*.{suffix}")):
                continue
            spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
            source = reader.format(glob=landing / entity / f"*/*.{suffix}", columns=spec)
            parts.append(f"select * from {source}")  # missing columns are added below
        union = " union all by name ".join(parts) if parts else "select null as _none"
        con.execute(f"create or replace table {entity} as {union}")
        present = {r[0] for r in con.execute(f"describe {entity}").fetchall()}
        for column in columns:
            if column not in present:
                con.execute(f"alter table {entity} add column {column} varchar")


KPI_QUERY = f"""
with
accounts as (
    select account_id, any_value(time_zone) as time_zone from accounts group by account_id
),
messages as (
    select
        m.message_id, m.account_id, m.contact_id, m.direction, m.send_type,
        try_cast(m.created_at as timestamptz) as created_at,
        cast(timezone(a.time_zone, try_cast(m.created_at as timestamptz)) as date) as local_day,
        coalesce(try_cast(m.media_count as integer), 0) > 0 as is_mms,
        case
            when m.body is null then coalesce(try_cast(m.num_segments as integer), 1)
            when regexp_matches(m.body, '^[\\x00-\\x7F]*$')
                then case when length(m.body) <= 160 then 1 else ceil(length(m.body) / 153) end
            else case when length(m.body) <= 70 then 1 else ceil(length(m.body) / 67) end
        end as segments
    from messages m
    join accounts a using (account_id)
    where m.message_id is not null and try_cast(m.created_at as timestamptz) is not null
    qualify row_number() over (partition by m.message_id order by m.created_at) = 1
),
final_status as (
    select
        message_id,
        arg_max(status, (try_cast(occurred_at as timestamptz), {_rank_sql()})) as status,
        arg_max(try_cast(error_code as integer), (try_cast(occurred_at as timestamptz),
            {_rank_sql()})) as error_code,
        bool_or(status = 'canceled') as canceled
    from (select distinct on (event_id) * from message_events where event_id is not null)
    group by message_id
),
outbound as (
    select m.*, f.status, f.error_code, coalesce(f.canceled, false) as canceled
    from messages m left join final_status f using (message_id)
    where m.direction = 'outbound'
),
-- Median response: an inbound that starts an unanswered streak, answered by the next manual send.
conversation as (
    select
        account_id, contact_id, direction, send_type, created_at, local_day,
        lag(direction) over w as previous_direction,
        min(case when direction = 'outbound' and send_type = 'manual' then created_at end)
            over (w rows between 1 following and unbounded following) as next_manual_reply_at
    from messages
    window w as (partition by account_id, contact_id order by created_at, message_id)
),
responses as (
    select
        account_id, local_day,
        median(epoch(next_manual_reply_at) - epoch(created_at)) as median_response_seconds
    from conversation
    where direction = 'inbound' and coalesce(previous_direction, 'outbound') = 'outbound'
    group by all
),
daily as (
    select
        account_id, local_day,
        count(*) filter (where direction = 'outbound' and not canceled) as sms_sent,
        sum(segments) filter (where direction = 'outbound' and not is_mms) as sms_segments_sent,
        count(*) filter (
            where error_code in {CARRIER_BLOCK_CODES} and status in ('undelivered', 'failed')
        ) as carrier_blocked_messages,
        count(*) filter (where status in ('delivered', 'read')) as delivered_messages
    from outbound
    group by all
),
repliers as (
    select account_id, local_day, count(distinct contact_id) as unique_repliers
    from messages where direction = 'inbound' group by all
)
select *
from daily
full join repliers using (account_id, local_day)
full join responses using (account_id, local_day)
order by account_id, local_day
"""


def run(landing: Path, db: Path) -> dict[str, float]:
    """Load then query; return seconds per part and the number of account-days computed."""
    # Under the refresh's memory limit (COMMS_WAREHOUSE_MEMORY_LIMIT): the same engine budget.
    with warehouse_connection.connect(db) as con:
        started = time.perf_counter()
        load(con, landing)
        loaded = time.perf_counter()
        rows = con.execute(f"create or replace table kpis as {KPI_QUERY}").fetchone()[0]
        done = time.perf_counter()
    return {"load_s": loaded - started, "query_s": done - loaded, "account_days": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--db", type=Path, help="DuckDB file (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(args.landing, args.db or Path(tmp) / "limit.duckdb")
    print(
        f"limit: load {figures['load_s']:.1f} s, query {figures['query_s']:.1f} s, "
        f"{figures['account_days']:,} account-days"
    )


if __name__ == "__main__":
    main()

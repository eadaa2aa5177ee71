"""An incremental publish: a table of the copy brought up to date by its changed rows only.

A refresh that adds an export day changes a few percent of each mart's rows (the demo's day:
111 k of 2.35 M published rows deleted or inserted; M's: 3.2 M of 88.5 M), yet a copy written
from scratch re-encodes every row of every mart (at M: 104-108 s of CPU), and a --full-refresh
rebuilds marts mostly equal to those published. So a refresh starts its new copy from a file copy
of the one published before (publishing.py; the first, and a worn one, are written whole) and, per
table whose columns are unchanged, deletes the rows the new copy must not hold and
inserts those it lacks. Rows are matched on a hash of the whole published row (PII columns null,
as published), so no rule about which rows a day can change is assumed: the result holds, row for
row, what a copy written from scratch would (test_publishing.py compares both). A table whose
rows did not change is left as it is (both sides' row hashes the same multiset); a changed one
where a row hash repeats on either side (two identical rows, or a collision) is written whole
instead: hash matching cannot tell how many of a repeated row to keep.

The held-back accounts' rows are left as they are in the copy: they are the previous snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

# Temporary tables, dropped after use: the row hashes of each side, then their differences.
KEPT, FRESH, DIFF = "_publish_kept_rows", "_publish_fresh_rows", "_publish_row_changes"


@dataclass(frozen=True)
class Source:
    """The rows a table of the copy must hold besides the held-back accounts': the published
    select list (``columns``) over ``relation`` in the warehouse, filtered by ``where``."""

    relation: str  # warehouse.<schema>.<table>
    select_list: str  # the published columns, masked ones as typed nulls, in the copy's order
    where: str  # "" or " where ..." (held-back accounts and accounts never published left out)
    params: list


def update_rows(con, name: str, columns: list[str], source: Source, kept: tuple[str, list]):
    """Delete from table ``name`` of the copy (``columns``: its columns, quoted) the rows
    ``source`` no longer has, insert those it has anew; ``kept``: the condition (and its
    parameters) on the copy's rows the update may touch (not the held-back accounts').
    Returns (rows deleted, rows inserted), (0, 0) when the rows are the same, or None when a row
    hash repeats on either side of a changed table and it must be written whole (nothing was
    changed then)."""
    row_hash = f"hash({', '.join(columns)})"
    condition, kept_params = kept
    (kept_rows,) = con.execute(
        f"create or replace temp table {KEPT} as "
        f"select rowid as r, {row_hash} as h from {name}{condition}",
        kept_params,
    ).fetchone()
    # The warehouse's row ids come through the subquery as _r; the published row as its columns.
    published = f"select rowid as _r, {source.select_list} from {source.relation}{source.where}"
    (fresh_rows,) = con.execute(
        f"create or replace temp table {FRESH} as "
        f"select _r as r, {row_hash} as h from ({published})",
        source.params,
    ).fetchone()
    try:
        # A table the refresh left as it was (its rows' hashes the same multiset on both sides:
        # count, sum and xor agree) needs neither the join nor a write: at 1 M the join is a
        # third of an unchanged table's cost, and it would write a table whole for a row it
        # merely repeats.
        if _same_rows(con, kept_rows, fresh_rows):
            return 0, 0
        # One join: the rows only the copy has, those only the warehouse has, and how many
        # pairs matched (each row matching exactly one on the other side when no hash repeats).
        con.execute(
            f"create or replace temp table {DIFF} as select "
            "count(*) filter (where k.r is not null and f.r is not null) as matched, "
            "coalesce(list(k.r) filter (where f.r is null), []) as gone, "
            "coalesce(list(f.r) filter (where k.r is null), []) as new "
            f"from {KEPT} as k full join {FRESH} as f on k.h = f.h"
        )
        matched, gone, new = con.execute(
            f"select matched, len(gone), len(new) from {DIFF}"
        ).fetchone()
        # With m copies of a hash on one side and n on the other, the join pairs them m x n
        # times: the pairs equal the rows left on each side only when every m = n = 1.
        if not matched == kept_rows - gone == fresh_rows - new:
            return None
        con.execute(f"delete from {name} where rowid in (select unnest(gone) from {DIFF})")
        con.execute(
            f"insert into {name} select {source.select_list} from {source.relation} "
            f"where rowid in (select unnest(new) from {DIFF})"
        )
    finally:
        for table in (KEPT, FRESH, DIFF):
            con.execute(f"drop table if exists {table}")
    return gone, new


def _same_rows(con, kept_rows: int, fresh_rows: int) -> bool:
    """Whether both sides' row hashes are the same multiset (the same count, sum and xor)."""
    if kept_rows != fresh_rows:
        return False
    kept, fresh = (
        con.execute(f"select sum(h::hugeint), bit_xor(h) from {side}").fetchone()
        for side in (KEPT, FRESH)
    )
    return kept == fresh

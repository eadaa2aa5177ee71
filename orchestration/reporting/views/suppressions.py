"""The suppression list (kpi-spec "Message status": 3 hard bounces suppress a contact)."""

from __future__ import annotations

from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import rows


def build(s: Scope):
    """The 3-hard-bounce suppression list (kpi-spec Message status; fct_suppressions): one row
    per suppressed contact of the account scope whose local suppression day is in range, with
    the contact's phone (personal data, as in the send report's contact lists)."""
    w = s.where(date_column="x.suppressed_date_day", account_column="x.account_id")
    found = rows(
        s.con,
        f"""
        select
            x.account_id,
            x.contact_id,
            c.phone,
            x.suppressed_at,
            x.reason,
            x.hard_bounce_count,
            x.last_error_code
        from marts.fct_suppressions as x
        left join marts.dim_contacts as c on x.contact_id = c.contact_id
        where {w.sql()}
        order by x.suppressed_at, x.account_id, x.contact_id
        """,
        w.params,
    )
    return {"suppressed_contacts": len(found)}, found, {}

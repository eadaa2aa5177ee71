"""The campaign box (kpi-spec "Campaign box", ThruText-style): one row per campaign, as of now;
the headline sums the campaigns' counts and derives their ratios."""

from __future__ import annotations

from orchestration.kpi_registry.sends import CAMPAIGN_BOX
from orchestration.reporting.scope import Scope
from orchestration.reporting.sql import rows

# The campaign box's counts as the registry lists them; the headline sums them over campaigns.
_COUNTS = tuple(k.key for k in CAMPAIGN_BOX.counts_of("mart_campaign_box"))


def build(s: Scope):
    w = s.where(date_column=None, campaign_column="campaign_id")
    campaigns = rows(
        s.con,
        f"""
        select
            campaign_id, account_id, campaign_name, campaign_type, status,
            {", ".join(_COUNTS)}, reply_rate, enrollments_per_sender
        from marts.mart_campaign_box
        where {w.sql()}
        order by account_id, campaign_id
        """,
        w.params,
    )
    for row in campaigns:
        for key in _COUNTS:
            row[key] = int(row[key] or 0)
    kpis = CAMPAIGN_BOX.derive({key: sum(r[key] for r in campaigns) for key in _COUNTS})
    return kpis, campaigns, {}

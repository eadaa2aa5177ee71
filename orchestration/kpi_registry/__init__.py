"""The KPI registry: every KPI key of every report view, defined once.

An entry says what a key is (label, kind), where it comes from (the mart column or the finest
fact grain it is counted on), which of its view's filters it honours, which semantic metric
publishes it, and the kpi-spec line it implements. A rate, mean, share or "per" ratio names its
numerator and denominator keys and is computed from them by ``View.derive`` / ``rate``: the
reporting API, its exports, the executive report, the formula checks and the tests all read
this package, and ``orchestration_tests/test_kpi_registry.py`` fails when a mart column or a
semantic metric disagrees with it (``test_reporting.py``: when an API JSON key does).

Why a Python module, not a YAML file: every reader is Python, the entries are typed and checked
when the module loads (a rate naming an unregistered key fails at import), and no loader layer
sits between the definition and its readers. The semantic layer is YAML that dbt must parse on
its own, so it cannot read these modules; the agreement test holds it to it instead.

Adding a KPI: an entry in its view's module, the mart column (with its dbt unit test worked from
the spec), the semantic measure and metric; the tests name whatever is missing. The reference
implementation (``orchestration/reference/``) does NOT read this package: it is the independent
check.

``definitions`` says what an entry is and computes the ratios; the entries are tables of data, one
module per view family (``messaging``, ``calling``, ``sends``, ``usage``, ``compliance``); this
module gathers them into ``REGISTRY``, the one place every reader looks a view up.
"""

from __future__ import annotations

from orchestration.kpi_registry.calling import CALLING
from orchestration.kpi_registry.compliance import CARRIER_BLOCK_ANOMALIES, COMPLIANCE
from orchestration.kpi_registry.definitions import View
from orchestration.kpi_registry.messaging import MESSAGING
from orchestration.kpi_registry.sends import CAMPAIGN_BOX, SEND_REPORT, SUPPRESSIONS
from orchestration.kpi_registry.usage import CONVERSATIONS, CREDITS, USAGE

REGISTRY: dict[str, View] = {
    v.name: v
    for v in (
        MESSAGING, CALLING, CAMPAIGN_BOX, SEND_REPORT, USAGE, CREDITS, CONVERSATIONS, SUPPRESSIONS,
        COMPLIANCE, CARRIER_BLOCK_ANOMALIES,
    )
}  # fmt: skip
VIEWS = tuple(REGISTRY)


def is_fraction(view_name: str, key: str) -> bool:
    """Whether a column of a view's tables is a fraction (shown as a percent)."""
    v = REGISTRY[view_name]
    return any(
        kpi.key == key and kpi.unit == "fraction"
        for entries in (v.kpis, *v.sections.values())
        for kpi in entries
    )

"""The executive report: one self-contained HTML page per admin (top-level) account, rendered
from the published marts after each refresh (headline KPIs vs the previous week, trends,
calling funnel, templates by carrier-block rate, credits against the allowance)."""

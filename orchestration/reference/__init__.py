"""An independent reference implementation of every KPI of kpi-spec.md, for tests and checks.

It reads only the staged rows (``staging.stg_platform__*``, plain ``select *``) and the seeds'
code lists, and computes every report view in plain Python from the text of the spec: its own
attribution window, final delivery status, streaks, local days (zoneinfo), account roll-up and
filters. It shares no SQL with the models and no computation with the reporting API, so a
disagreement between the two is a finding about one of them. Entry point:
``orchestration.reference.report.reference_report``.
"""

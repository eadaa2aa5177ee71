"""One module per report view: each ``build(scope)`` returns the view's (kpis, rows, sections)
over the marts, its ratios derived by the KPI registry (orchestration.kpi_registry)."""

"""Reporting layer: the views of the Reporting page, campaign box, send report, usage, credits
and text conversations over the marts, as a Python API, CLI output and CSV / XLSX exports."""

"""comms_warehouse orchestration: landing loader, Dagster definitions and the command line."""

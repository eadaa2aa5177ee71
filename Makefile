# comms_warehouse — the two commands in the README are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= landing
WAREHOUSE ?= warehouse/comms.duckdb
SEED ?= 42
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: setup browser demo refresh test lint docs ui bench clean

setup: $(BIN)/comms-warehouse

# Reproducible install: versions come from constraints.txt (the lock), not from the resolver.
# pip brings in uv (locked too), and uv installs the project: it downloads in parallel, 14 s of
# CPU against pip's 41 for the same 145 packages at the same versions (measured on a fresh venv
# each). It then compiles every installed module's bytecode, on all cores, as pip does by
# default: Python would cache a module's bytecode at its first import, but not where
# PYTHONDONTWRITEBYTECODE is set (as on this machine), and then every process compiled
# every module it imported, each time: ~10 s of CPU in each refresh (4 of them in its dbt build).
$(BIN)/comms-warehouse: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --constraint constraints.txt uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --constraint constraints.txt --editable '.[dev]' \
		--compile-bytecode
	@touch $@

# The dbt parse a refresh of warehouse $(1) starts from (orchestration/dbt/parse.py): dbt keeps a
# parse for the profile and the target name it was made with (of the profile, only the
# warehouse's file name counts here). The refresh names the target (duckdb unless
# COMMS_WAREHOUSE_TARGET says otherwise), and so do sqlfluff (.sqlfluff) and docs generate here.
PREPARE_DBT = COMMS_WAREHOUSE_PATH=$(abspath $(1)) $(BIN)/python -m orchestration.dbt.parse

## Generate the demo data (once), load it, build every model, run every check.
# On a fresh checkout the refresh would start with dbt's parse of the whole project (~6 s of CPU,
# on one core, two thirds of its start-up); generating the files needs no parse and runs on one
# core too, so the parse runs beside it, on the other, and the refresh finds it current
# (orchestration/dbt/parse_state.py). Should the parse fail, the refresh parses again and says why.
demo: setup
	@$(call PREPARE_DBT,$(WAREHOUSE)) & parse=$$!; \
	test -d $(LANDING) || $(BIN)/comms-warehouse generate --scale demo --seed $(SEED) --out $(LANDING); \
	generated=$$?; wait $$parse; exit $$generated
	$(BIN)/comms-warehouse refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

refresh: setup
	$(BIN)/comms-warehouse refresh --landing $(LANDING) --warehouse $(WAREHOUSE)

## Lint, compile the docs, and run the whole test suite (Python tests build dbt on small data).
# On two workers, one per core, a module at a time (orchestration_tests/conftest.py schedules
# the long builds first and shares the session warehouse between them); the 30 slowest tests are
# listed at the end, the profile to start from when the suite grows slow. The tests' temporary files live in
# memory where /dev/shm exists: Dagster's SQLite event log and DuckDB sync each commit to disk,
# which throwaway test warehouses do not need and which made up much of a test refresh's time.
TEST_TMPDIR ?= $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm || echo "$${TMPDIR:-/tmp}")
# A command run just before pytest: .ci/run waits there for what it installs beside the lint.
BEFORE_PYTEST ?=
test: DOCS_NO_COMPILE := --no-compile
test: setup browser lint docs
	$(BEFORE_PYTEST)
	TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=30

# Debian's Chromium renders the executive report in a test; its test skips if it cannot be had.
browser:
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "chromium could not be installed: the screenshot test will skip")

# sqlfluff's dbt templater and `make docs` parse the project with one and the same (empty)
# warehouse path: dbt keeps its parse only for the profile it was made with (the path is part of
# it), so with one path the second of them re-reads the first one's parse instead of parsing anew.
# Its file is named like every test warehouse (conftest.py): a refresh re-uses a parse made for a
# warehouse of the same name in another folder (orchestration/dbt/parse.py).
PARSE_WAREHOUSE := $(CURDIR)/target/warehouse.duckdb

# sqlfluff parses with its Rust lexer and parser (the `rs` extra, sqlfluffrs: used when installed)
# and checks the same rules in Python: on 20 rendered models holding 1,975 violations both
# parsers report the same violations, fixes and segment counts, in 11.3 s of CPU against 14.6.
lint: setup
	$(BIN)/ruff check orchestration datagen orchestration_tests benchmarks
	$(BIN)/ruff format --check orchestration datagen orchestration_tests benchmarks
	COMMS_WAREHOUSE_PATH=$(PARSE_WAREHOUSE) $(BIN)/sqlfluff lint models tests --processes 2

# `make docs`: the docs site, every node compiled for its SQL pages; docs generate parses the
# project itself (a `dbt parse` before it parsed everything twice). Under `make test` the suite
# builds every node, so a node that does not compile fails it anyway: there docs generate skips
# compiling, and as it then writes no manifest.json (the tests' Dagster assets read it), the
# refresh's own parse (`prepare_dbt`) writes that first and docs generate re-uses its parse:
# 4.5 + 3.8 s of CPU against 14.7 s (measured twice each). `prepare_dbt` also records the
# profile the parse was made for, so each test worker's first refresh, starting from this parse,
# re-uses it (a partial parse) instead of parsing the whole project again.
docs: setup
	$(if $(DOCS_NO_COMPILE),$(call PREPARE_DBT,$(PARSE_WAREHOUSE)))
	COMMS_WAREHOUSE_PATH=$(PARSE_WAREHOUSE) $(BIN)/dbt docs generate --target duckdb --empty-catalog \
		$(DOCS_NO_COMPILE) --quiet

ui: setup
	$(call PREPARE_DBT,$(WAREHOUSE))
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/$(dir $(WAREHOUSE)).$(notdir $(WAREHOUSE)).dagster} COMMS_WAREHOUSE_PATH=$(CURDIR)/$(WAREHOUSE) \
	COMMS_WAREHOUSE_LANDING=$(CURDIR)/$(LANDING) $(BIN)/dagster dev -m orchestration.definitions

bench: setup
	$(BIN)/python -m benchmarks.scale --scale $${SCALE:-demo} --target $${TARGET:-duckdb}

clean:
	rm -rf target logs warehouse .dagster_home

"""The raw contract has one source, orchestration/landing/contract.py; the dbt side follows it.

The sources YAML mirrors it (same columns in the same order, "Required." said of exactly the
required ones), the var raw_required_columns in dbt_project.yml lists the required columns the
`reject_missing_required` macro writes checks for, and every base model types every contract
column and takes its missing-required checks from that macro. These tests
fail when a column is added to one place and not the others. No warehouse needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from orchestration.landing.contract import ENTITIES, METADATA_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / "models" / "staging" / "platform"
SOURCES = STAGING / "_platform__sources.yml"
BASE_MACROS = ROOT / "macros" / "staging" / "base"
LOADER_TABLES = {"_load_ledger"}  # the loader's own bookkeeping, not a landed entity


def _source_tables() -> dict[str, dict]:
    (platform,) = yaml.safe_load(SOURCES.read_text())["sources"]
    return {table["name"]: table for table in platform["tables"]}


def _base_sql(entity: str) -> str:
    """The base model's SQL, or that of the macro it is (incremental staging applies the macro
    to the raw rows it stages again: macros/staging/base/)."""
    model = (STAGING / "base" / f"base_platform__{entity}.sql").read_text()
    if model.strip() == f"{{{{ base_{entity}(source('platform', '{entity}')) }}}}":
        return (BASE_MACROS / f"base_{entity}.sql").read_text()
    return model


def test_sources_name_every_contract_entity_and_nothing_else():
    assert set(_source_tables()) - LOADER_TABLES == set(ENTITIES)


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_source_columns_are_the_contract_columns_then_the_metadata(entity):
    columns = [column["name"] for column in _source_tables()[entity]["columns"]]
    assert columns == [*ENTITIES[entity].columns, *METADATA_COLUMNS]


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_source_says_required_of_exactly_the_contract_required_columns(entity):
    marked = {
        column["name"]
        for column in _source_tables()[entity]["columns"]
        if "Required." in column.get("description", "")
    }
    assert marked == ENTITIES[entity].required


def test_dbt_var_lists_the_contract_required_columns_in_contract_order():
    required = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    expected = {
        name: [c for c in entity.columns if c in entity.required]
        for name, entity in ENTITIES.items()
    }
    assert required["raw_required_columns"] == expected


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_base_model_types_every_contract_column(entity):
    # `typed as {{ materialized_cte() }} (`: PostgreSQL must not inline the typing (README)
    opening = r"typed as (?:\{\{ materialized_cte\(\) \}\} )?\("
    typed = re.split(opening, _base_sql(entity), maxsplit=1)[1]
    typed = typed.split("\n),", 1)[0]
    aliases = set(re.findall(r"\bas (\w+),?\n", typed)) | set(
        re.findall(r"^\s+(\w+),$", typed, re.M)
    )
    missing = [c for c in ENTITIES[entity].columns if c not in aliases]
    assert not missing, f"base_platform__{entity} does not type {missing}"


@pytest.mark.parametrize("entity", sorted(ENTITIES))
def test_base_model_takes_its_required_checks_from_the_contract(entity):
    sql = _base_sql(entity)
    calls = re.findall(r"reject_missing_required\('(\w+)'(?:, parsed=\[([^\]]*)\])?\)", sql)
    assert [name for name, _ in calls] == [entity], "one reject_missing_required call, its own"
    assert "'missing_required|" not in sql, "a hand-written missing_required check"
    parsed = re.findall(r"'(\w+)'", calls[0][1])
    assert set(parsed) <= ENTITIES[entity].required
    for column in parsed:  # a parsed column is judged missing on its raw text
        assert f"as raw_{column}" in sql

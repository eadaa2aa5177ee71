"""A dbt-duckdb plugin (profiles.yml, `plugins`): each cursor of dbt's connection searches the
warehouse's marts file as every other reader's connection does (warehouse_connection.search_both),
so SQL written by hand and run through dbt, MetricFlow's filters among it
(`{{ Entity('account') }} in (select ... from marts.bdg_account_hierarchy ...)`), finds `marts.x`
in either file. dbt's own SQL names every relation in full and needs none of it.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration import warehouse_connection


class Plugin(BasePlugin):
    def configure_cursor(self, cursor) -> None:
        warehouse_connection.search_both(cursor)

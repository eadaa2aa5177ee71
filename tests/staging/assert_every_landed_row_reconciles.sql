-- Fails with one row per landed file whose rows do not add up:
-- landed = staged + quarantined + duplicates, and landed = the ledger's rows_loaded.
select *
from {{ ref('audit__load_reconciliation') }}
where not is_reconciled

-- generate_surrogate_key: the md5 of the parts as text joined by '|', a null part written '~'
-- (macros/cross_db/generate_surrogate_key.sql). Expected digests are md5 of the strings shown,
-- computed outside dbt (Python's hashlib): a date is written YYYY-MM-DD, a number as its digits,
-- an empty string stays empty (not a null). Returns the cases that come out wrong.
{{ config(meta={'dagster': {'ref': {'name': 'mart_messaging_kpis'}}}) }}
-- A macro test reads no model; depending on the one it is reported on makes Dagster run it as
-- that asset's check instead of warning that dbt ran a test it did not select.
-- depends_on: {{ ref('mart_messaging_kpis') }}
with

cases as (

    -- 'acc_1|2026-03-01|~|t_9': an account, a day, no campaign, a template
    select
        'date, null and text' as case_name,
        {{ generate_surrogate_key([
            "'acc_1'", "cast('2026-03-01' as date)", 'cast(null as ' ~ dbt.type_string() ~ ')', "'t_9'"
        ]) }} as got,
        '4469899ff585ca93d0f04be646acd54c' as expected
    union all
    -- '~|~': every part null still makes a key
    select
        'all null' as case_name,
        {{ generate_surrogate_key([
            'cast(null as ' ~ dbt.type_string() ~ ')', 'cast(null as ' ~ dbt.type_int() ~ ')'
        ]) }} as got,
        '81ab0a818ce7845eedddb4f4e09c907f' as expected
    union all
    -- '|~': an empty string is a value, unlike a null
    select
        'empty is not null' as case_name,
        {{ generate_surrogate_key(["''", 'cast(null as ' ~ dbt.type_string() ~ ')']) }} as got,
        '4daee4359040d39a9b0d4f3e4537c7f1' as expected
    union all
    -- '7|c_2': an integer part written as its digits
    select
        'integer' as case_name,
        {{ generate_surrogate_key(['cast(7 as ' ~ dbt.type_int() ~ ')', "'c_2'"]) }} as got,
        '81c942da3e59e66b508321f715eb8a4a' as expected

)

select
    case_name,
    got,
    expected
from cases
where got is null or got <> expected

{#-
    The repeated parts of the staging layer, written once. A base model keeps its explicit typed
    column list and its entity-specific checks; these macros write the checks every entity has.

    In a base model's rejection case:
      {{ reject_missing_required('messages', parsed=['created_at']) }}  -- first branches
      {{ reject_bad_timestamp('created_at') }}                          -- one per timestamp
      {{ reject_unknown_account() }}                                    -- joins valid_accounts
    and in its final select {{ reject_reason_columns() }}.
    In an stg model: {{ latest_valid_versions('base', 'message_id') }} as a CTE body.
-#}

{#-
    One branch per required column of a raw entity, in contract order, from the var
    raw_required_columns (dbt_project.yml), which a test (orchestration_tests/
    test_raw_contract.py) holds equal to orchestration/landing/contract.py. A var, not the source
    YAML, because unit tests compile models without the project graph.
    `parsed` lists the required columns whose typed value is parsed from text (timestamps,
    numbers, phones): those are missing when their raw text is (typed.raw_<column>), while an
    unparseable value is a bad_* reason of its own.
-#}
{% macro reject_missing_required(entity, parsed=[]) -%}
    {%- set required = var('raw_required_columns').get(entity) -%}
    {%- if not required -%}
        {{ exceptions.raise_compiler_error(
            "var raw_required_columns has no required column for entity " ~ entity) }}
    {%- endif -%}
    {%- for column in parsed if column not in required -%}
        {{ exceptions.raise_compiler_error(
            "reject_missing_required: " ~ column ~ " is not a required column of " ~ entity) }}
    {%- endfor -%}
    {%- for column in required %}
            when typed.{{ 'raw_' if column in parsed else '' }}{{ column }} is null
                then 'missing_required|{{ column }} is missing'
    {%- endfor -%}
{%- endmacro %}

{% macro reject_bad_timestamp(column) -%}
            when typed.raw_{{ column }} is not null and typed.{{ column }} is null
                then 'bad_timestamp|{{ column }} is not an ISO-8601 timestamp: '''
                    || typed.raw_{{ column }} || ''''
{%- endmacro %}

{#- Needs a `valid_accounts` CTE (account_id of stg_platform__accounts) joined on account_id. -#}
{% macro reject_unknown_account() -%}
            when valid_accounts.account_id is null
                then 'unknown_account|account_id is not a valid account: '''
                    || typed.account_id || ''''
{%- endmacro %}

{#- The 'reason|detail' text of the rejection case, split into the two audit columns. -#}
{% macro reject_reason_columns(rejection='rejection') -%}
        {{ dbt.split_part(rejection, "'|'", 1) }} as reject_reason,
        substr({{ rejection }}, {{ dbt.position("'|'", rejection) }} + 1) as reject_detail
{%- endmacro %}

{#-
    Deduplication: the valid rows of a base model, ranked within each key; version_rank = 1 is
    the version staging keeps. Dimensions pass `updated_at`: the latest update wins. Ties (and
    events, which are never updated) go to the latest export, file and row, so exact repeats
    collapse to one row.

    `repeated` (the large entities' staging): the name of a CTE holding the keys with more than
    one valid row (repeated_valid_keys). A key's only valid row is its version 1 without a
    rank: the window then sorts the few repeated keys' rows instead of every row (at M, 1.5 %
    of the delivery events), for the same ranks.
-#}
{% macro latest_valid_versions(relation, key, updated_at=none, repeated=none) -%}
    {%- if repeated is none %}
    select
        *,
        {{ version_rank_over(key, updated_at) }} as version_rank
    from {{ relation }}
    where reject_reason is null
    {%- else %}
    {%- set keys = key.split(',') | map('trim') | list %}
    {%- set same_key -%}
        {%- for column in keys %}{{ relation }}.{{ column }} = {{ repeated }}.{{ column }}
        {%- if not loop.last %} and {% endif %}{% endfor -%}
    {%- endset %}
    select
        {{ relation }}.*,
        1 as version_rank
    from {{ relation }}
    left join {{ repeated }}
        on {{ same_key }}
    where {{ relation }}.reject_reason is null and {{ repeated }}.{{ keys[0] }} is null
    union all
    select
        {{ relation }}.*,
        {{ version_rank_over(key, updated_at, relation ~ '.') }} as version_rank
    from {{ relation }}
    inner join {{ repeated }}
        on {{ same_key }}
    where {{ relation }}.reject_reason is null
    {%- endif %}
{%- endmacro %}

{#- The rank of a row among its key's valid rows (latest_valid_versions); `prefix` qualifies
    the columns. -#}
{% macro version_rank_over(key, updated_at=none, prefix='') -%}
    row_number() over (
            partition by
            {%- for column in key.split(',') %} {{ prefix }}{{ column | trim }}{{ ',' if not loop.last }}{% endfor %}
            order by
                {%- if updated_at %} {{ prefix }}{{ updated_at }} desc nulls last,{% endif %}
                {{ prefix }}_export_date desc, {{ prefix }}_file_path desc, {{ prefix }}_row_number desc
        )
{%- endmacro %}

{#- The keys of `relation` with more than one valid row: the CTE latest_valid_versions ranks
    (its `repeated` argument). Where the engine has a 64-bit hash, only the rows whose key hash
    repeats are grouped (only_repeated_key_hashes, as the unique rule): the same keys. At M,
    grouping 22 M event ids as text was about a tenth of stg_platform__message_events' CPU (a
    full build's select written 29.5-30.3 -> 26.6-26.7 s, stg_platform__messages' 24.5-25.1 ->
    22.5-23.7). -#}
{% macro repeated_valid_keys(relation, key) -%}
    {%- set rows_from %}
    from {{ relation }}
    where reject_reason is null
    {%- endset %}
    select {{ key }}
    {{ rows_from }}
    {{ only_repeated_key_hashes(key.split(',') | map('trim') | list, rows_from) }}
    group by {{ key }}
    having count(*) > 1
{%- endmacro %}

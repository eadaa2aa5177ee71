{#-
    Incremental re-reading, written once for the models watermarked on load time.

    incremental_reread_from(): the load time an incremental run re-reads its inputs from: the
    newest `_loaded_at` already in the model's table, less var('incremental_load_margin_minutes').
    Load time, not event time: a late event lands with a new load time however old it is, so
    the margin covers clock skew only (a lookback of event hours here would re-read days of
    loads every hour). A literal read before the run, not a scalar subquery, so the engine prunes
    the raw tables on it instead of computing a whole staging view and filtering after. none on
    a full build, on an empty table and at parse time: then the model reads everything.
-#}
{% macro incremental_reread_from(loaded_at='_loaded_at') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest_query = 'select max(' ~ loaded_at ~ ') from ' ~ this -%}
    {%- set newest = run_query(newest_query).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest_literal = "cast('" ~ newest ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {{ return(dbt.dateadd(
        'minute', -1 * var('incremental_load_margin_minutes'), newest_literal
    )) }}
{%- endmacro %}

{#-
    The `base` rows of an incremental staging model (messages, delivery events, clicks, calls):
    its base model (`entity`: base_platform__<entity>) on a full build; on an incremental run,
    the base model's SQL (the macro `base_rows`, e.g. base_messages) over only the raw rows of
    the keys to stage again, each key with all its versions so latest_valid_versions ranks them
    as a full build does; the model then merges on its key. Filtering the raw rows before the
    base SQL types and checks them, not the base view after: the engine cannot push a key
    filter through the view's parsing and owner joins, so the view typed, checked and joined
    every raw row (all 22 M delivery events at M) to keep the ~1 % whose key changed.
    A key is staged again when a raw row of it was loaded since incremental_reread_from(), or
    when its validity may have moved: an owner it is judged against (`owners`: its account,
    campaign or enrollment, each in a column <owner>_id) changed since (changed_owner_ids).
    The keys are read from the raw table, whose ids the base model only trims to null when
    empty.
    Not handled here: a key whose every version turns invalid (an owner landed late on another
    account) keeps its old row, as a merge cannot delete it. Not silent: its file no longer
    reconciles (audit__load_reconciliation counts the row staged and set aside), which fails the
    build until a --full-refresh build (the daily one) drops the row.
-#}
{% macro staged_base_rows(base_rows, entity, key, owners=[]) -%}
    {#- every relation either branch reads is named before any early return, so the parse
        records them: the owners', the base model's and those its SQL reads -#}
    {%- for owner in owners -%}
        {%- do changed_owner_ids(owner, none) -%}
    {%- endfor -%}
    {%- set base_model = ref('base_platform__' ~ entity) -%}
    {%- set raw_relation = source('platform', entity) -%}
    {%- do base_rows(raw_relation) -%}
    {%- set reread_from = incremental_reread_from() -%}
    {%- if reread_from is none %}
    select * from {{ base_model }}
    {%- else -%}
    {%- set restaged_rows -%}
        (
            select * from {{ raw_relation }}
            where {{ key }} in (
                select {{ key }} from {{ raw_relation }} where _loaded_at > {{ reread_from }}
                {%- for owner in owners %}
                union all
                select {{ key }} from {{ raw_relation }}
                where {{ owner }}_id in ({{ changed_owner_ids(owner, reread_from) }})
                {%- endfor %}
            )
        ) as restaged_raw_rows
    {%- endset %}
    select * from (
        {{ base_rows(restaged_rows) }}
    ) as restaged_base_rows
    {%- endif -%}
{%- endmacro %}

{#-
    The ids of an owner whose kept row now is new or belongs elsewhere than the row kept from
    the rows loaded up to reread_from: an account that became valid, a campaign that moved
    account, an enrollment that moved campaign or whose campaign moved account (an enrollment's
    owner is its campaign's account). Only an owner whose kept row was loaded since can differ.
    An owner re-exported unchanged (a campaign's ended_at set) moves nothing.
-#}
{% macro changed_owner_ids(owner, reread_from) -%}
    {%- set id, belongs_to, updated_at = {
        'account': ('account_id', none, 'updated_at'),
        'campaign': ('campaign_id', 'account_id', 'updated_at'),
        'enrollment': ('enrollment_id', 'campaign_id', none),
    }[owner] -%}
    {%- set kept_now = ref('stg_platform__' ~ owner ~ 's' if owner != 'enrollment'
        else 'stg_platform__campaign_enrollments') -%}
    {%- if owner == 'enrollment' -%}
        {%- do changed_owner_ids('campaign', none) -%}
        {%- set raw_enrollments = source('platform', 'campaign_enrollments') -%}
        {%- do base_campaign_enrollments(raw_enrollments) -%}
    {%- else -%}
        {%- set versions = ref('base_platform__' ~ owner ~ 's') -%}
    {%- endif -%}
    {%- if reread_from is not none -%}
        {#- earlier versions of the owners kept from a row loaded since: only those can differ -#}
        {%- set earlier = ' where _loaded_at <= ' ~ reread_from ~ ' and ' ~ id ~ ' in (select '
            ~ id ~ ' from ' ~ kept_now ~ ' where _loaded_at > ' ~ reread_from ~ ')' -%}
        {%- if owner == 'enrollment' -%}
            {#- the base SQL over those enrollments' raw rows, not the base view filtered after
                it checked all of them (3.4 M at M); accounts and campaigns are a few hundred -#}
            {%- set loaded_before = '(' ~ base_campaign_enrollments(
                '(select * from ' ~ raw_enrollments ~ earlier ~ ') as earlier_raw_rows'
            ) ~ ') as loaded_before' -%}
        {%- else -%}
            {%- set loaded_before = '(select * from ' ~ versions ~ earlier ~ ') as loaded_before' -%}
        {%- endif -%}
        select kept_now.{{ id }}
        from {{ kept_now }} as kept_now
        left join (
            select ranked.*
            from ({{ latest_valid_versions(loaded_before, id, updated_at=updated_at) }}) as ranked
            where ranked.version_rank = 1
        ) as kept_before
            on kept_now.{{ id }} = kept_before.{{ id }}
        where
            kept_now._loaded_at > {{ reread_from }}
            and (
                kept_before.{{ id }} is null
                {%- if belongs_to %}
                    or kept_before.{{ belongs_to }} <> kept_now.{{ belongs_to }}
                {%- endif %}
            )
        {%- if owner == 'enrollment' %}
        union all
        select enrollment_id
        from {{ kept_now }}
        where campaign_id in ({{ changed_owner_ids('campaign', reread_from) }})
        {%- endif %}
    {%- endif -%}
{%- endmacro %}

{#-
    The condition "the staged message `message` (an alias with account_id, campaign_id and
    enrollment_id) has an owner with a staged row loaded after `loaded_after`": its account,
    campaign or enrollment, or its enrollment's campaign. A superset of the messages
    staged_base_rows stages again for a new or moved owner (changed_owner_ids), found
    without comparing every staged message with a model's own table: the per-message models
    recompute these beside the messages loaded since, a message staging never held before among
    them. The owners are named in staging_owner_refs() so the parse records them.
-#}
{% macro staged_owner_loaded_since(message, loaded_after) -%}
    {%- set owners = staging_owner_refs() -%}
    {%- set loaded_campaigns -%}
        select loaded_campaigns.campaign_id from {{ owners.campaign }} as loaded_campaigns
        where loaded_campaigns._loaded_at > {{ loaded_after }}
    {%- endset -%}
    (
        {{ message }}.account_id in (
            select loaded_accounts.account_id from {{ owners.account }} as loaded_accounts
            where loaded_accounts._loaded_at > {{ loaded_after }}
        )
        or {{ message }}.campaign_id in ({{ loaded_campaigns }})
        or {{ message }}.enrollment_id in (
            select loaded_enrollments.enrollment_id from {{ owners.enrollment }} as loaded_enrollments
            where
                loaded_enrollments._loaded_at > {{ loaded_after }}
                or loaded_enrollments.campaign_id in ({{ loaded_campaigns }})
        )
    )
{%- endmacro %}

{#- The staged owners staged_owner_loaded_since reads; call it outside any is_incremental()
    branch so the parse records them. -#}
{% macro staging_owner_refs() -%}
    {{ return({
        'account': ref('stg_platform__accounts'),
        'campaign': ref('stg_platform__campaigns'),
        'enrollment': ref('stg_platform__campaign_enrollments'),
    }) }}
{%- endmacro %}

{#- The newest load a model already processed, less the margin: a scalar subquery over its own
    table (so a unit test's `this` rows answer it), for the per-message and per-click models
    (int_messages__segmented, int_messages__delivery_outcome, fct_link_clicks). An empty table
    gives the earliest timestamp, so the run processes every staged row: a model built while no
    message or click had landed must still take them when they land. -#}
{% macro processed_loaded_after() -%}
    (
        select
            coalesce(
                {{ dbt.dateadd(
                    'minute', -1 * var('incremental_load_margin_minutes'), 'max(processed._loaded_at)'
                ) }},
                cast('1970-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )
        from {{ this }} as processed
    )
{%- endmacro %}

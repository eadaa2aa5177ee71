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
    The where clause of an incremental staging model's `base` CTE (messages, delivery events,
    clicks, calls): on an incremental run, the keys to stage again, each with all its versions
    so latest_valid_versions ranks them as a full build does; the model then merges on its key.
    A key is staged again when a raw row of it was loaded since incremental_reread_from(), or
    when its validity may have moved: an owner row it is judged against (`owners`: its account,
    campaign or enrollment, each in a column <owner>_id) was loaded since. The keys are read from
    the raw table (`raw_relation`), whose ids the base model only trims to null when empty.
    Not caught here (the daily --full-refresh build is): a key whose every version turns invalid
    (an owner landed late on another account) keeps its old row, as a merge cannot delete it.
-#}
{% macro incremental_staging_filter(raw_relation, key, owners=[]) -%}
    {%- set owner_models = {
        'account': 'stg_platform__accounts',
        'campaign': 'stg_platform__campaigns',
        'enrollment': 'stg_platform__campaign_enrollments',
    } -%}
    {#- ref() before any early return, so the parse records the dependencies -#}
    {%- set owner_relations = {} -%}
    {%- for owner in owners -%}
        {%- do owner_relations.update({owner: ref(owner_models[owner])}) -%}
    {%- endfor -%}
    {%- if 'enrollment' in owners -%}
        {%- do owner_relations.update({'campaign': ref(owner_models['campaign'])}) -%}
    {%- endif -%}
    {%- set reread_from = incremental_reread_from() -%}
    {%- if reread_from is not none %}
    where {{ key }} in (
        select {{ key }} from {{ raw_relation }} where _loaded_at > {{ reread_from }}
        {%- for owner in owners %}
        union all
        select {{ key }} from {{ raw_relation }}
        where {{ owner }}_id in (
            select {{ owner }}_id from {{ owner_relations[owner] }}
            where _loaded_at > {{ reread_from }}
            {%- if owner == 'enrollment' %}
                -- an enrollment's owner is its campaign's account
                or campaign_id in (
                    select campaign_id from {{ owner_relations['campaign'] }}
                    where _loaded_at > {{ reread_from }}
                )
            {%- endif %}
        )
        {%- endfor %}
    )
    {%- endif -%}
{%- endmacro %}

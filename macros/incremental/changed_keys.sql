{#-
    The changed keys of a run, computed once instead of once per incremental model.

    changed_groups() finds, for each incremental model, the ids whose raw rows were loaded since
    the model's watermark (reread_from) and every version of the messages they reach: it reads
    every raw message event and message to find them. Twelve models (fct_messages twice) did
    that each. The run's on-run-start hook (record_changed_keys) now does it once, since a load
    time S no later than the models' watermarks, and keeps beside each id and message version
    the newest load that changes it (`changed_at`). An id changed since a watermark R >= S is
    one whose changed_at > R: each model still takes its own watermark.

    A shortcut, never a second definition: a model reads the recorded keys only when they were
    recorded from the raw tables as they are now (the raw tables only grow: same row count and
    newest load, same rows) and since a load time at or before its watermark
    (changed_keys_usable); otherwise it computes its groups from the raw tables as before. So a
    model built alone (`dbt build -s one_model`, with or without --full-refresh) or with
    another watermark gets the groups a whole build gives it, and the tables hold no state a
    model depends on.

    Four tables in the target schema, replaced by each incremental build that selects an
    incremental model (not by --full-refresh builds, not on Spark, which rebuilds everything):
    - _changed_keys_run: one row, the load time S they are recorded since and the raw tables'
      row count and newest load at the time;
    - _changed_keys_ids: (entity, id, changed_at) for 'message' (a raw row of it, or of a
      delivery event any version of which names it, loaded since), 'message_click' (a click
      naming it), 'account', 'campaign', 'campaign_steps' (the campaign's steps) and
      'enrollment' (the enrollment, or the campaign one of its versions names);
    - _changed_keys_versions: every raw message version one of those reaches (its message, its
      clicks, account, campaign, campaign steps or enrollment), its group columns, and the
      newest change per way it is reached;
    - _changed_keys_named: every raw message version an opt event or lead names, with its
      group columns. The models that rebuild the contacts of opt events and leads
      (changed_groups' `also`) look those up there, not in all the raw messages: each read
      every raw message two or three times to find a few hundred thousand (about 1 s of CPU
      each at 10 M messages, four models).
-#}

{#- The raw tables the recorded keys are computed from. -#}
{% macro changed_keys_raw_entities() -%}
    {{ return(['messages', 'message_events', 'link_clicks', 'accounts', 'campaigns',
        'campaign_steps', 'campaign_enrollments', 'opt_events', 'leads']) }}
{%- endmacro %}

{#- The relation of one of the three tables (run, ids, versions). -#}
{% macro changed_keys_relation(part) -%}
    {{ return(target.schema ~ '._changed_keys_' ~ part) }}
{%- endmacro %}

{#- The raw tables' row count and newest load, as select columns (loaded_rows, newest_load). -#}
{% macro changed_keys_raw_state() -%}
    {%- set entities = changed_keys_raw_entities() -%}
    (
        {%- for entity in entities %}
        (select count(*) from {{ source('platform', entity) }}){{ ' +' if not loop.last }}
        {%- endfor %}
    ) as loaded_rows,
    (
        select max(_loaded_at) from (
            {%- for entity in entities %}
            select max(_loaded_at) as _loaded_at from {{ source('platform', entity) }}
            {{- '\n            union all' if not loop.last }}
            {%- endfor %}
        ) as newest
    ) as newest_load
{%- endmacro %}

{#- The on-run-start hook: record the changed keys since the load before the newest one (less
    the load margin, as incremental_reread_from), when this build selects an incremental model
    and is not a --full-refresh; nothing on Spark. Returns the SQL dbt runs as the hook. -#}
{% macro record_changed_keys() -%}
    {%- if not execute or flags.WHICH not in ['build', 'run'] or flags.FULL_REFRESH
        or target.type not in ['duckdb', 'postgres'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set incremental_selected = graph.nodes.values()
        | selectattr('unique_id', 'in', selected_resources)
        | selectattr('config.materialized', 'equalto', 'incremental') | list -%}
    {%- if incremental_selected | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set messages = source('platform', 'messages') -%}
    {%- set previous = run_query(
        'select max(_loaded_at) from ' ~ messages ~ ' where _loaded_at < (select max(_loaded_at) from '
        ~ messages ~ ')').columns[0].values()[0] -%}
    {%- set since = none if previous is none else dbt.dateadd(
        'minute', -1 * var('incremental_load_margin_minutes'),
        "cast('" ~ previous ~ "' as " ~ dbt.type_timestamp() ~ ")") -%}
    create schema if not exists {{ target.schema }};
    {%- for part in changed_keys_parts() %}
    drop table if exists {{ changed_keys_relation(part) }};
    {%- endfor %}
    create table {{ changed_keys_relation('run') }} as
    select
        {{ since if since is not none else 'cast(null as ' ~ dbt.type_timestamp() ~ ')' }} as since,
        {{ changed_keys_raw_state() }};
    {%- if since is not none %}
    create table {{ changed_keys_relation('ids') }} as {{ changed_key_ids(since) }};
    create table {{ changed_keys_relation('versions') }} as
    {{ changed_message_versions(changed_keys_relation('ids')) }};
    create table {{ changed_keys_relation('named') }} as {{ named_message_versions() }};
    {%- endif %}
{%- endmacro %}

{#- The recorded tables (the top says what each holds). -#}
{% macro changed_keys_parts() -%}
    {{ return(['run', 'ids', 'versions', 'named']) }}
{%- endmacro %}

{#- Every raw message version an opt event or lead names (either may name another contact's
    message), with its group columns. -#}
{% macro named_message_versions() -%}
    select distinct messages.message_id, messages.account_id, messages.contact_id, messages.enrollment_id
    from {{ source('platform', 'messages') }} as messages
    where messages.message_id in (
        select message_id from {{ source('platform', 'opt_events') }}
        union all
        select message_id from {{ source('platform', 'leads') }}
    )
{%- endmacro %}

{#- The changed ids since `since` with the newest load that changes each (see the top). -#}
{% macro changed_key_ids(since) -%}
    {%- set raw = {} -%}
    {%- for entity in changed_keys_raw_entities() -%}
        {%- do raw.update({entity: source('platform', entity)}) -%}
    {%- endfor -%}
    {%- set loaded = '_loaded_at > ' ~ since -%}
    with

    loaded_events as (
        select event_id, max(_loaded_at) as changed_at
        from {{ raw.message_events }} where {{ loaded }} group by event_id
    ),

    loaded_clicks as (
        select click_id, max(_loaded_at) as changed_at
        from {{ raw.link_clicks }} where {{ loaded }} group by click_id
    ),

    loaded_campaigns as (
        select campaign_id, max(_loaded_at) as changed_at
        from {{ raw.campaigns }} where {{ loaded }} group by campaign_id
    ),

    changes as (
        select 'message' as entity, message_id as id, _loaded_at as changed_at
        from {{ raw.messages }} where {{ loaded }}
        union all
        -- every version of a delivery event loaded since names its message
        select 'message', events.message_id, loaded_events.changed_at
        from {{ raw.message_events }} as events
        inner join loaded_events on events.event_id = loaded_events.event_id
        union all
        select 'message_click', clicks.message_id, loaded_clicks.changed_at
        from {{ raw.link_clicks }} as clicks
        inner join loaded_clicks on clicks.click_id = loaded_clicks.click_id
        union all
        select 'account', account_id, _loaded_at from {{ raw.accounts }} where {{ loaded }}
        union all
        select 'campaign', campaign_id, changed_at from loaded_campaigns
        union all
        select 'campaign_steps', campaign_id, _loaded_at
        from {{ raw.campaign_steps }} where {{ loaded }}
        union all
        select 'enrollment', enrollment_id, _loaded_at
        from {{ raw.campaign_enrollments }} where {{ loaded }}
        union all
        -- an enrollment a version of which names a campaign loaded since
        select 'enrollment', enrollments.enrollment_id, loaded_campaigns.changed_at
        from {{ raw.campaign_enrollments }} as enrollments
        inner join loaded_campaigns on enrollments.campaign_id = loaded_campaigns.campaign_id
    )

    select entity, id, max(changed_at) as changed_at
    from changes
    group by entity, id
{%- endmacro %}

{#- Every raw message version a changed id reaches, with the newest change per way. -#}
{% macro changed_message_versions(ids) -%}
    {%- set ways = {
        'message_at': ('message', 'message_id'),
        'click_at': ('message_click', 'message_id'),
        'account_at': ('account', 'account_id'),
        'campaign_at': ('campaign', 'campaign_id'),
        'steps_at': ('campaign_steps', 'campaign_id'),
        'enrollment_at': ('enrollment', 'enrollment_id'),
    } -%}
    select
        messages.message_id,
        messages.account_id,
        messages.contact_id,
        messages.enrollment_id,
        {%- for column, (entity, id) in ways.items() %}
        max(by_{{ entity }}.changed_at) as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('platform', 'messages') }} as messages
    {%- for column, (entity, id) in ways.items() %}
    left join {{ ids }} as by_{{ entity }}
        on by_{{ entity }}.entity = '{{ entity }}' and messages.{{ id }} = by_{{ entity }}.id
    {%- endfor %}
    where
        {%- for column, (entity, id) in ways.items() %}
        {{ 'or ' if not loop.first }}by_{{ entity }}.id is not null
        {%- endfor %}
    group by messages.message_id, messages.account_id, messages.contact_id, messages.enrollment_id
{%- endmacro %}

{#- True when the recorded keys give a model with watermark `reread_from` its groups: recorded
    from the raw tables as they are now, since a load time at or before reread_from. -#}
{% macro changed_keys_usable(reread_from) -%}
    {%- if not execute or target.type not in ['duckdb', 'postgres'] -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set parts = changed_keys_parts() -%}
    {%- set recorded = run_query(
        "select count(*) from information_schema.tables where table_schema = '" ~ target.schema
        ~ "' and table_name in ('_changed_keys_" ~ (parts | join("', '_changed_keys_")) ~ "')"
    ).columns[0].values()[0] -%}
    {%- if recorded != parts | length -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set check -%}
        select count(*)
        from {{ changed_keys_relation('run') }} as recorded
        cross join (select {{ changed_keys_raw_state() }}) as now
        where
            recorded.since <= {{ reread_from }}
            and recorded.loaded_rows = now.loaded_rows
            and recorded.newest_load = now.newest_load
    {%- endset -%}
    {{ return(run_query(check).columns[0].values()[0] == 1) }}
{%- endmacro %}

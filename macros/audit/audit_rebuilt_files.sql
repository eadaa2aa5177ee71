{#-
    The audit models (audit__quarantined_rows, audit__load_reconciliation) keep their rows per
    entity and landed file, and an incremental run computes again only the files whose rows may
    have changed: a landed file never changes once loaded (raw._load_ledger), but how its rows
    end up can.
    - Deduplication across files: a row loaded since can supersede a row of an older file or
      repeat its id, so every file holding a row of a record (audit_record_keys(), the first
      key column: a superset for the two-column keys) touched since is computed again.
    - Validity judged against owners: a base model sets a row aside when its account is unknown
      or a campaign, enrollment or message it names belongs to another account. The owners an
      entity is judged against are the stg models its base model reads (from the graph, so a new
      check is followed). A judgement can change only where the owner's kept row did: an
      account that became valid, a campaign that moved account, an enrollment that moved
      campaign (changed_owner_ids, as incremental staging reads them), or whose own owner did
      (a campaign of such an account, an enrollment of such a campaign); a message, when a raw
      row of it was loaded since or it names any of those. An owner re-exported unchanged (a
      campaign's new status) judges nothing again: rebuilding every file naming it recounted
      about half the files at M for a day that adds one in a hundred.
    A file is computed again when a row of it is touched, or holds a record a touched row holds;
    files loaded since (the ledger's, so an empty file counts too) are new. A --full-refresh
    build computes every file.
-#}

{#- The record identity of each entity (raw-contract.md: one row per id; the latest version
    wins). A check, so written from the contract, not read from the stg models it checks. -#}
{% macro audit_record_keys() -%}
    {{ return({
        'accounts': ['account_id'], 'users': ['user_id'], 'inboxes': ['inbox_id'],
        'phone_numbers': ['phone_number_id'], 'contacts': ['contact_id'], 'labels': ['label_id'],
        'contact_labels': ['event_id'], 'templates': ['template_id'], 'campaigns': ['campaign_id'],
        'campaign_steps': ['campaign_id', 'step_number'],
        'campaign_senders': ['campaign_id', 'user_id', 'added_at'],
        'campaign_enrollments': ['enrollment_id'], 'messages': ['message_id'],
        'message_events': ['event_id'], 'link_clicks': ['click_id'], 'calls': ['call_id'],
        'opt_events': ['opt_event_id'], 'leads': ['lead_id'], 'deals': ['deal_id'],
    }) }}
{%- endmacro %}

{#- The load time an incremental run of an audit model computes files from: the newest ledger
    load among the files the model already holds, less var('incremental_load_margin_minutes'),
    a literal read before the run; none on a full build or an empty table (every file). -#}
{% macro audit_reread_from() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set newest = run_query(
        'select max(loaded_at) from ' ~ source('platform', '_load_ledger')
        ~ " where status = 'loaded' and (entity, file_id) in (select entity, file_id from "
        ~ this ~ ')'
    ).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(dbt.dateadd(
        'minute', -1 * var('incremental_load_margin_minutes'),
        "cast('" ~ newest ~ "' as " ~ dbt.type_timestamp() ~ ")"
    )) }}
{%- endmacro %}

{#- The owners an entity's validity is judged against: the stg models its base model reads. -#}
{% macro audit_owners(entity) -%}
    {%- set owner_models = {
        'stg_platform__accounts': 'account', 'stg_platform__campaigns': 'campaign',
        'stg_platform__campaign_enrollments': 'enrollment', 'stg_platform__messages': 'message',
    } -%}
    {%- set base = graph.nodes.get('model.' ~ project_name ~ '.base_platform__' ~ entity) -%}
    {%- set owners = [] -%}
    {%- for parent in base['depends_on']['nodes'] if base -%}
        {%- set owner = owner_models.get(parent.split('.')[-1]) -%}
        {%- if owner -%}
            {%- do owners.append(owner) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(owners | unique | list) }}
{%- endmacro %}

{#- The files an incremental run computes again, per entity: {entity: [file_id, ...]}, listed
    once before the run in a table (the pre_hook deletes their rows through it) and returned
    as literals: a literal list lets the engine read only those files' raw rows, where a
    subquery would be joined after parsing every row of a base model. none on a full build.
    The two audit models hold the same files, so the second finds the list the first made in
    this dbt invocation from the same load time and reads it (listing them took ~3 s of CPU
    at M, reading every raw message and delivery event); any other list is made anew. -#}
{% macro audit_rebuilt_file_ids() -%}
    {#- the owners' relations are ref()'d before any early return, so the parse records them -#}
    {%- for owner in ['account', 'campaign', 'enrollment'] -%}
        {%- do changed_owner_ids(owner, none) -%}
    {%- endfor -%}
    {%- set reread_from = audit_reread_from() -%}
    {%- if reread_from is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set listed = audit_rebuilt_files_table() -%}
    {%- set made_here = "invocation_id = '" ~ invocation_id ~ "' and reread_from = " ~ reread_from -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_catalog = '" ~ this.database
        ~ "' and table_schema = '" ~ target.schema ~ "' and table_name = '_audit_rebuilt_files'"
    ).columns[0].values()[0] -%}
    {%- if found == 0 or run_query('select count(*) from ' ~ listed ~ ' where entity is null and '
            ~ made_here).columns[0].values()[0] != 1 -%}
        {#- one row with no entity says which invocation and load time the list is for, so an
            empty list is found too -#}
        {%- do run_query('drop table if exists ' ~ listed) -%}
        {%- do run_query('create table ' ~ listed ~ ' as '
            ~ "select cast('" ~ invocation_id ~ "' as " ~ dbt.type_string() ~ ') as invocation_id, '
            ~ reread_from ~ ' as reread_from, cast(null as ' ~ dbt.type_string() ~ ') as entity, '
            ~ 'cast(null as ' ~ dbt.type_string() ~ ') as file_id, '
            ~ 'cast(null as date) as export_date '
            ~ "union all select '" ~ invocation_id ~ "', " ~ reread_from
            ~ ', entity, file_id, export_date from (' ~ audit_rebuilt_files(reread_from) ~ ') as rebuilt') -%}
    {%- endif -%}
    {%- set rebuilt = {} -%}
    {%- for entity in audit_record_keys() -%}
        {%- do rebuilt.update({entity: {'file_ids': [], 'export_dates': []}}) -%}
    {%- endfor -%}
    {%- for row in run_query('select distinct entity, file_id from ' ~ listed ~ ' where entity is not null').rows -%}
        {%- do rebuilt[row[0]]['file_ids'].append(row[1]) -%}
    {%- endfor -%}
    {#- the export days of the listed files' raw rows: those the list read, and every day the
        ledger records a listed file on (a file's rows carry its ledger day; the loader skips the
        same bytes landed again, so this adds a day only where a file's rows were not read) -#}
    {%- for row in run_query(
            'select entity, export_date from ' ~ listed ~ ' where entity is not null and export_date is not null'
            ~ ' union select ledger.entity, ledger.export_date from ' ~ source('platform', '_load_ledger')
            ~ ' as ledger inner join (select distinct entity, file_id from ' ~ listed
            ~ ' where entity is not null) as rebuilt on ledger.entity = rebuilt.entity'
            ~ ' and ledger.file_id = rebuilt.file_id where ledger.export_date is not null').rows -%}
        {%- do rebuilt[row[0]]['export_dates'].append(row[1] | string) -%}
    {%- endfor -%}
    {{ return(rebuilt) }}
{%- endmacro %}

{#- The list's table, beside the recorded changed keys (changed_keys.sql). -#}
{% macro audit_rebuilt_files_table() -%}
    {{ return(target.schema ~ '._audit_rebuilt_files') }}
{%- endmacro %}

{#- The pre_hook of an audit model: on an incremental run, delete the rows of the files it
    computes again (a file left with no row, its only set-aside row now staged, keeps none);
    every row while the table holds no file yet. -#}
{% macro delete_rebuilt_files() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- if audit_reread_from() is none -%}
        delete from {{ this }}
    {%- else -%}
        delete from {{ this }}
        where (entity, file_id) in (
            select entity, file_id from {{ audit_rebuilt_files_table() }} where entity is not null
        )
    {%- endif -%}
{%- endmacro %}

{#- The condition "this row's file is computed by this run", given audit_rebuilt_file_ids():
    true on a full build. For a raw, base or stg row of `entity` whose file is in column
    `file_id` and its export day in `export_date`, or, with no entity, for a row with columns
    entity and file_id. A file's rows share their export day, and the raw tables are appended
    day by day: the days' list lets the engine skip the blocks of other days (at M the day's
    audit__quarantined_rows 3.1-3.4 -> 1.8-2.0 s of CPU, reading the file ids of every raw
    message and event to find the few files' rows); the file ids pick the rows. -#}
{% macro in_rebuilt_files(entity, rebuilt, file_id='_file_id', export_date='_export_date') -%}
    {%- if rebuilt is none -%}
        true
    {%- elif entity is none -%}
        (
        {%- for entity, listed in rebuilt.items() if listed.file_ids %}
            {{ 'or ' if not loop.first }}(entity = '{{ entity }}' and file_id in (
                {%- for id in listed.file_ids %}'{{ id }}'{{ ', ' if not loop.last }}{% endfor %}))
        {%- else %}
            false
        {%- endfor %}
        )
    {%- elif not rebuilt[entity].file_ids -%}
        false
    {%- else -%}
        {{ export_date }} in (
            {%- for day in rebuilt[entity].export_dates | sort %}{{ 'cast(' ~ dbt.string_literal(day) ~ ' as date)' }}
                {{- ', ' if not loop.last }}{% endfor %})
        and {{ file_id }} in ({% for id in rebuilt[entity].file_ids %}'{{ id }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The (entity, file_id, export_date) of every file to compute again (see the top of this
    file), a row for each export day a row of the file was read on. -#}
{% macro audit_rebuilt_files(reread_from) -%}
    {%- set since = '_loaded_at > ' ~ reread_from -%}
    {%- set raw = {} -%}
    {%- for entity in audit_record_keys() -%}
        {%- do raw.update({entity: source('platform', entity)}) -%}
    {%- endfor -%}
    {#- each computed once, read by every entity judged against it -#}
    with
    changed_account as (
        select account_id from ({{ changed_owner_ids('account', reread_from) }}) as became_valid
    ),
    changed_campaign as (
        select campaign_id from ({{ changed_owner_ids('campaign', reread_from) }}) as moved
        union
        select campaign_id from {{ ref('stg_platform__campaigns') }}
        where account_id in (select account_id from changed_account)
    ),
    changed_enrollment as (
        select enrollment_id from ({{ changed_owner_ids('enrollment', reread_from) }}) as moved
        union
        select enrollment_id from {{ ref('stg_platform__campaign_enrollments') }}
        where campaign_id in (select campaign_id from changed_campaign)
    ),
    changed_message as (
        select message_id from {{ raw.messages }}
        where
            {{ since }}
            or account_id in (select account_id from changed_account)
            or campaign_id in (select campaign_id from changed_campaign)
            or enrollment_id in (select enrollment_id from changed_enrollment)
    ),
    {%- for entity, key in audit_record_keys().items() %}
    touched_{{ entity }} as (
        -- its rows loaded since or naming an owner that may have changed
        select _file_id, _export_date, {{ key[0] }} as record_key
        from {{ raw[entity] }}
        where
            {{ since }}
            {%- for owner in audit_owners(entity) %}
            or {{ owner }}_id in (select {{ owner }}_id from changed_{{ owner }})
            {%- endfor %}
    ),
    {%- endfor %}
    rebuilt as (
        select
            entity,
            file_id,
            export_date
        from {{ source('platform', '_load_ledger') }}
        where status = 'loaded' and loaded_at > {{ reread_from }}
        {%- for entity, key in audit_record_keys().items() %}
        union
        select '{{ entity }}' as entity, _file_id as file_id, _export_date as export_date
        from touched_{{ entity }}
        union
        -- every file holding a version of a touched record
        select '{{ entity }}' as entity, _file_id as file_id, _export_date as export_date
        from {{ raw[entity] }}
        where {{ key[0] }} in (select record_key from touched_{{ entity }})
        {%- endfor %}
    )
    select
        entity,
        file_id,
        export_date
    from rebuilt
{%- endmacro %}

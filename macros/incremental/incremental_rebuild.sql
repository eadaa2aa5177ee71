{#-
    Incremental models downstream of staging that rebuild whole groups of rows: every row of a
    message (int_messages__sent_or_received, key ['message_id']) or of an account x contact
    (the conversation and response models, key ['account_id', 'contact_id']) touched since the
    newest load the model already holds (incremental_reread_from()). A conversation's rows
    depend on every message of its contact (response streaks span days, the number name is the
    contact's latest number on every day), so the group is rebuilt whole from all its messages,
    and the result equals a full build.

    A group is touched when a message of it may be staged again (a raw row of it loaded since,
    or a raw row of its account, campaign or enrollment loaded since: a superset of the new or
    moved owners incremental_staging_filter stages a message again for, read from the raw
    tables, as recomputing staging's owners cost seconds per model) or has a delivery event
    loaded since (a late cancellation takes a message out of the conversation). Every version
    of such a message in the raw table names a group, so a message re-exported under another
    contact rebuilds the old group too. An account's new time zone moves its local days and
    needs a --full-refresh, as in fct_messages.

    Two halves, around changed_groups(), computed once per run:
    - delete_changed_groups(key): the model's pre_hook. It lists the touched groups in a
      temporary table and deletes every row of them before the model inserts them again, so a
      group left with no row (its only message canceled late) does not keep its old rows, which
      delete+insert on the key would. dbt runs it in the model's transaction.
    - incremental_rebuild_filter(key): the `where` of the model's source CTE, the groups of that
      temporary table (no rows left out on a full build).
-#}

{% macro changed_groups(key, reread_from) -%}
    {%- set raw = {} -%}
    {%- for entity in rebuild_raw_entities() -%}
        {%- do raw.update({entity: source('platform', entity)}) -%}
    {%- endfor -%}
    {%- set since = '_loaded_at > ' ~ reread_from -%}
    select distinct {{ key | join(', ') }}
    from {{ raw.messages }}
    where
        message_id in (
            select message_id from {{ raw.messages }} where {{ since }}
            union all
            select message_id from {{ raw.message_events }}
            where event_id in (select event_id from {{ raw.message_events }} where {{ since }})
        )
        -- a superset of the owners incremental_staging_filter stages messages again for:
        -- every owner with a raw row loaded since (read from raw, not recomputed from staging)
        or account_id in (select account_id from {{ raw.accounts }} where {{ since }})
        or campaign_id in (select campaign_id from {{ raw.campaigns }} where {{ since }})
        or enrollment_id in (
            select enrollment_id from {{ raw.campaign_enrollments }}
            where
                {{ since }}
                or campaign_id in (select campaign_id from {{ raw.campaigns }} where {{ since }})
        )
{%- endmacro %}

{#- The raw tables changed_groups reads. -#}
{% macro rebuild_raw_entities() -%}
    {{ return(['messages', 'message_events', 'accounts', 'campaigns', 'campaign_enrollments']) }}
{%- endmacro %}

{#- The where clause of the model's source CTE on an incremental run: the touched groups, as
    the pre_hook listed them in a temporary table. -#}
{% macro incremental_rebuild_filter(key) -%}
    {#- every relation changed_groups reads is named before any early return, so the parse
        records it (a unit test of the model then gives them, empty) -#}
    {%- for entity in rebuild_raw_entities() -%}
        {%- do source('platform', entity) -%}
    {%- endfor -%}
    {%- if rebuild_reread_from() is not none %}
    where ({{ key | join(', ') }}) in (select {{ key | join(', ') }} from {{ rebuilt_groups() }})
    {%- endif -%}
{%- endmacro %}

{#- The pre_hook: on an incremental run, list the touched groups once in a temporary table
    (the model's select reads it: dbt builds the model on the hook's connection) and delete
    their rows; delete every row while the table holds no load time, as the model then selects
    everything. -#}
{% macro delete_changed_groups(key) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reread_from = rebuild_reread_from() -%}
    {%- if reread_from is none -%}
        delete from {{ this }}
    {%- else -%}
        drop table if exists {{ rebuilt_groups() }};
        create temporary table {{ rebuilt_groups() }} as {{ changed_groups(key, reread_from) }};
        delete from {{ this }}
        where ({{ key | join(', ') }}) in (select {{ key | join(', ') }} from {{ rebuilt_groups() }})
    {%- endif -%}
{%- endmacro %}

{#- The temporary table of the groups this run rebuilds (named after the model). -#}
{% macro rebuilt_groups() -%}
    {{ return(this.identifier ~ '__rebuilt_groups') }}
{%- endmacro %}

{#- incremental_reread_from(), or none while the table has no _loaded_at yet (built before the
    model was incremental): the run then reads, deletes and inserts everything. -#}
{% macro rebuild_reread_from() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if '_loaded_at' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(incremental_reread_from()) }}
{%- endmacro %}

{#-
    Incremental models downstream of staging that rebuild whole groups of rows: every row of a
    message (int_messages__sent_or_received, key ['message_id']) or of an account x contact
    (the conversation and response models, key ['account_id', 'contact_id']) touched since the
    newest load the model already holds (incremental_reread_from()). A conversation's rows
    depend on every message of its contact (response streaks span days, the number name is the
    contact's latest number on every day), so the group is rebuilt whole from all its messages,
    and the result equals a full build.

    A group is touched when a message of it is staged again (restaged_keys: a row loaded since,
    or an owner new or moved) or has a delivery event loaded since (a late cancellation takes a
    message out of the conversation). Every version of such a message in the raw table names a
    group, so a message re-exported under another contact rebuilds the old group too. An
    account's new time zone moves its local days and needs a --full-refresh, as in fct_messages.

    Two halves, both from changed_groups():
    - incremental_rebuild_filter(key): the `where` of the model's source CTE (no rows left out
      on a full build);
    - delete_changed_groups(key): the model's pre_hook. It deletes every row of the touched
      groups before the model inserts them again, so a group left with no row (its only
      message canceled late) does not keep its old rows, which delete+insert on the key would.
      dbt runs it in the model's transaction.
-#}

{% macro changed_groups(key, reread_from) -%}
    {%- set messages = source('platform', 'messages') -%}
    {%- set events = source('platform', 'message_events') -%}
    select distinct {{ key | join(', ') }}
    from {{ messages }}
    where message_id in (
        {{ restaged_keys(messages, 'message_id', ['account', 'campaign', 'enrollment'], reread_from) }}
        union all
        select message_id from {{ events }}
        where event_id in (select event_id from {{ events }} where _loaded_at > {{ reread_from }})
    )
{%- endmacro %}

{#- The where clause of the model's source CTE on an incremental run: the touched groups. -#}
{% macro incremental_rebuild_filter(key) -%}
    {#- every relation changed_groups reads is named before any early return, so the parse
        records it (a unit test of the model then gives them, empty) -#}
    {%- do source('platform', 'messages') -%}
    {%- do source('platform', 'message_events') -%}
    {%- for owner in ['account', 'campaign', 'enrollment'] -%}
        {%- do changed_owner_ids(owner, none) -%}
    {%- endfor -%}
    {%- set reread_from = incremental_reread_from() -%}
    {%- if reread_from is not none %}
    where ({{ key | join(', ') }}) in ({{ changed_groups(key, reread_from) }})
    {%- endif -%}
{%- endmacro %}

{#- The pre_hook: on an incremental run, delete every row of the touched groups (all rows when
    the table holds no load time yet, as the model then selects everything). -#}
{% macro delete_changed_groups(key) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reread_from = incremental_reread_from() -%}
    delete from {{ this }}
    {%- if reread_from is not none %}
    where ({{ key | join(', ') }}) in ({{ changed_groups(key, reread_from) }})
    {%- endif -%}
{%- endmacro %}

{#-
    The landed files whose reconciliation (audit__load_reconciliation, one row per entity and
    file) a run recomputes: every file with a raw row that may be counted differently since
    reread_from. A file's counts move when
    - it is new (its rows were loaded since);
    - a record of it got another version since (the staged version, and so the file's staged
      and duplicate rows, may move): the files of every raw row whose record id had a row
      loaded since. Only the key's first column (the id) is compared, as raw text: a superset
      of the typed record key (campaign steps and senders share their campaign's files);
    - a row of it may change validity (unknown_account, cross_account_reference): it names an
      account, campaign, enrollment or message with a raw row loaded since, or whose own owner
      (a campaign's or message's account, an enrollment's campaign) changed so.
    A seed's change (time zones, enums) needs a --full-refresh, as everywhere.
-#}
{% macro changed_files(record_keys, reread_from) -%}
    {%- set since = '_loaded_at > ' ~ reread_from -%}
    {#- an owner changed when a raw row of it, or of the owner it is judged against, loaded since -#}
    {%- set accounts -%}
        select account_id from {{ source('platform', 'accounts') }} where {{ since }}
    {%- endset -%}
    {%- set campaigns -%}
        select campaign_id from {{ source('platform', 'campaigns') }}
        where {{ since }} or account_id in ({{ accounts }})
    {%- endset -%}
    {%- set changed_owners = {
        'account_id': accounts,
        'campaign_id': campaigns,
        'enrollment_id': 'select enrollment_id from ' ~ source('platform', 'campaign_enrollments')
            ~ ' where ' ~ since ~ ' or campaign_id in (' ~ campaigns ~ ')',
        'message_id': 'select message_id from ' ~ source('platform', 'messages')
            ~ ' where ' ~ since ~ ' or account_id in (' ~ accounts ~ ')',
    } -%}
    {%- for entity, key in record_keys.items() %}
    {%- set raw = source('platform', entity) -%}
    {%- set columns = adapter.get_columns_in_relation(raw) | map(attribute='name') | list %}
    select distinct
        '{{ entity }}' as entity,
        _file_id as file_id,
        _file_path as file_path
    from {{ raw }}
    where
        {{ since }}
        or {{ key[0] }} in (select {{ key[0] }} from {{ raw }} where {{ since }})
        {%- for owner, changed in changed_owners.items() if owner in columns and owner != key[0] %}
        or {{ owner }} in ({{ changed }})
        {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- The condition "the row's file is recounted by this run" (true on a full build): its entity
    (a column or a quoted name) and file id are among the files the pre_hook listed. -#}
{% macro in_rebuilt_files(entity, file_id='_file_id') -%}
    {%- if rebuild_reread_from() is none -%}
        true
    {%- else -%}
        ({{ entity }}, {{ file_id }}) in (select entity, file_id from {{ rebuilt_groups() }})
    {%- endif -%}
{%- endmacro %}

{#- The record identity of each entity (raw-contract.md: one row per id; the latest version
    wins), which audit__load_reconciliation counts duplicates by. A check, so written from the
    contract, not read from the stg models it checks. -#}
{% macro reconciled_record_keys() -%}
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

{#
    The text of every message, apart from fct_messages: a body is personal data (tagged pii;
    the published copy masks it) that only the campaign box's message export reads. Null when
    the platform withheld it from the export.
    Incremental by message, as int_messages__sent_or_received: every message staged again
    (a raw row of it, or of its account, campaign or enrollment, loaded since the newest load it
    holds) is deleted and selected again; _loaded_at is the staged row's.
#}

{{
    config(
        materialized='incremental',
        incremental_strategy=rebuilt_groups_strategy(),
        unique_key='message_id',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_changed_groups(['message_id']) }}",
    )
}}

with messages as (

    select * from {{ ref('stg_platform__messages') }}
    {{ incremental_rebuild_filter(['message_id']) }}

),

final as (

    select
        message_id,
        body,
        _loaded_at
    from messages

)

select * from final

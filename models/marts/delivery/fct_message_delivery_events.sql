{{
    config(
        materialized='incremental',
        unique_key='event_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
    One row per delivery event (deduplicated by event id in staging), with the account, contact
    and campaign of its message for filtering, and the outcome its error code maps to.
    Events whose message is unknown are left out (they cannot be placed in an account).
    Incremental: re-reads events, and events of messages, loaded since the newest load already
    processed (less incremental_load_margin_minutes); every row depends only on its event and its
    message, so the result equals a full build.
-#}

{%- set reread_from -%}
    (
        select
            {{ dbt.dateadd(
                'minute', -1 * var('incremental_load_margin_minutes'), 'max(this_events._loaded_at)'
            ) }}
        from {{ this }} as this_events
    )
{%- endset %}

with

events as (

    select * from {{ ref('stg_platform__message_events') }}

),

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

status_ranks as (

    select * from {{ ref('message_status_ranks') }}

),

error_codes as (

    select * from {{ ref('delivery_error_codes') }}

),

changed_events as (

    select events.*
    from events
    {% if is_incremental() %}
        where
            events._loaded_at > {{ reread_from }}
            or events.message_id in (
                select messages.message_id
                from messages
                where messages._loaded_at > {{ reread_from }}
            )
    {% endif %}

),

joined as (

    select
        changed_events.event_id,
        changed_events.message_id,
        messages.account_id,
        messages.contact_id,
        messages.direction,
        messages.campaign_id,
        messages.template_id,
        messages.step_number,
        changed_events.status,
        changed_events.occurred_at,
        changed_events.error_code,
        changed_events.attempt,
        case
            when changed_events._loaded_at > messages._loaded_at then changed_events._loaded_at
            else messages._loaded_at
        end as _loaded_at
    from changed_events
    inner join messages
        on changed_events.message_id = messages.message_id

),

final as (

    select
        joined.event_id,
        joined.message_id,
        joined.account_id,
        joined.contact_id,
        joined.direction,
        joined.campaign_id,
        joined.template_id,
        joined.step_number,
        joined.status,
        cast(status_ranks.status_rank as {{ dbt.type_int() }}) as status_rank,
        joined.occurred_at,
        joined.error_code,
        error_codes.delivery_outcome as error_outcome,
        joined.attempt,
        joined._loaded_at
    from joined
    left join status_ranks
        on joined.status = status_ranks.status
    left join error_codes
        on joined.error_code = cast(error_codes.error_code as {{ dbt.type_string() }})

)

select * from final

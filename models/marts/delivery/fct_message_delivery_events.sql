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
    Incremental: re-reads events, and events of messages, loaded within incremental_lookback_hours
    of the newest load already processed; every row depends only on its event and its message,
    so the result equals a full build.
-#}

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

joined as (

    select
        events.event_id,
        events.message_id,
        messages.account_id,
        messages.contact_id,
        messages.direction,
        messages.campaign_id,
        messages.template_id,
        messages.step_number,
        events.status,
        events.occurred_at,
        events.error_code,
        events.attempt,
        case
            when events._loaded_at > messages._loaded_at then events._loaded_at
            else messages._loaded_at
        end as _loaded_at
    from events
    inner join messages
        on events.message_id = messages.message_id

),

changed_events as (

    select joined.*
    from joined
    {% if is_incremental() %}
        where
            joined._loaded_at > (
                select
                    {{ dbt.dateadd(
                        'hour', -1 * var('incremental_lookback_hours'), 'max(this_events._loaded_at)'
                    ) }}
                from {{ this }} as this_events
            )
    {% endif %}

),

final as (

    select
        changed_events.event_id,
        changed_events.message_id,
        changed_events.account_id,
        changed_events.contact_id,
        changed_events.direction,
        changed_events.campaign_id,
        changed_events.template_id,
        changed_events.step_number,
        changed_events.status,
        cast(status_ranks.status_rank as {{ dbt.type_int() }}) as status_rank,
        changed_events.occurred_at,
        changed_events.error_code,
        error_codes.delivery_outcome as error_outcome,
        changed_events.attempt,
        changed_events._loaded_at
    from changed_events
    left join status_ranks
        on changed_events.status = status_ranks.status
    left join error_codes
        on changed_events.error_code = cast(error_codes.error_code as {{ dbt.type_string() }})

)

select * from final

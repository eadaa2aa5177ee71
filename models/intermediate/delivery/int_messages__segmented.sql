{{
    config(
        materialized='incremental',
        unique_key='message_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
    Encoding, segments and credits per message (kpi-spec "SMS segments and credits").
    Segments are computed once per distinct body (bodies repeat: templates, canned replies) and
    joined back. Incremental: re-reads messages loaded within incremental_lookback_hours of the
    newest load already processed, plus any message id not yet in the table; a message's row
    depends only on that message, so the result equals a full build.
-#}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

changed_messages as (

    select messages.*
    from messages
    {% if is_incremental() %}
        where
            messages._loaded_at > (
                select
                    {{ dbt.dateadd(
                        'hour', -1 * var('incremental_lookback_hours'), 'max(processed._loaded_at)'
                    ) }}
                from {{ this }} as processed
            )
            or not exists (
                select processed.message_id
                from {{ this }} as processed
                where processed.message_id = messages.message_id
            )
    {% endif %}

),

sms_bodies as (

    select distinct body
    from changed_messages
    where media_count = 0 and body is not null

),

segmented_bodies as (

    select
        body,
        {{ sms_encoding('body') }} as encoding,
        cast({{ sms_segments('body') }} as {{ dbt.type_int() }}) as segments_computed  -- noqa: PRS
    from sms_bodies

),

joined as (

    select
        changed_messages.message_id,
        changed_messages.media_count > 0 as is_mms,
        changed_messages.num_segments as num_segments_reported,
        changed_messages._loaded_at,
        segmented_bodies.encoding,
        segmented_bodies.segments_computed
    from changed_messages
    left join segmented_bodies
        on changed_messages.body = segmented_bodies.body

),

final as (

    select
        message_id,
        is_mms,
        case when not is_mms then coalesce(encoding, 'GSM-7') end as encoding,
        case when not is_mms then coalesce(segments_computed, 0) end as segments_computed,
        num_segments_reported,
        case when is_mms then 0 else coalesce(segments_computed, 0) end as segments,
        coalesce(
            not is_mms
            and num_segments_reported is not null
            and num_segments_reported <> coalesce(segments_computed, 0),
            false
        ) as segment_count_mismatch,
        case
            when is_mms then {{ var('mms_credit_cost') }}
            else coalesce(segments_computed, 0)
        end as credits,
        _loaded_at
    from joined

)

select * from final

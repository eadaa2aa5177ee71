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
    joined back. Incremental: re-reads messages loaded since the newest load already processed
    (less incremental_load_margin_minutes), plus those whose account, campaign or enrollment has
    a staged row loaded since (staging may have staged them again, new or moved:
    staged_owner_loaded_since), so every message not yet in the table; a message's row depends
    only on that message, so the result equals a full build. It no longer compares every staged
    message with the table (a join of 9.7 M rows with 9.7 M at M).
-#}

{#- the newest load processed, less the margin (read by the incremental branch); the owners
    that branch reads are named here so the parse records them -#}
{%- set loaded_after = processed_loaded_after() %}
{%- do staging_owner_refs() %}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

changed_messages as (

    select messages.*
    from messages
    {% if is_incremental() %}
        where
            messages._loaded_at > {{ loaded_after }}
            -- staged again for an owner loaded since: new (not segmented yet) or moved
            or {{ staged_owner_loaded_since('messages', loaded_after) }}
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

counted as (

    -- kpi-spec: a body withheld from the export (null) takes the platform's num_segments
    -- (1, the least any SMS bills, when the platform does not say either); an empty body is
    -- computed as 1 segment by the macro.
    select
        *,
        case
            when is_mms then 0
            when segments_computed is null then coalesce(num_segments_reported, 1)
            else segments_computed
        end as sms_segments
    from joined

),

final as (

    select
        message_id,
        is_mms,
        case when not is_mms then encoding end as encoding,
        case when not is_mms then segments_computed end as segments_computed,
        num_segments_reported,
        sms_segments as segments,
        coalesce(
            not is_mms
            and segments_computed is not null
            and num_segments_reported is not null
            and num_segments_reported <> segments_computed,
            false
        ) as segment_count_mismatch,
        case
            when is_mms then {{ var('mms_credit_cost') }}
            else sms_segments
        end as credits,
        _loaded_at
    from counted

)

select * from final

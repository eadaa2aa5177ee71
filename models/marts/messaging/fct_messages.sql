{#
    One row per message (inbound and outbound) with every attribute the messaging KPIs filter
    or count on. Inbound messages carry the campaign / enrollment / template / step they are
    attributed to (attribution_source says how); outbound messages carry their own.

    Incremental: a run re-derives every message that
      - was created within var('incremental_lookback_hours') of the newest message already
        built (its attribution or first-of-enrollment flag may still move),
      - has a raw row or a delivery event loaded since the newest load the table holds
        (_loaded_at: late, repeated or out-of-order callbacks, 48 h soft-bounce retries and
        late-arriving message rows, however late), or whose account, campaign or enrollment
        changed since (staging may stage it again): changed_groups by message,
      - belongs to an enrollment one of those messages belongs to (now or as built): its first
        message may have moved (a sibling was canceled late, or an earlier one landed),
      - is a reply of a conversation int_messages__inbound_attributed rebuilt since (the same
        changed groups) whose attribution moved, or a reply whose opt-out reading moved (the
        opt seeds changed; compared on the replies flagged on either side only),
    and merges them on message_id. Everything per message is recomputed from the full
    upstream models, so a re-derived row is identical to the full-refresh row
    (orchestration_tests/test_incremental_equivalence.py proves it); the day's cost follows
    what changed instead of comparing every message and delivery event with the built table.
    Changes that reach back further (an account's time zone, an inbox's type, a change to the
    segment macros or to the delivery_error_codes seed, any change of model code) need a
    --full-refresh.
#}

{{
    config(
        materialized='incremental',
        unique_key='message_id',
        on_schema_change='append_new_columns',
    )
}}

with messages as (

    select * from {{ ref('stg_platform__messages') }}

),

message_events as (

    select * from {{ ref('stg_platform__message_events') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

inboxes as (

    select * from {{ ref('stg_platform__inboxes') }}

),

segmented as (

    select * from {{ ref('int_messages__segmented') }}

),

delivery_outcomes as (

    select * from {{ ref('int_messages__delivery_outcome') }}

),

inbound_attributed as (

    select * from {{ ref('int_messages__inbound_attributed') }}

),

opt_out_detected as (

    select * from {{ ref('int_messages__opt_out_detected') }}

),

enrollment_first_messages as (

    select * from {{ ref('int_enrollments__first_message') }}

),

{#- the raw tables changed_groups reads, named before rebuild_reread_from() can return none,
    so the parse records them (a unit test gives them, empty) -#}
{%- for entity in rebuild_raw_entities(['campaign_enrollments']) %}
    {%- do source('platform', entity) -%}
{%- endfor %}
{%- set reread_from = rebuild_reread_from() %}

{% if reread_from is not none %}
    {#- the staged messages and the built rows are read by name below, not through a CTE: a
        CTE read more than once is materialized whole, every column of every message -#}
    {%- set staged = ref('stg_platform__messages') %}

    built_watermark as (

        select max(created_at) as max_created_at
        from {{ this }}

    ),

    -- messages a raw row or delivery event of which was loaded since, or whose account,
    -- campaign or enrollment changed (staging may have staged them again): new messages too
    loaded_messages as (

        {{ changed_groups(['message_id'], reread_from) }}

    ),

    -- the enrollments of those messages, as staged now and as built (a message may move)
    touched_enrollments as (

        select staged.enrollment_id
        from {{ staged }} as staged
        where
            staged.enrollment_id is not null
            and staged.message_id in (select loaded_messages.message_id from loaded_messages)

        union

        select built.enrollment_id
        from {{ this }} as built
        where
            built.enrollment_id is not null
            and built.message_id in (select loaded_messages.message_id from loaded_messages)

    ),

    -- the conversations int_messages__inbound_attributed rebuilt (the same groups, a superset
    -- when its watermark is older): only their replies can be attributed anew
    rebuilt_conversations as (

        {{ changed_groups(['account_id', 'contact_id'], reread_from, ['campaign_enrollments']) }}

    ),

    changed_messages as (

        -- recent messages: their attribution, first-of-enrollment flag etc. may still move
        select staged.message_id
        from {{ staged }} as staged
        cross join built_watermark
        where
            built_watermark.max_created_at is null
            or staged.created_at >= {{ dbt.dateadd(
            'hour', -1 * var('incremental_lookback_hours'), 'built_watermark.max_created_at'
        ) }}

        union

        -- messages staged or with a delivery event loaded since, however late
        select message_id from loaded_messages

        union

        -- every message of an enrollment one of whose messages changed: its first message (the
        -- earliest one not canceled) may have moved to another of them
        select staged.message_id
        from {{ staged }} as staged
        where staged.enrollment_id in (select touched_enrollments.enrollment_id from touched_enrollments)

        union

        select built.message_id
        from {{ this }} as built
        where built.enrollment_id in (select touched_enrollments.enrollment_id from touched_enrollments)

        union

        -- replies of a rebuilt conversation whose attribution moved (e.g. the outbound message
        -- they were credited to was canceled late, or a late outbound message landed before them)
        select inbound_attributed.message_id
        from inbound_attributed
        inner join {{ this }} as built_messages
            on inbound_attributed.message_id = built_messages.message_id
        where
            (inbound_attributed.account_id, inbound_attributed.contact_id) in (
                select rebuilt_conversations.account_id, rebuilt_conversations.contact_id
                from rebuilt_conversations
            )
            and (
                coalesce(inbound_attributed.attributed_message_id, '~')
                <> coalesce(built_messages.attributed_message_id, '~')
                or coalesce(inbound_attributed.attributed_campaign_id, '~')
                <> coalesce(built_messages.campaign_id, '~')
                or coalesce(inbound_attributed.attributed_template_id, '~')
                <> coalesce(built_messages.template_id, '~')
                or coalesce(inbound_attributed.attributed_enrollment_id, '~')
                <> coalesce(built_messages.enrollment_id, '~')
                or coalesce(inbound_attributed.attributed_step_number, -1)
                <> coalesce(built_messages.step_number, -1)
                or coalesce(inbound_attributed.attribution_source, '~')
                <> coalesce(built_messages.attribution_source, '~')
            )

        union

        -- replies whose opt-out reading moved (the opt_keywords / opt_out_phrases seeds
        -- changed): a reply flagged on one side only, or flagged differently; a reply flagged
        -- on neither side reads the same (fewer than one in ten of them is flagged)
        select coalesce(detected.message_id, built.message_id) as message_id
        from (
            select
                message_id,
                coalesce(is_keyword_opt_out, false) as is_keyword_opt_out,
                coalesce(is_keyword_opt_in, false) as is_keyword_opt_in,
                coalesce(has_opt_out_language, false) as has_opt_out_language
            from opt_out_detected
            where is_keyword_opt_out or is_keyword_opt_in or has_opt_out_language
        ) as detected
        full outer join (
            select
                message_id,
                is_keyword_opt_out,
                is_keyword_opt_in,
                has_opt_out_language
            from {{ this }}
            where is_keyword_opt_out or is_keyword_opt_in or has_opt_out_language
        ) as built
            on detected.message_id = built.message_id
        where
            detected.message_id is null
            or built.message_id is null
            or detected.is_keyword_opt_out <> built.is_keyword_opt_out
            or detected.is_keyword_opt_in <> built.is_keyword_opt_in
            or detected.has_opt_out_language <> built.has_opt_out_language

    ),

    scoped_messages as (

        select staged.*
        from {{ staged }} as staged
        where staged.message_id in (select changed_messages.message_id from changed_messages)

    ),

{% else %}

    scoped_messages as (

        select * from messages

    ),

{% endif %}

{#- the per-message inputs joined below, each read for the messages derived only: joined
    whole, the engine hashed the larger side of some (int_messages__segmented's 9.7 M rows at
    M), and every join read every row of its input -#}
{%- set per_message = {
    'segmented': 'message_id',
    'delivery_outcomes': 'message_id',
    'inbound_attributed': 'message_id',
    'opt_out_detected': 'message_id',
    'enrollment_first_messages': 'first_message_id',
} %}
{%- for input, key in per_message.items() %}

    scoped_{{ input }} as (

        select * from {{ input }}
        {%- if reread_from is not none %}
            where {{ key }} in (select scoped_messages.message_id from scoped_messages)
        {%- endif %}

    ),
{%- endfor %}

-- the delivery events of the inbound messages derived (every inbound message's on a full
-- build). An outbound message's latest event and event count come with its delivery outcome,
-- which groups its events already: grouping every event again here was a quarter of this
-- select's CPU at M (22 M events, 90 % of them outbound). The staged messages by name: the
-- messages CTE read twice is stored whole
{%- set derived_messages = 'scoped_messages' if reread_from is not none else ref('stg_platform__messages') %}
inbound_event_watermarks as (

    select
        message_id,
        max(occurred_at) as last_event_at,
        count(*) as delivery_event_count
    from message_events
    where
        message_id in (
            select inbound_messages.message_id
            from {{ derived_messages }} as inbound_messages
            where inbound_messages.direction = 'inbound'
        )
    group by message_id

),

joined as (

    select
        scoped_messages.message_id,
        scoped_messages.account_id,
        scoped_messages.contact_id,
        scoped_messages.direction,
        scoped_messages.created_at,
        {{ to_local_timestamp('scoped_messages.created_at', 'accounts.time_zone') }}
            as created_at_local,
        scoped_messages.phone_number_id,
        scoped_messages.inbox_id,
        inboxes.inbox_type,
        scoped_messages.user_id,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attributed_campaign_id
            else scoped_messages.campaign_id
        end as campaign_id,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attributed_enrollment_id
            else scoped_messages.enrollment_id
        end as enrollment_id,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attributed_template_id
            else scoped_messages.template_id
        end as template_id,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attributed_step_number
            else scoped_messages.step_number
        end as step_number,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attributed_message_id
        end as attributed_message_id,
        case
            when scoped_messages.direction = 'inbound' then inbound_attributed.attribution_source
            when scoped_messages.campaign_id is not null then 'platform'
        end as attribution_source,
        scoped_messages.send_type,
        coalesce(segmented.is_mms, scoped_messages.media_count > 0) as is_mms,
        segmented.encoding,
        segmented.segments,
        segmented.num_segments_reported,
        coalesce(segmented.segment_count_mismatch, false) as segment_count_mismatch,
        segmented.credits,
        scoped_messages.price,
        scoped_messages.price_unit,
        delivery_outcomes.final_status,
        delivery_outcomes.final_status_at,
        delivery_outcomes.final_error_code,
        case
            when scoped_messages.direction = 'outbound'
                then coalesce(delivery_outcomes.delivery_outcome, 'pending')
        end as delivery_outcome,
        delivery_outcomes.attempts,
        case
            when scoped_messages.direction = 'outbound' then delivery_outcomes.final_status_at
            else inbound_event_watermarks.last_event_at
        end as last_event_at,
        coalesce(
            case
                when scoped_messages.direction = 'outbound' then delivery_outcomes.delivery_event_count
                else inbound_event_watermarks.delivery_event_count
            end,
            0
        ) as delivery_event_count,
        coalesce(delivery_outcomes.final_status = 'canceled', false) as is_canceled,
        enrollment_first_messages.first_message_id is not null as is_first_message_of_enrollment,
        coalesce(opt_out_detected.is_keyword_opt_out, false) as is_keyword_opt_out,
        coalesce(opt_out_detected.is_keyword_opt_in, false) as is_keyword_opt_in,
        coalesce(opt_out_detected.has_opt_out_language, false) as has_opt_out_language,
        coalesce(opt_out_detected.is_opt_out_message, false) as is_opt_out_message,
        case
            when delivery_outcomes._loaded_at > scoped_messages._loaded_at
                then delivery_outcomes._loaded_at
            else scoped_messages._loaded_at
        end as _loaded_at
    from scoped_messages
    left join accounts
        on scoped_messages.account_id = accounts.account_id
    left join inboxes
        on scoped_messages.inbox_id = inboxes.inbox_id
    left join scoped_segmented as segmented
        on scoped_messages.message_id = segmented.message_id
    left join scoped_delivery_outcomes as delivery_outcomes
        on scoped_messages.message_id = delivery_outcomes.message_id
    left join inbound_event_watermarks
        on scoped_messages.message_id = inbound_event_watermarks.message_id
    left join scoped_inbound_attributed as inbound_attributed
        on scoped_messages.message_id = inbound_attributed.message_id
    left join scoped_opt_out_detected as opt_out_detected
        on scoped_messages.message_id = opt_out_detected.message_id
    left join scoped_enrollment_first_messages as enrollment_first_messages
        on scoped_messages.message_id = enrollment_first_messages.first_message_id

),

final as (

    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        cast(created_at_local as date) as date_day,
        cast(extract(hour from created_at_local) as integer) as hour_of_day,
        phone_number_id,
        inbox_id,
        inbox_type,
        user_id,
        campaign_id,
        enrollment_id,
        template_id,
        cast(step_number as integer) as step_number,
        attributed_message_id,
        attribution_source,
        send_type,
        is_mms,
        encoding,
        cast(segments as integer) as segments,
        cast(num_segments_reported as integer) as num_segments_reported,
        segment_count_mismatch,
        cast(credits as integer) as credits,
        price,
        price_unit,
        -- Twilio-style sign: the platform reports a charge as a negative price; spend is what
        -- the account paid (positive), a positive price (a refund) lowers it. No price, no spend
        -- (null, never 0): the platform did not say, which is not free. Cast to the contract's
        -- type: PostgreSQL's minus drops price's precision and scale.
        cast(-price as decimal(12, 6)) as spend,
        final_status,
        final_status_at,
        final_error_code,
        delivery_outcome,
        cast(attempts as integer) as attempts,
        last_event_at,
        cast(delivery_event_count as integer) as delivery_event_count,
        is_canceled,
        direction = 'outbound' and not is_canceled as is_sms_sent,
        campaign_id is not null as is_campaign_message,
        is_first_message_of_enrollment,
        is_keyword_opt_out,
        is_keyword_opt_in,
        has_opt_out_language,
        is_opt_out_message,
        _loaded_at
    from joined

)

select * from final

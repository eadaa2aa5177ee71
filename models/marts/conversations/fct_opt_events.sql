{#
    One row per opt event, from two sources, matched where they describe the same message:

    1. the platform's record (stg_platform__opt_events): every opt-out / opt-in with its
       method (keyword, ai_filter, manual, management_page, import, carrier);
    2. inbound messages the warehouse itself detects (int_messages__opt_out_detected): a
       keyword opt-out (whole body STOP, ...), opt-out language ("remove me", ...) or a keyword
       opt-in (START, ...).

    A platform event whose message_id is a detected message of the same direction is ONE row
    (event_source 'platform_and_message'); otherwise a row is 'platform' only or 'message'
    only. So:
      - opted-out contacts (any source): count(distinct contact_id) where direction = 'opt_out';
      - platform-recorded only: filter is_platform_recorded;
      - opt_out_messages (keyword + language, never double counted):
        count(*) where is_keyword_opt_out or has_opt_out_language;
      - AI-filtered contacts: count(distinct contact_id) where method = 'ai_filter'.
    method of a message-only row is 'keyword' or 'opt_out_language'.
#}

with

opt_events as (

    select * from {{ ref('stg_platform__opt_events') }}

),

detected_messages as (

    select * from {{ ref('int_messages__opt_out_detected') }}

),

attributed as (

    select * from {{ ref('int_messages__inbound_attributed') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

platform_events as (

    select
        *,
        row_number() over (
            partition by message_id, direction
            order by occurred_at, opt_event_id
        ) as message_event_rank
    from opt_events

),

platform_keyed as (

    select
        *,
        -- only one platform event per message and direction is matched to the message
        case
            when message_id is not null and message_event_rank = 1 then message_id
        end as join_message_id
    from platform_events

),

detected as (

    select
        message_id,
        account_id,
        contact_id,
        created_at,
        matched_keyword,
        matched_opt_out_phrase,
        is_keyword_opt_out,
        is_keyword_opt_in,
        has_opt_out_language,
        case when is_opt_out_message then 'opt_out' else 'opt_in' end as direction
    from detected_messages
    where is_opt_out_message or is_keyword_opt_in

),

matched as (

    select
        platform_keyed.opt_event_id,
        coalesce(platform_keyed.message_id, detected.message_id) as message_id,
        coalesce(platform_keyed.account_id, detected.account_id) as account_id,
        coalesce(platform_keyed.contact_id, detected.contact_id) as contact_id,
        coalesce(platform_keyed.direction, detected.direction) as direction,
        coalesce(
            platform_keyed.method,
            case when detected.has_opt_out_language then 'opt_out_language' else 'keyword' end
        ) as method,
        coalesce(platform_keyed.occurred_at, detected.created_at) as occurred_at,
        platform_keyed.campaign_id as platform_campaign_id,
        platform_keyed.enrollment_id as platform_enrollment_id,
        platform_keyed.user_id,
        platform_keyed.opt_event_id is not null as is_platform_recorded,
        detected.message_id is not null as is_detected_from_message,
        detected.matched_keyword,
        detected.matched_opt_out_phrase,
        coalesce(detected.is_keyword_opt_out, false) as is_keyword_opt_out,
        coalesce(detected.is_keyword_opt_in, false) as is_keyword_opt_in,
        coalesce(detected.has_opt_out_language, false) as has_opt_out_language
    from platform_keyed
    full outer join detected
        on
            platform_keyed.join_message_id = detected.message_id
            and platform_keyed.direction = detected.direction

),

final as (

    select
        {{ generate_surrogate_key([
            "case when matched.opt_event_id is not null then 'platform' else 'message' end",
            'coalesce(matched.opt_event_id, matched.message_id)',
        ]) }} as opt_event_row_id,
        matched.opt_event_id,
        matched.message_id,
        matched.account_id,
        matched.contact_id,
        matched.direction,
        matched.method,
        case
            when matched.is_platform_recorded and matched.is_detected_from_message
                then 'platform_and_message'
            when matched.is_platform_recorded then 'platform'
            else 'message'
        end as event_source,
        matched.occurred_at,
        cast(
            {{ to_local_timestamp('matched.occurred_at', 'accounts.time_zone') }}
            as date
        ) as date_day,
        coalesce(matched.platform_campaign_id, attributed.attributed_campaign_id) as campaign_id,
        coalesce(
            matched.platform_enrollment_id, attributed.attributed_enrollment_id
        ) as enrollment_id,
        attributed.attributed_template_id as template_id,
        cast(attributed.attributed_step_number as integer) as step_number,
        matched.user_id,
        matched.method in ('keyword', 'ai_filter') as is_automatic,
        matched.method = 'manual' as is_manual,
        matched.is_platform_recorded,
        matched.is_detected_from_message,
        matched.matched_keyword,
        matched.matched_opt_out_phrase,
        matched.is_keyword_opt_out,
        matched.is_keyword_opt_in,
        matched.has_opt_out_language
    from matched
    left join accounts
        on matched.account_id = accounts.account_id
    left join attributed
        on matched.message_id = attributed.message_id

)

select * from final

{#
    The campaign box (kpi-spec "Campaign box", ThruText-style): one row per campaign, as of
    the latest build. Counts are over enrollments (fct_enrollments), except segments (outbound
    SMS of the campaign, MMS and canceled messages excluded) and senders (assigned, not removed,
    user not deactivated).
      initials_sent "x of N"   = initials_sent of enrollments
      reply_rate               = replies / initials_sent (null when no initial was sent)
      enrollments_per_sender   = floor(enrollments / active_senders) (shown "1 : n")
      total_opt_outs           = auto_opt_outs + manual_opt_outs
    Each source is aggregated per campaign before the joins.
#}

with

campaigns as (

    select * from {{ ref('stg_platform__campaigns') }}

),

enrollments as (

    select * from {{ ref('fct_enrollments') }}

),

campaign_senders as (

    select * from {{ ref('stg_platform__campaign_senders') }}

),

users as (

    select * from {{ ref('stg_platform__users') }}

),

messages as (

    select * from {{ ref('int_messages__sent_or_received') }}

),

segmented as (

    select * from {{ ref('int_messages__segmented') }}

),

enrollment_counts as (

    select
        campaign_id,
        count(*) as enrollments,
        sum(case when is_initial_sent then 1 else 0 end) as initials_sent,
        sum(case when has_replied then 1 else 0 end) as replies,
        sum(case when is_auto_opt_out then 1 else 0 end) as auto_opt_outs,
        sum(case when is_manual_opt_out then 1 else 0 end) as manual_opt_outs
    from enrollments
    group by campaign_id

),

campaign_sms as (

    select
        messages.campaign_id,
        segmented.segments
    from messages
    inner join segmented
        on messages.message_id = segmented.message_id
    where
        messages.direction = 'outbound'
        and messages.campaign_id is not null
        and coalesce(messages.media_count, 0) = 0

),

segment_counts as (

    select
        campaign_id,
        sum(segments) as segments
    from campaign_sms
    group by campaign_id

),

deactivated_users as (

    select user_id from users
    where deactivated_at is not null

),

sender_counts as (

    -- active senders: assigned, not removed, and the user is not deactivated
    select
        campaign_senders.campaign_id,
        count(distinct campaign_senders.user_id) as active_senders
    from campaign_senders
    left join deactivated_users
        on campaign_senders.user_id = deactivated_users.user_id
    where
        campaign_senders.removed_at is null
        and deactivated_users.user_id is null
    group by campaign_senders.campaign_id

),

joined as (

    select
        campaigns.campaign_id,
        campaigns.account_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.status,
        coalesce(enrollment_counts.enrollments, 0) as enrollments,
        coalesce(enrollment_counts.initials_sent, 0) as initials_sent,
        coalesce(segment_counts.segments, 0) as segments,
        coalesce(enrollment_counts.replies, 0) as replies,
        coalesce(sender_counts.active_senders, 0) as active_senders,
        coalesce(enrollment_counts.auto_opt_outs, 0) as auto_opt_outs,
        coalesce(enrollment_counts.manual_opt_outs, 0) as manual_opt_outs
    from campaigns
    left join enrollment_counts
        on campaigns.campaign_id = enrollment_counts.campaign_id
    left join segment_counts
        on campaigns.campaign_id = segment_counts.campaign_id
    left join sender_counts
        on campaigns.campaign_id = sender_counts.campaign_id

),

final as (

    select
        campaign_id,
        account_id,
        campaign_name,
        campaign_type,
        status,
        cast(enrollments as bigint) as enrollments,
        cast(initials_sent as bigint) as initials_sent,
        cast(segments as bigint) as segments,
        cast(replies as bigint) as replies,
        cast(
            case when initials_sent > 0 then 1.0 * replies / initials_sent end as {{ type_double() }}
        ) as reply_rate,
        cast(active_senders as bigint) as active_senders,
        cast(
            case when active_senders > 0 then floor(1.0 * enrollments / active_senders) end
            as bigint
        ) as enrollments_per_sender,
        cast(auto_opt_outs as bigint) as auto_opt_outs,
        cast(manual_opt_outs as bigint) as manual_opt_outs,
        cast(auto_opt_outs + manual_opt_outs as bigint) as total_opt_outs
    from joined

)

select * from final

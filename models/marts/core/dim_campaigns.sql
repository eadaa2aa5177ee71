with campaigns as (

    select * from {{ ref('stg_platform__campaigns') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

campaign_steps as (

    select * from {{ ref('stg_platform__campaign_steps') }}

),

step_counts as (

    select
        campaign_id,
        count(*) as step_count
    from campaign_steps
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.account_id,
        campaigns.campaign_name,
        campaigns.campaign_type,
        campaigns.keyword,
        campaigns.status,
        cast(coalesce(step_counts.step_count, 0) as integer) as step_count,
        cast(
            {{ to_local_timestamp('campaigns.created_at', 'accounts.time_zone') }} as date
        ) as created_date_day,
        cast(
            {{ to_local_timestamp('campaigns.launched_at', 'accounts.time_zone') }} as date
        ) as launched_date_day,
        campaigns.created_at,
        campaigns.launched_at,
        campaigns.ended_at,
        campaigns.updated_at
    from campaigns
    left join accounts
        on campaigns.account_id = accounts.account_id
    left join step_counts
        on campaigns.campaign_id = step_counts.campaign_id

)

select * from final

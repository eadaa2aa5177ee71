{#- A table on DuckDB too (as on PostgreSQL): mart_messaging_kpis, mart_messaging_kpis_by_step,
    fct_campaign_contacts and its column test read it, each of which numbered every attributed
    reply again (a window over all of them, which a reader's filter on its groups does not
    reach). Spark keeps its intermediate views. -#}
{{ config(materialized=('view' if target.type == 'spark' else 'table')) }}

{#
    One row per account x campaign x contact that ever replied to the campaign: its first
    inbound message attributed to the campaign (int_messages__inbound_attributed), with the
    step and template that reply is credited to. A contact counts once, at the step of its
    first reply; any inbound message counts (MMS, opt-out keywords included).
    date_day is the account-local day of that first reply, so "contacts whose first reply
    falls in range" is a plain filter on it.
#}

with

attributed as (

    select * from {{ ref('int_messages__inbound_attributed') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

campaign_replies as (

    select
        account_id,
        attributed_campaign_id as campaign_id,
        contact_id,
        message_id,
        created_at,
        attributed_step_number,
        attributed_template_id,
        attributed_enrollment_id,
        _loaded_at,
        row_number() over (
            partition by account_id, attributed_campaign_id, contact_id
            order by created_at, message_id
        ) as reply_rank,
        count(*) over (
            partition by account_id, attributed_campaign_id, contact_id
        ) as campaign_replies
    from attributed
    where attributed_campaign_id is not null

),

final as (

    select
        campaign_replies.account_id,
        campaign_replies.campaign_id,
        campaign_replies.contact_id,
        campaign_replies.message_id as first_reply_message_id,
        campaign_replies.created_at as replied_at,
        cast(
            {{ to_local_timestamp('campaign_replies.created_at', 'accounts.time_zone') }}
            as date
        ) as date_day,
        campaign_replies.attributed_step_number as step_number,
        campaign_replies.attributed_template_id as template_id,
        campaign_replies.attributed_enrollment_id as enrollment_id,
        campaign_replies.campaign_replies,
        campaign_replies._loaded_at
    from campaign_replies
    left join accounts
        on campaign_replies.account_id = accounts.account_id
    where campaign_replies.reply_rank = 1

)

select * from final

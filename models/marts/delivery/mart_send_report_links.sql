{#-
    Per tracked link of each campaign send (campaign x step x link): clicks and unique clickers
    (kpi-spec "SMS send report", links). url is the latest URL seen for the link. A send's clicks
    are clicks on its messages, as in fct_send_recipients: a canceled message was never sent.
-#}

with

sent_messages as (

    select message_id from {{ ref('fct_messages') }}
    where is_sms_sent

),

link_clicks as (

    select * from {{ ref('fct_link_clicks') }}
    where message_id in (select sent_messages.message_id from sent_messages)

),

send_link_clicks as (

    select
        account_id,
        campaign_id,
        step_number,
        link_id,
        count(*) as clicks,
        count(distinct contact_id) as unique_clickers
    from link_clicks
    where campaign_id is not null and step_number is not null
    group by account_id, campaign_id, step_number, link_id

),

ranked_urls as (

    select
        account_id,
        campaign_id,
        step_number,
        link_id,
        url,
        row_number() over (
            partition by account_id, campaign_id, step_number, link_id
            order by case when url is null then 1 else 0 end, clicked_at desc, click_id desc
        ) as url_rank
    from link_clicks
    where campaign_id is not null and step_number is not null

),

final as (

    select
        send_link_clicks.account_id,
        send_link_clicks.campaign_id,
        cast(send_link_clicks.step_number as {{ dbt.type_int() }}) as step_number,
        send_link_clicks.link_id,
        ranked_urls.url,
        cast(send_link_clicks.clicks as {{ dbt.type_int() }}) as clicks,
        cast(send_link_clicks.unique_clickers as {{ dbt.type_int() }}) as unique_clickers
    from send_link_clicks
    inner join ranked_urls
        on
            send_link_clicks.account_id = ranked_urls.account_id
            and send_link_clicks.campaign_id = ranked_urls.campaign_id
            and send_link_clicks.step_number = ranked_urls.step_number
            and send_link_clicks.link_id = ranked_urls.link_id
            and ranked_urls.url_rank = 1

)

select * from final

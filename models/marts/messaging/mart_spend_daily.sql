{#
    Spend (the platform's price) at account x local day x campaign x template x tracking
    number x currency: every column additive, so any date range and filter is a plain sum, and
    price_unit stays in the grain so no sum ever mixes currencies.

    Every message counts, inbound and outbound alike (the platform prices both, e.g. Twilio
    bills received SMS), canceled ones included (a canceled message normally has no price; if
    the platform priced it, it was billed). Inbound messages sit under the campaign and
    template they are attributed to, as on the Reporting page. spend is fct_messages.spend
    (charges positive, see its YAML); a message without a price is counted in
    unpriced_messages and adds nothing to spend, so spend is null, not 0, on a row with no
    priced message.
#}

with messages as (

    select * from {{ ref('fct_messages') }}

),

aggregated as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        phone_number_id,
        price_unit,
        count(*) as messages,
        count(spend) as priced_messages,
        sum(spend) as spend
    from messages
    group by account_id, date_day, campaign_id, template_id, phone_number_id, price_unit

),

final as (

    select
        {{ generate_surrogate_key([
            'account_id', 'date_day', 'campaign_id', 'template_id', 'phone_number_id', 'price_unit',
        ]) }} as spend_row_id,
        account_id,
        date_day,
        campaign_id,
        template_id,
        phone_number_id,
        price_unit,
        cast(messages as bigint) as messages,
        cast(priced_messages as bigint) as priced_messages,
        cast(messages - priced_messages as bigint) as unpriced_messages,
        cast(spend as decimal(18, 6)) as spend
    from aggregated

)

select * from final

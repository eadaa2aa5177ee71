{#
    Delivery status breakdown (the Apsis "bounces" tab, the carrier-block drill-down): outbound
    messages at account x local day (of sending) x campaign x template x tracking number x
    final status x final error code, with the code's meaning from the delivery_error_codes
    seed. Every outbound message counts once, under its final status as fct_messages decides
    it (canceled ones under `canceled`; final_status null = no delivery callback yet), so
    the rows of any filter add up to the outbound messages sent in it. messages is additive.
#}

with messages as (

    select * from {{ ref('fct_messages') }}

),

error_codes as (

    select * from {{ ref('delivery_error_codes') }}

),

aggregated as (

    select
        account_id,
        date_day,
        campaign_id,
        template_id,
        phone_number_id,
        final_status,
        final_error_code as error_code,
        delivery_outcome,
        count(*) as messages
    from messages
    where direction = 'outbound'
    group by
        account_id, date_day, campaign_id, template_id, phone_number_id, final_status,
        final_error_code, delivery_outcome

),

final as (

    select
        {{ generate_surrogate_key([
            'aggregated.account_id', 'aggregated.date_day', 'aggregated.campaign_id',
            'aggregated.template_id', 'aggregated.phone_number_id', 'aggregated.final_status',
            'aggregated.error_code',
        ]) }} as delivery_status_row_id,
        aggregated.account_id,
        aggregated.date_day,
        aggregated.campaign_id,
        aggregated.template_id,
        aggregated.phone_number_id,
        aggregated.final_status,
        aggregated.error_code,
        aggregated.delivery_outcome,
        error_codes.description as error_description,
        cast(aggregated.messages as bigint) as messages
    from aggregated
    left join error_codes
        on aggregated.error_code = error_codes.error_code

)

select * from final

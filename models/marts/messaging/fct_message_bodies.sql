{#
    The text of every message, apart from fct_messages: a body is personal data (tagged pii;
    the published copy masks it) that only the campaign box's message export reads. Null when
    the platform withheld it from the export.
#}

with messages as (

    select * from {{ ref('stg_platform__messages') }}

),

final as (

    select
        message_id,
        body
    from messages

)

select * from final

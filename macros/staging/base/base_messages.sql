{#- The SQL of the base model base_platform__messages over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_messages(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

{{ cross_account_owner_ctes(['campaign', 'enrollment']) }}

typed as {{ materialized_cte() }} (

    select
        nullif(message_id, '') as message_id,
        nullif(account_id, '') as account_id,
        nullif(contact_id, '') as contact_id,
        nullif(lower(trim(direction)), '') as direction,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        nullif(phone_number_id, '') as phone_number_id,
        nullif(inbox_id, '') as inbox_id,
        nullif(user_id, '') as user_id,
        nullif(campaign_id, '') as campaign_id,
        nullif(enrollment_id, '') as enrollment_id,
        nullif(template_id, '') as template_id,
        {{ safe_integer('step_number') }} as step_number,
        nullif(lower(trim(send_type)), '') as send_type,
        body,
        {{ safe_integer('media_count') }} as media_count,
        {{ safe_integer('num_segments') }} as num_segments,
        {{ safe_decimal('price', 12, 6) }} as price,
        nullif(upper(trim(price_unit)), '') as price_unit,
        nullif(created_at, '') as raw_created_at,
        nullif(step_number, '') as raw_step_number,
        nullif(media_count, '') as raw_media_count,
        nullif(num_segments, '') as raw_num_segments,
        nullif(price, '') as raw_price,
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from source

),

checked as (

    select
        typed.*,
        case
            {{ reject_missing_required('messages', parsed=['created_at']) }}
            {{ reject_bad_timestamp('created_at') }}
            when typed.raw_step_number is not null and typed.step_number is null
                then 'bad_number|step_number is not an integer: ''' || typed.raw_step_number || ''''
            when typed.raw_media_count is not null and typed.media_count is null
                then 'bad_number|media_count is not an integer: ''' || typed.raw_media_count || ''''
            when typed.raw_num_segments is not null and typed.num_segments is null
                then 'bad_number|num_segments is not an integer: '''
                    || typed.raw_num_segments || ''''
            when typed.raw_price is not null and typed.price is null
                then 'bad_number|price is not a number: ''' || typed.raw_price || ''''
            when typed.direction not in ('inbound', 'outbound')
                then 'unknown_enum|direction is not one of inbound/outbound: '''
                    || typed.direction || ''''
            when typed.send_type not in ('blast', 'manual', 'automation', 'keyword_reply')
                then 'unknown_enum|send_type is not one of blast/manual/automation/keyword_reply: '''
                    || typed.send_type || ''''
            when typed.step_number < 0
                then 'negative_number|step_number is negative: ''' || typed.raw_step_number || ''''
            when typed.media_count < 0
                then 'negative_number|media_count is negative: ''' || typed.raw_media_count || ''''
            when typed.num_segments < 0
                then 'negative_number|num_segments is negative: ''' || typed.raw_num_segments || ''''
            when
                coalesce(typed.media_count, 0) = 0
                and {{ sms_exceeds_segments('typed.body', var('max_plausible_segments')) }}  -- noqa: PRS
                then 'implausible_size|body would cost more than '
                    || '{{ var("max_plausible_segments") }} segments (max_plausible_segments): '
                    || cast(length(typed.body) as {{ dbt.type_string() }}) || ' characters'
            {{ reject_unknown_account() }}
            {{- cross_account_reference_checks(['campaign', 'enrollment']) }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id
    {{- cross_account_owner_joins(['campaign', 'enrollment']) }}

),

final as (

    select
        message_id,
        account_id,
        contact_id,
        direction,
        created_at,
        phone_number_id,
        inbox_id,
        user_id,
        campaign_id,
        enrollment_id,
        template_id,
        step_number,
        send_type,
        body,
        media_count,
        num_segments,
        price,
        price_unit,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final
{%- endmacro %}

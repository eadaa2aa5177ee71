{#- The SQL of the base model base_platform__calls over `raw_rows`: its source
    table, or the raw rows an incremental build stages again (staged_base_rows). -#}
{% macro base_calls(raw_rows) -%}
with

source as (

    select * from {{ raw_rows }}

),

valid_accounts as (

    select account_id from {{ ref('stg_platform__accounts') }}

),

{{ cross_account_owner_ctes(['campaign']) }}

typed as {{ materialized_cte() }} (

    select
        nullif(call_id, '') as call_id,
        nullif(account_id, '') as account_id,
        nullif(lower(trim(direction)), '') as direction,
        {{ parse_utc_timestamp('started_at') }} as started_at,
        nullif(contact_id, '') as contact_id,
        nullif(phone_number_id, '') as phone_number_id,
        nullif(user_id, '') as user_id,
        nullif(campaign_id, '') as campaign_id,
        {{ parse_utc_timestamp('answered_at') }} as answered_at,
        {{ parse_utc_timestamp('ended_at') }} as ended_at,
        nullif(lower(trim(status)), '') as status,
        nullif(lower(trim(answered_by)), '') as answered_by,
        {{ normalize_phone_e164('forwarded_to') }} as forwarded_to,
        nullif(parent_call_id, '') as parent_call_id,
        nullif(trim(outcome), '') as outcome,
        nullif(started_at, '') as raw_started_at,
        nullif(answered_at, '') as raw_answered_at,
        nullif(ended_at, '') as raw_ended_at,
        nullif(forwarded_to, '') as raw_forwarded_to,
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
            {{ reject_missing_required('calls', parsed=['started_at']) }}
            {{ reject_bad_timestamp('started_at') }}
            {{ reject_bad_timestamp('answered_at') }}
            {{ reject_bad_timestamp('ended_at') }}
            when typed.direction not in ('inbound', 'outbound')
                then 'unknown_enum|direction is not one of inbound/outbound: '''
                    || typed.direction || ''''
            when typed.status not in ('completed', 'busy', 'no-answer', 'failed', 'canceled')
                then 'unknown_enum|status is not one of completed/busy/no-answer/failed/canceled: '''
                    || typed.status || ''''
            when typed.answered_by not in ('human', 'machine', 'unknown')
                then 'unknown_enum|answered_by is not one of human/machine/unknown: '''
                    || typed.answered_by || ''''
            when typed.raw_forwarded_to is not null and typed.forwarded_to is null
                then 'bad_phone|forwarded_to is not a phone number: '''
                    || typed.raw_forwarded_to || ''''
            when typed.ended_at < typed.started_at
                then 'ended_before_started|ended_at '
                    || typed.raw_ended_at || ' is before started_at ' || typed.raw_started_at
            when typed.answered_at < typed.started_at
                then 'answered_before_started|answered_at '
                    || typed.raw_answered_at || ' is before started_at ' || typed.raw_started_at
            when typed.ended_at < typed.answered_at
                then 'ended_before_answered|ended_at '
                    || typed.raw_ended_at || ' is before answered_at ' || typed.raw_answered_at
            when typed.ended_at > {{ dbt.dateadd('hour', 24, 'typed.started_at') }}
                then 'absurd_duration|call lasts over 24 hours: started_at '
                    || typed.raw_started_at || ', ended_at ' || typed.raw_ended_at
            {{ reject_unknown_account() }}
            {{- cross_account_reference_checks(['campaign']) }}
        end as rejection
    from typed
    left join valid_accounts
        on typed.account_id = valid_accounts.account_id
    {{- cross_account_owner_joins(['campaign']) }}

),

final as (

    select
        call_id,
        account_id,
        direction,
        started_at,
        contact_id,
        phone_number_id,
        user_id,
        campaign_id,
        answered_at,
        ended_at,
        status,
        answered_by,
        forwarded_to,
        parent_call_id,
        outcome,
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

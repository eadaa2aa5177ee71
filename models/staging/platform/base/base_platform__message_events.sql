with

source as (

    select * from {{ source('platform', 'message_events') }}

),

typed as (

    select
        nullif(event_id, '') as event_id,
        nullif(message_id, '') as message_id,
        nullif(lower(trim(status)), '') as status,
        {{ parse_utc_timestamp('occurred_at') }} as occurred_at,
        nullif(error_code, '') as error_code,
        {{ safe_integer('attempt') }} as attempt,
        nullif(occurred_at, '') as raw_occurred_at,
        nullif(attempt, '') as raw_attempt,
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
            when typed.event_id is null
                then 'missing_required|event_id is missing'
            when typed.message_id is null
                then 'missing_required|message_id is missing'
            when typed.status is null
                then 'missing_required|status is missing'
            when typed.raw_occurred_at is null
                then 'missing_required|occurred_at is missing'
            when typed.raw_occurred_at is not null and typed.occurred_at is null
                then 'bad_timestamp|occurred_at is not an ISO-8601 timestamp: '''
                    || typed.raw_occurred_at || ''''
            when typed.raw_attempt is not null and typed.attempt is null
                then 'bad_number|attempt is not an integer: ''' || typed.raw_attempt || ''''
            when typed.status not in (
                    'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'canceled', 'received', 'read'
                )
                then 'unknown_enum|status is not a known status: ''' || typed.status || ''''
            when typed.attempt < 0
                then 'negative_number|attempt is negative: ''' || typed.raw_attempt || ''''
        end as rejection
    from typed

),

final as (

    select
        event_id,
        message_id,
        status,
        occurred_at,
        error_code,
        attempt,
        {{ dbt.split_part('rejection', "'|'", 1) }} as reject_reason,
        substr(rejection, {{ dbt.position("'|'", 'rejection') }} + 1) as reject_detail,
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final

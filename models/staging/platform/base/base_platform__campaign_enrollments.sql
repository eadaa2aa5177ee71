with

source as (

    select * from {{ source('platform', 'campaign_enrollments') }}

),

typed as (

    select
        nullif(enrollment_id, '') as enrollment_id,
        nullif(campaign_id, '') as campaign_id,
        nullif(contact_id, '') as contact_id,
        nullif(assigned_user_id, '') as assigned_user_id,
        {{ parse_utc_timestamp('enrolled_at') }} as enrolled_at,
        nullif(enrolled_at, '') as raw_enrolled_at,
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
            when typed.enrollment_id is null
                then 'missing_required|enrollment_id is missing'
            when typed.campaign_id is null
                then 'missing_required|campaign_id is missing'
            when typed.contact_id is null
                then 'missing_required|contact_id is missing'
            when typed.raw_enrolled_at is null
                then 'missing_required|enrolled_at is missing'
            when typed.raw_enrolled_at is not null and typed.enrolled_at is null
                then 'bad_timestamp|enrolled_at is not an ISO-8601 timestamp: '''
                    || typed.raw_enrolled_at || ''''
        end as rejection
    from typed

),

final as (

    select
        enrollment_id,
        campaign_id,
        contact_id,
        assigned_user_id,
        enrolled_at,
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

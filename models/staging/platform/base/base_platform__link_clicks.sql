with

source as (

    select * from {{ source('platform', 'link_clicks') }}

),

typed as (

    select
        nullif(click_id, '') as click_id,
        nullif(message_id, '') as message_id,
        nullif(link_id, '') as link_id,
        nullif(url, '') as url,
        {{ parse_utc_timestamp('clicked_at') }} as clicked_at,
        nullif(user_agent, '') as user_agent,
        nullif(clicked_at, '') as raw_clicked_at,
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
            when typed.click_id is null
                then 'missing_required|click_id is missing'
            when typed.message_id is null
                then 'missing_required|message_id is missing'
            when typed.link_id is null
                then 'missing_required|link_id is missing'
            when typed.raw_clicked_at is null
                then 'missing_required|clicked_at is missing'
            when typed.raw_clicked_at is not null and typed.clicked_at is null
                then 'bad_timestamp|clicked_at is not an ISO-8601 timestamp: '''
                    || typed.raw_clicked_at || ''''
        end as rejection
    from typed

),

final as (

    select
        click_id,
        message_id,
        link_id,
        url,
        clicked_at,
        user_agent,
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

with

source as (

    select * from {{ source('platform', 'campaign_steps') }}

),

typed as {{ materialized_cte() }} (

    select
        nullif(campaign_id, '') as campaign_id,
        {{ safe_integer('step_number') }} as step_number,
        nullif(template_id, '') as template_id,
        {{ safe_integer('delay_minutes') }} as delay_minutes,
        nullif(step_number, '') as raw_step_number,
        nullif(delay_minutes, '') as raw_delay_minutes,
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
            {{ reject_missing_required('campaign_steps', parsed=['step_number']) }}
            when typed.raw_step_number is not null and typed.step_number is null
                then 'bad_number|step_number is not an integer: ''' || typed.raw_step_number || ''''
            when typed.raw_delay_minutes is not null and typed.delay_minutes is null
                then 'bad_number|delay_minutes is not an integer: '''
                    || typed.raw_delay_minutes || ''''
            when typed.step_number < 0
                then 'negative_number|step_number is negative: ''' || typed.raw_step_number || ''''
            when typed.delay_minutes < 0
                then 'negative_number|delay_minutes is negative: '''
                    || typed.raw_delay_minutes || ''''
        end as rejection
    from typed

),

final as (

    select
        campaign_id,
        step_number,
        template_id,
        delay_minutes,
        {{ reject_reason_columns() }},
        _file_id,
        _file_path,
        _row_number,
        _export_date,
        _loaded_at
    from checked

)

select * from final

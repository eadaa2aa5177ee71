{#-
    The time zone a contact lives in, for quiet hours: the zone of the area code of a NANP
    phone (+1 and ten digits; seed nanp_area_code_time_zones), else the account's time zone
    (a phone outside the plan, or an area code the seed does not list: toll-free, 555, new).
-#}

with

contacts as (

    select * from {{ ref('stg_platform__contacts') }}

),

accounts as (

    select * from {{ ref('stg_platform__accounts') }}

),

area_code_zones as (

    select * from {{ ref('nanp_area_code_time_zones') }}

),

area_codes as (

    select
        contact_id,
        account_id,
        case
            when phone like '+1%' and {{ dbt.length('phone') }} = 12
                then substring(phone, 3, 3)
        end as area_code
    from contacts

),

final as (

    select
        area_codes.contact_id,
        area_codes.account_id,
        area_codes.area_code,
        coalesce(area_code_zones.time_zone, accounts.time_zone) as time_zone,
        case
            when area_code_zones.time_zone is not null then 'area_code' else 'account'
        end as time_zone_source
    from area_codes
    inner join accounts
        on area_codes.account_id = accounts.account_id
    left join area_code_zones
        on area_codes.area_code = area_code_zones.area_code

)

select * from final

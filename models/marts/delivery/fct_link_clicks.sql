{{
    config(
        materialized='incremental',
        unique_key='click_id',
        on_schema_change='append_new_columns',
    )
}}

{#-
    One row per tracked-link click, placed on its message's account, contact, campaign, template
    and step. is_first_click_by_contact_for_link marks the earliest click of each
    account x contact x link, so count(*) gives clicks and a sum of the flag (or a
    count(distinct contact_id)) gives unique clickers for any filter.
    Clicks whose message is unknown are left out (they cannot be placed in an account).
    Incremental: every account x contact x link with a click (or a message) loaded since the
    newest load already processed (less incremental_load_margin_minutes) is recomputed from all
    of its clicks, so a late, earlier click moves the first-click flag exactly as a full build
    would; so is the group such a click was in as built (a click or its message exported again
    under another contact leaves its group).
-#}

{%- set reread_from = processed_loaded_after() %}

with

clicks as (

    select * from {{ ref('stg_platform__link_clicks') }}

),

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

joined as (

    select
        clicks.click_id,
        clicks.message_id,
        messages.account_id,
        messages.contact_id,
        messages.campaign_id,
        messages.template_id,
        messages.step_number,
        clicks.link_id,
        clicks.url,
        clicks.clicked_at,
        clicks._loaded_at as click_loaded_at,
        messages._loaded_at as message_loaded_at,
        case
            when clicks._loaded_at > messages._loaded_at then clicks._loaded_at
            else messages._loaded_at
        end as _loaded_at
    from clicks
    inner join messages
        on clicks.message_id = messages.message_id

),

-- read by the incremental branch below only
changed_groups as (  -- noqa: ST03

    select distinct
        joined.account_id,
        joined.contact_id,
        joined.link_id
    from joined
    {% if is_incremental() %}
        where
            joined.click_loaded_at > {{ reread_from }}
            or joined.message_loaded_at > {{ reread_from }}
        union
        -- the group each of those clicks was in as built: a click (or its message) exported
        -- again under another contact leaves it, and the group's first click may move
        select
            built.account_id,
            built.contact_id,
            built.link_id
        from {{ this }} as built
        inner join joined
            on built.click_id = joined.click_id
        where
            joined.click_loaded_at > {{ reread_from }}
            or joined.message_loaded_at > {{ reread_from }}
    {% endif %}

),

changed_clicks as (

    select joined.*
    from joined
    {% if is_incremental() %}
        inner join changed_groups
            on
                joined.account_id = changed_groups.account_id
                and joined.contact_id = changed_groups.contact_id
                and joined.link_id = changed_groups.link_id
    {% endif %}

),

ranked as (

    select
        *,
        row_number() over (
            partition by account_id, contact_id, link_id
            order by clicked_at, click_id
        ) as contact_link_click_number
    from changed_clicks

),

final as (

    select
        click_id,
        message_id,
        account_id,
        contact_id,
        campaign_id,
        template_id,
        step_number,
        link_id,
        url,
        clicked_at,
        contact_link_click_number = 1 as is_first_click_by_contact_for_link,
        _loaded_at
    from ranked

)

select * from final

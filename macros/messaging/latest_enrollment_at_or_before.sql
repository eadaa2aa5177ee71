{#-
    The contact's latest enrollment in a campaign at or before a time: every enrollment of the
    event's contact in the event's campaign that started at or before the event, ranked latest
    first (ties: the greater enrollment_id); the caller keeps `recency = 1`. An opt-out that
    names no enrollment, and a reply whose attribution names none, both belong to this one.
    `events` is a CTE with `event_key`, `contact_id`, the campaign column and the time column;
    `enrollments` a CTE of stg_platform__campaign_enrollments.
-#}
{% macro latest_enrollment_at_or_before(events, event_key, campaign_id, at, enrollments='enrollments') -%}
    select
        {{ events }}.{{ event_key }},
        {{ enrollments }}.enrollment_id,
        row_number() over (
            partition by {{ events }}.{{ event_key }}
            order by {{ enrollments }}.enrolled_at desc, {{ enrollments }}.enrollment_id desc
        ) as recency
    from {{ events }}
    inner join {{ enrollments }}
        on
            {{ events }}.{{ campaign_id }} = {{ enrollments }}.campaign_id
            and {{ events }}.contact_id = {{ enrollments }}.contact_id
            and {{ events }}.{{ at }} >= {{ enrollments }}.enrolled_at
{%- endmacro %}

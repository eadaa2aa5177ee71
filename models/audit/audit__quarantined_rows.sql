{#- Every raw row that staging set aside, with the file and record it came from and why. -#}
{%- set entities = [
    'accounts', 'users', 'inboxes', 'phone_numbers', 'contacts', 'labels', 'contact_labels',
    'templates', 'campaigns', 'campaign_steps', 'campaign_senders', 'campaign_enrollments',
    'messages', 'message_events', 'link_clicks', 'calls', 'opt_events', 'leads', 'deals',
] -%}

with

unioned as (

    {% for entity in entities %}
        select
            '{{ entity }}' as entity,
            _file_path as file_path,
            _file_id as file_id,
            _row_number as row_number,
            _export_date as export_date,
            reject_reason,
            reject_detail,
            _loaded_at as loaded_at
        from {{ ref('base_platform__' ~ entity) }}
        where reject_reason is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned

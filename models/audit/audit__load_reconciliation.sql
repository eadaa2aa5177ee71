{#-
    Per entity and landed file: every landed row is staged, quarantined or a duplicate.
    landed_rows counts the raw table; quarantined and valid rows come from the base model (so a
    base model that dropped or multiplied rows breaks the equation); staged_rows counts the rows
    of the file that survive deduplication in the stg model; duplicate_rows are the file's valid
    rows that deduplication dropped (superseded versions and exact repeats).
-#}
{%- set entities = [
    'accounts', 'users', 'inboxes', 'phone_numbers', 'contacts', 'labels', 'contact_labels',
    'templates', 'campaigns', 'campaign_steps', 'campaign_senders', 'campaign_enrollments',
    'messages', 'message_events', 'link_clicks', 'calls', 'opt_events', 'leads', 'deals',
] -%}

with

ledger as (

    select * from {{ source('platform', '_load_ledger') }}

),

landed as (

    {% for entity in entities %}
        select
            '{{ entity }}' as entity,
            _file_id as file_id,
            _file_path as file_path,
            count(*) as landed_rows
        from {{ source('platform', entity) }}
        group by _file_id, _file_path
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

checked as (

    {% for entity in entities %}
        select
            '{{ entity }}' as entity,
            _file_id as file_id,
            _file_path as file_path,
            count(case when reject_reason is null then 1 end) as valid_rows,
            count(reject_reason) as quarantined_rows
        from {{ ref('base_platform__' ~ entity) }}
        group by _file_id, _file_path
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

staged as (

    {% for entity in entities %}
        select
            '{{ entity }}' as entity,
            _file_id as file_id,
            count(*) as staged_rows
        from {{ ref('stg_platform__' ~ entity) }}
        group by _file_id
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

loaded_files as (

    select
        entity,
        file_id,
        file_path,
        export_date,
        rows_loaded as ledger_rows
    from ledger
    where status = 'loaded'

),

files as (

    select
        entity,
        file_id,
        file_path
    from loaded_files
    union
    select
        entity,
        file_id,
        file_path
    from landed

),

joined as (

    select
        files.entity,
        files.file_id,
        files.file_path,
        loaded_files.export_date,
        coalesce(loaded_files.ledger_rows, 0) as ledger_rows,
        coalesce(landed.landed_rows, 0) as landed_rows,
        coalesce(staged.staged_rows, 0) as staged_rows,
        coalesce(checked.quarantined_rows, 0) as quarantined_rows,
        coalesce(checked.valid_rows, 0) - coalesce(staged.staged_rows, 0) as duplicate_rows
    from files
    left join loaded_files
        on
            files.entity = loaded_files.entity
            and files.file_id = loaded_files.file_id
            and files.file_path = loaded_files.file_path
    left join landed
        on
            files.entity = landed.entity
            and files.file_id = landed.file_id
            and files.file_path = landed.file_path
    left join checked
        on
            files.entity = checked.entity
            and files.file_id = checked.file_id
            and files.file_path = checked.file_path
    left join staged
        on
            files.entity = staged.entity
            and files.file_id = staged.file_id

),

final as (

    select
        *,
        (
            landed_rows = staged_rows + quarantined_rows + duplicate_rows
            and duplicate_rows >= 0
            and landed_rows = ledger_rows
        ) as is_reconciled
    from joined

)

select * from final

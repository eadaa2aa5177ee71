{#-
    Account integrity (kpi-spec ground rule 2): a row that names a campaign, an enrollment or a
    message of another account is set aside in staging with reason cross_account_reference,
    so it never counts under the other account. One rule for every base model that carries
    such a reference; a reference to an id staging does not know is not judged here.

    In a base model: {{ cross_account_owner_ctes(['campaign', 'enrollment']) }} among its CTEs,
    {{ cross_account_reference_checks([...]) }} as the last branches of its rejection case, and
    {{ cross_account_owner_joins([...]) }} after its other joins of `typed`.
-#}

{% macro cross_account_owner_ctes(references) -%}
    {%- if 'campaign' in references %}
owner_of_campaign as (

    select
        campaign_id,
        account_id
    from {{ ref('stg_platform__campaigns') }}

),
    {% endif -%}
    {%- if 'enrollment' in references %}
owner_of_enrollment as (

    select
        enrollments.enrollment_id,
        campaigns.account_id
    from {{ ref('stg_platform__campaign_enrollments') }} as enrollments
    inner join {{ ref('stg_platform__campaigns') }} as campaigns
        on enrollments.campaign_id = campaigns.campaign_id

),
    {% endif -%}
    {%- if 'message' in references %}
owner_of_message as (

    select
        message_id,
        account_id
    from {{ ref('stg_platform__messages') }}

),
    {% endif -%}
{%- endmacro %}

{% macro cross_account_owner_joins(references) -%}
    {%- for reference in references %}
    left join owner_of_{{ reference }}
        on typed.{{ reference }}_id = owner_of_{{ reference }}.{{ reference }}_id
    {%- endfor %}
{%- endmacro %}

{% macro cross_account_reference_checks(references) -%}
    {%- for reference in references %}
            when owner_of_{{ reference }}.account_id <> typed.account_id
                then 'cross_account_reference|{{ reference }}_id '''
                    || typed.{{ reference }}_id || ''' belongs to account '''
                    || owner_of_{{ reference }}.account_id || ''''
    {%- endfor %}
{%- endmacro %}

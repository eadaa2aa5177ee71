{#-
    Incremental models downstream of staging that rebuild whole groups of rows: every row of a
    message (int_messages__sent_or_received, key ['message_id']) or of an account x contact
    (the conversation and response models, key ['account_id', 'contact_id']) touched since the
    newest load the model already holds (incremental_reread_from()). A conversation's rows
    depend on every message of its contact (response streaks span days, the number name is the
    contact's latest number on every day), so the group is rebuilt whole from all its messages,
    and the result equals a full build.

    A group is touched when a message of it may be staged again (a raw row of it loaded since,
    or a raw row of its account, campaign or enrollment loaded since: a superset of the new or
    moved owners staged_base_rows stages a message again for, read from the raw
    tables, as recomputing staging's owners cost seconds per model) or has a delivery event
    loaded since (a late cancellation takes a message out of the conversation). Every version
    of such a message in the raw table names a group, so a message re-exported under another
    contact rebuilds the old group too. An account's new time zone moves its local days and
    needs a --full-refresh, as in fct_messages.

    The contact-day facts (fct_messaging_contact_days, fct_send_recipients) also read rows that
    are not messages; they name them in `also`: 'opt_events' and 'leads' (the contact's own rows,
    loaded since or naming a changed message, account, campaign or enrollment), 'link_clicks'
    (the clicked message's group) and 'campaign_steps' (a step's template: the groups of the
    campaign's messages). An opt event or lead may name another contact's message (staging
    rejects only another account's), and is linked through that message's campaign, template
    and step, a reply's by attribution: so the contact of an opt event or lead naming a message
    of a touched conversation is touched too (a late outbound message to Y moves Y's reply to
    another campaign, and with it X's opt-out naming that reply). int_messages__inbound_attributed names 'campaign_enrollments': a reply
    naming no enrollment is credited to its contact's latest enrollment in the campaign;
    fct_campaign_contacts too, which also keeps a row for an enrolled contact with no message
    (so, by account x contact, the contacts of those enrollments are touched themselves).
    fct_contact_timeline names 'calls' (the contact of every version of a call loaded since,
    or of a call whose account or campaign changed); fct_compliance_violations 'contacts'
    (every version of a contact row loaded since: its phone places it in a time zone).
    int_enrollments__first_message takes key ['enrollment_id']: the enrollments of the changed
    messages, and every enrollment loaded since or whose campaign (steps, account) changed.
    fct_enrollments also names 'replies' (no table): every enrollment named by a message (any
    version) or opt event of an account x contact these groups would touch (with 'opt_events'
    and 'campaign_enrollments'), and every enrollment of its contact: the replies and opt-outs
    credited to an enrollment follow the conversation.

    Two halves, around changed_groups(), computed once per run:
    - delete_changed_groups(key, also): the model's pre_hook. It lists the touched groups in a
      temporary table and deletes every row of them before the model inserts them again, so a
      group left with no row (its only message canceled late) does not keep its old rows, which
      delete+insert on the key would. dbt runs it in the model's transaction. The model then
      appends its rows (rebuilt_groups_strategy): all of them are of the deleted groups.
    - incremental_rebuild_filter(key, also): the `where` of the model's source CTE, the groups of that
      temporary table (no rows left out on a full build).
    changed_groups() takes the changed ids and message versions from the keys the run's
    on-run-start hook recorded once for every model (changed_keys.sql) when they hold for the
    model's own watermark, and otherwise reads the raw tables: the same groups either way.
-#}

{% macro changed_groups(key, reread_from, also=[]) -%}
    {%- set raw = {} -%}
    {%- for entity in rebuild_raw_entities(also) -%}
        {%- do raw.update({entity: source('platform', entity)}) -%}
    {%- endfor -%}
    {%- set since = '_loaded_at > ' ~ reread_from -%}
    {#- the raw message versions opt events and leads name are looked up here (all of them) -#}
    {%- set named_messages = raw.messages -%}
    {%- if changed_keys_usable(reread_from) -%}
        {#- the run's recorded keys (macros/incremental/changed_keys.sql): the same ids, and the
            versions opt events and leads name -#}
        {%- set named_messages = changed_keys_relation('named') -%}
        {%- set recorded = 'select id from ' ~ changed_keys_relation('ids') ~ ' where changed_at > '
            ~ reread_from ~ ' and entity in ' -%}
        {%- set changed_accounts = recorded ~ "('account')" -%}
        {%- set changed_campaigns = recorded ~ "('campaign'"
            ~ (", 'campaign_steps'" if 'campaign_steps' in also else '') ~ ')' -%}
        {%- set changed_enrollments = recorded ~ "('enrollment')" -%}
        {%- set changed_messages = recorded ~ "('message'"
            ~ (", 'message_click'" if 'link_clicks' in also else '') ~ ')' -%}
        {%- set ways = ['message_at', 'account_at', 'campaign_at', 'enrollment_at']
            + (['click_at'] if 'link_clicks' in also else [])
            + (['steps_at'] if 'campaign_steps' in also else []) -%}
        {%- set touched_versions -%}
            {{ changed_keys_relation('versions') }}
            where
            {%- for way in ways %}
                {{ 'or ' if not loop.first }}{{ way }} > {{ reread_from }}
            {%- endfor %}
        {%- endset -%}
    {%- else -%}
        {%- set changed_accounts = 'select account_id from ' ~ raw.accounts ~ ' where ' ~ since -%}
        {%- set changed_campaigns -%}
        select campaign_id from {{ raw.campaigns }} where {{ since }}
        {%- if 'campaign_steps' in also %}
        union all
        select campaign_id from {{ raw.campaign_steps }} where {{ since }}
        {%- endif %}
        {%- endset -%}
        {%- set changed_enrollments -%}
        select enrollment_id from {{ raw.campaign_enrollments }}
        where {{ since }} or campaign_id in (select campaign_id from {{ raw.campaigns }} where {{ since }})
        {%- endset -%}
        {%- set changed_messages -%}
        select message_id from {{ raw.messages }} where {{ since }}
        union all
        select message_id from {{ raw.message_events }}
        where event_id in (select event_id from {{ raw.message_events }} where {{ since }})
        {%- if 'link_clicks' in also %}
        union all
        select message_id from {{ raw.link_clicks }}
        where click_id in (select click_id from {{ raw.link_clicks }} where {{ since }})
        {%- endif %}
        {%- endset -%}
        {%- set touched_versions -%}
            {{ raw.messages }}
            where
                message_id in ({{ changed_messages }})
                -- a superset of the owners staged_base_rows stages messages again
                -- for: every owner with a raw row loaded since (read from raw, not recomputed
                -- from staging)
                or account_id in ({{ changed_accounts }})
                or campaign_id in ({{ changed_campaigns }})
                or enrollment_id in ({{ changed_enrollments }})
        {%- endset -%}
    {%- endif -%}
    {%- set enrollment_contacts -%}
        -- every version of an enrollment loaded since (one re-exported under another contact
        -- leaves the first), or of a changed campaign
        select contact_id from {{ raw.campaign_enrollments }}
        where enrollment_id in ({{ changed_enrollments }}) or campaign_id in ({{ changed_campaigns }})
    {%- endset %}
    -- the groups of every message version touched since (its rows, or its owners')
    select distinct {{ key | join(', ') }}
    from {{ touched_versions }}
    {%- if 'campaign_enrollments' in also %}
    union
    -- every conversation of the contact of an enrollment loaded since or of a changed campaign:
    -- a reply naming no enrollment is credited to the contact's latest one in the campaign
    select distinct {{ key | join(', ') }}
    from {{ raw.messages }}
    where contact_id in ({{ enrollment_contacts }})
    {%- if key == ['account_id', 'contact_id'] %}
    union
    -- the contact of every version of such an enrollment, or of one in a campaign whose account
    -- changed, under each account a version of its campaign names: an enrolled contact need
    -- have no message (fct_campaign_contacts keeps a row for it)
    select distinct enrolled_in.account_id, enrolled.contact_id
    from {{ raw.campaign_enrollments }} as enrolled
    inner join {{ raw.campaigns }} as enrolled_in
        on enrolled.campaign_id = enrolled_in.campaign_id
    where
        enrolled.enrollment_id in ({{ changed_enrollments }})
        or enrolled.campaign_id in ({{ changed_campaigns }})
        or enrolled_in.account_id in ({{ changed_accounts }})
    {%- endif %}
    {%- endif %}
    {%- if key == ['enrollment_id'] %}
    union
    -- every enrollment loaded since, or of a campaign (or steps, or the campaign's account)
    -- that changed, with or without a message: its campaign, account and first step
    select enrollment_id
    from {{ raw.campaign_enrollments }}
    where
        {{ since }}
        or campaign_id in ({{ changed_campaigns }})
        or campaign_id in (
            select campaign_id from {{ raw.campaigns }}
            where account_id in ({{ changed_accounts }})
        )
    {%- endif %}
    {%- if 'replies' in also %}
    union
    -- every enrollment a message (any version) or opt event of a conversation touched here
    -- names, and every enrollment of its contact: a reply's attribution and an opt event's link
    -- follow the conversation (and the opt events naming its messages) and may fall back on
    -- the contact's latest enrollment in the campaign, so a reply or opt-out moving from one
    -- enrollment to another rebuilds both (one read of the conversations for the three)
    select named.enrollment_id
    from (
        select account_id, contact_id, enrollment_id from {{ raw.messages }}
        where enrollment_id is not null
        union all
        select account_id, contact_id, enrollment_id from {{ raw.opt_events }}
        where enrollment_id is not null
        union all
        select null as account_id, contact_id, enrollment_id from {{ raw.campaign_enrollments }}
    ) as named
    inner join (
        {{ changed_groups(['account_id', 'contact_id'], reread_from,
            (also | reject('equalto', 'replies') | list) + ['opt_events', 'campaign_enrollments']) }}
    ) as conversations
        on
            named.contact_id = conversations.contact_id
            and (named.account_id is null or named.account_id = conversations.account_id)
    {%- endif %}
    {%- if 'contacts' in also %}
    union
    -- every version of a contact loaded since (its phone places it in a time zone)
    select distinct {{ key | join(', ') }}
    from {{ raw.contacts }}
    where contact_id in (select contact_id from {{ raw.contacts }} where {{ since }})
    {%- endif %}
    {%- if 'calls' in also %}
    union
    -- the contact of every version of a call loaded since, or of a call stg_platform__calls
    -- may stage again for its account or campaign (a call re-exported under another contact
    -- leaves the old contact's timeline)
    select distinct {{ key | join(', ') }}
    from {{ raw.calls }}
    where
        call_id in (select call_id from {{ raw.calls }} where {{ since }})
        or account_id in ({{ changed_accounts }})
        or campaign_id in ({{ changed_campaigns }})
    {%- endif %}
    {%- for entity in also if entity in ['opt_events', 'leads'] %}
    {%- set id = {'opt_events': 'opt_event_id', 'leads': 'lead_id'}[entity] -%}
    {%- set touched -%}
        -- every version of a row loaded since: one re-exported under another contact leaves
        -- the first
        {{ id }} in (select {{ id }} from {{ raw[entity] }} where {{ since }})
        or message_id in ({{ changed_messages }})
        or account_id in ({{ changed_accounts }})
        or campaign_id in ({{ changed_campaigns }})
        {%- if entity == 'opt_events' %}
        or enrollment_id in ({{ changed_enrollments }})
        -- an opt event naming no enrollment opts out the contact's latest one
        or contact_id in ({{ enrollment_contacts }})
        {%- endif %}
    {%- endset %}
    union
    -- the contact of each row of {{ entity }} loaded since, or naming a message, account,
    -- campaign or enrollment that changed (an opt event is linked through them), and the
    -- contact of the message it names (an opt-out counts against the send of that message)
    select distinct {{ key | join(', ') }}
    from {{ raw[entity] }}
    where {{ touched }}
    union
    select distinct {{ key | join(', ') }}
    from {{ named_messages }}
    where message_id in (select message_id from {{ raw[entity] }} where {{ touched }})
    {%- endfor %}
    {%- set naming = also | select('in', ['opt_events', 'leads']) | list %}
    {%- if naming %}
    union
    -- the contact of each opt event or lead naming a message (of another contact, too) of a
    -- conversation touched here: a reply's campaign, template and step, which the row is
    -- linked through, follow the conversation's outbound messages (a late one moves them);
    -- one read of the messages for both
    select distinct
        {%- for column in key %} named_by.{{ column }}{{ ',' if not loop.last }}{% endfor %}
    from (
        {%- for entity in naming %}
        select {{ key | join(', ') }}, message_id from {{ raw[entity] }}
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ) as named_by
    inner join {{ named_messages }} as named
        on named_by.message_id = named.message_id
    where (named.account_id, named.contact_id) in (
        select account_id, contact_id from {{ touched_versions }}
    )
    {%- endif %}
{%- endmacro %}

{#- The raw tables changed_groups reads: the messages and their owners, and the entities of
    `also`. -#}
{% macro rebuild_raw_entities(also=[]) -%}
    {%- set base = ['messages', 'message_events', 'accounts', 'campaigns', 'campaign_enrollments'] -%}
    {#- 'replies' names no table: the enrollments of the touched conversations, read from their
        messages and opt events -#}
    {%- set entities = (also | reject('equalto', 'replies') | list)
        + (['opt_events'] if 'replies' in also else []) -%}
    {{ return(base + (entities | reject('in', base) | unique | list)) }}
{%- endmacro %}

{#- The where clause of the model's source CTE on an incremental run: the touched groups, as
    the pre_hook listed them in a temporary table. -#}
{% macro incremental_rebuild_filter(key, also=[]) -%}
    {%- if rebuild_reread_from() is not none %}
    where {{ in_rebuilt_groups(key, also) }}
    {%- endif -%}
{%- endmacro %}

{#- The condition "the row's group is rebuilt by this run": true on a full build, for a model
    that also reads rows outside the touched groups (a lookup by message id). -#}
{% macro in_rebuilt_groups(key, also=[]) -%}
    {#- every relation changed_groups reads is named before any early return, so the parse
        records it (a unit test of the model then gives them, empty) -#}
    {%- for entity in rebuild_raw_entities(also) -%}
        {%- do source('platform', entity) -%}
    {%- endfor -%}
    {%- if rebuild_reread_from() is none -%}
        true
    {%- else -%}
        ({{ key | join(', ') }}) in (select {{ key | join(', ') }} from {{ rebuilt_groups() }})
    {%- endif -%}
{%- endmacro %}

{#- The pre_hook: on an incremental run, list the touched groups once in a temporary table
    (the model's select reads it: dbt builds the model on the hook's connection) and delete
    their rows; delete every row while the table holds no load time, as the model then selects
    everything. -#}
{% macro delete_changed_groups(key, also=[]) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set reread_from = rebuild_reread_from() -%}
    {%- if reread_from is none -%}
        delete from {{ this }}
    {%- else -%}
        drop table if exists {{ rebuilt_groups() }};
        create temporary table {{ rebuilt_groups() }} as {{ changed_groups(key, reread_from, also) }};
        delete from {{ this }}
        where ({{ key | join(', ') }}) in (select {{ key | join(', ') }} from {{ rebuilt_groups() }})
    {%- endif -%}
{%- endmacro %}

{#- The temporary table of the groups this run rebuilds (named after the model). -#}
{% macro rebuilt_groups() -%}
    {{ return(this.identifier ~ '__rebuilt_groups') }}
{%- endmacro %}

{#- incremental_reread_from(), or none while the table has no _loaded_at yet (built before the
    model was incremental): the run then reads, deletes and inserts everything. Worked out once
    per model and run, before the model writes: its filters, conditions and hook ask for it up
    to 13 times, each a describe and a max over the whole table (104 max statements in a day's
    16 models, about 20 ms of CPU each at 10 M messages, each waiting its statement turn). -#}
{% macro rebuild_reread_from() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {#- graph: the one dict every node's context shares in a run -#}
    {%- set known = graph.setdefault('rebuild_reread_from', {}) -%}
    {%- set asked = invocation_id ~ ' ' ~ model.unique_id ~ ' ' ~ this -%}
    {%- if asked not in known -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- do known.update({asked: incremental_reread_from() if '_loaded_at' in columns else none}) -%}
    {%- endif -%}
    {{ return(known[asked]) }}
{%- endmacro %}

{#- A contact's newest load (`_loaded_at`) over the rows its facts read: its staged messages
    (or a delivery event loaded later than the message) and each relation in `others`
    (account_id, contact_id, _loaded_at). The same value whether the build is full or
    incremental, so a partial rebuild keeps what a full one gives. `delivery_outcomes` none:
    `messages` are fct_messages rows, whose _loaded_at is already that newer of the two (no
    second join of every message with its outcome). -#}
{% macro contact_newest_load(messages, delivery_outcomes, others) -%}
    select
        account_id,
        contact_id,
        max(_loaded_at) as _loaded_at
    from (
        {%- if delivery_outcomes is none %}
        select
            account_id,
            contact_id,
            _loaded_at
        from {{ messages }}
        {%- else %}
        select
            {{ messages }}.account_id,
            {{ messages }}.contact_id,
            case
                when {{ delivery_outcomes }}._loaded_at > {{ messages }}._loaded_at
                    then {{ delivery_outcomes }}._loaded_at
                else {{ messages }}._loaded_at
            end as _loaded_at
        from {{ messages }}
        left join {{ delivery_outcomes }}
            on {{ messages }}.message_id = {{ delivery_outcomes }}.message_id
        {%- endif %}
        {%- for other in others %}
        union all
        select
            account_id,
            contact_id,
            _loaded_at
        from {{ other }}
        {%- endfor %}
    ) as loads
    group by account_id, contact_id
{%- endmacro %}

{#- The incremental strategy of a model whose pre_hook is delete_changed_groups: append on
    DuckDB and PostgreSQL. Every row the model selects is of a group the hook has deleted, so
    the project's delete+insert deleted by key a second time: a join of the whole table with
    the new rows that found nothing (0.1-0.5 s of CPU a model at 10 M messages). Spark
    overwrites, as every model there. -#}
{% macro rebuilt_groups_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'append') }}
{%- endmacro %}

{{ config(materialized='table') }}

{#
    One row per inbound message with what its body says about opting out or in.

    - is_keyword_opt_out / is_keyword_opt_in / is_help_keyword: the whole body, trimmed and
      case-folded, equals a keyword of that type in seed opt_keywords ("STOP" is, "stop please"
      is not). Tabs and line breaks are whitespace ("STOP\n" is STOP).
    - has_opt_out_language: the body contains a phrase of seed opt_out_phrases
      (case-insensitive) and is NOT a keyword opt-out. A message is counted once: either as a
      keyword opt-out or as opt-out language, never both, so
      opt_out_messages = count(is_keyword_opt_out) + count(has_opt_out_language)
                       = count(is_opt_out_message).
#}

with

messages as (

    select * from {{ ref('stg_platform__messages') }}

),

opt_keywords as (

    select * from {{ ref('opt_keywords') }}

),

opt_out_phrases as (

    select * from {{ ref('opt_out_phrases') }}

),

inbound as (

    select
        message_id,
        account_id,
        contact_id,
        created_at,
        body
    from messages
    where direction = 'inbound'

),

-- what a body says depends on the body alone, and bodies repeat (keywords, canned replies: 61
-- distinct among 1.9 M replies at M), so each distinct body is matched once and joined back
-- (the phrase match was a nested-loop join of every reply with every phrase)
bodies as (

    -- tabs, line feeds and carriage returns count as spaces: "STOP\n" is trimmed to "stop"
    select distinct
        body,
        lower(
            replace(replace(replace(body, chr(9), ' '), chr(10), ' '), chr(13), ' ')
        ) as lowered_body
    from inbound
    where body is not null

),

normalized as (

    select
        *,
        trim(lowered_body) as normalized_body
    from bodies

),

keywords as (

    select distinct
        lower(trim(keyword)) as keyword,
        lower(trim(keyword_type)) as keyword_type
    from opt_keywords

),

phrases as (

    select distinct lower(trim(phrase)) as phrase
    from opt_out_phrases
    where trim(phrase) <> ''

),

keyword_matches as (

    select
        normalized.body,
        min(keywords.keyword) as matched_keyword,
        max(case when keywords.keyword_type = 'opt_out' then 1 else 0 end) as opt_out_hits,
        max(case when keywords.keyword_type = 'opt_in' then 1 else 0 end) as opt_in_hits,
        max(case when keywords.keyword_type = 'help' then 1 else 0 end) as help_hits
    from normalized
    inner join keywords
        on normalized.normalized_body = keywords.keyword
    group by normalized.body

),

phrase_matches as (

    select
        normalized.body,
        min(phrases.phrase) as matched_opt_out_phrase
    from normalized
    inner join phrases
        on normalized.lowered_body like {{ dbt.concat(["'%'", "phrases.phrase", "'%'"]) }}
    group by normalized.body

),

flagged as (

    select
        inbound.message_id,
        inbound.account_id,
        inbound.contact_id,
        inbound.created_at,
        keyword_matches.matched_keyword,
        phrase_matches.matched_opt_out_phrase,
        coalesce(keyword_matches.opt_out_hits = 1, false) as is_keyword_opt_out,
        coalesce(keyword_matches.opt_in_hits = 1, false) as is_keyword_opt_in,
        coalesce(keyword_matches.help_hits = 1, false) as is_help_keyword,
        phrase_matches.body is not null as has_opt_out_phrase
    from inbound
    left join keyword_matches
        on inbound.body = keyword_matches.body
    left join phrase_matches
        on inbound.body = phrase_matches.body

),

final as (

    select
        message_id,
        account_id,
        contact_id,
        created_at,
        matched_keyword,
        matched_opt_out_phrase,
        is_keyword_opt_out,
        is_keyword_opt_in,
        is_help_keyword,
        has_opt_out_phrase and not is_keyword_opt_out as has_opt_out_language,
        is_keyword_opt_out or has_opt_out_phrase as is_opt_out_message
    from flagged

)

select * from final

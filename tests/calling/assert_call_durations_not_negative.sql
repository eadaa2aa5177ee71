-- Bad call rows (ended or answered before started) are set aside in staging; none may reach the
-- facts. Also catches ended before answered, which would give negative talk time.
select
    call_id,
    ring_seconds,
    talk_seconds
from {{ ref('fct_calls') }}
where ring_seconds < 0 or talk_seconds < 0

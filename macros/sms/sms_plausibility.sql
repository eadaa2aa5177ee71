{#-
    sms_exceeds_segments(body, limit) -> true when an SMS body would cost more than `limit`
    segments (sms_segments), false otherwise (a null body costs nothing).

    sms_segments is costly, so it runs only where the answer is not plain from the length:
      * <= 30 x limit code points: false. Every part but the last holds at least 30 code points
        (>= 152 septets of <= 2 each, or >= 61 UTF-16 units of <= 2 each once a cluster of up to
        3 code points moved on), so only text of grapheme clusters longer than 3 code points
        could reach the limit, and its parts are still billed.
      * > 153 x limit code points: true. Beyond one part, no part holds more than 153
        characters (limit >= 2).
    CASE evaluates a branch only for the rows that reach it on every engine.
-#}

{% macro sms_exceeds_segments(body, limit) %}
    (case
        when {{ body }} is null or length({{ body }}) <= 30 * {{ limit }} then false
        when length({{ body }}) > 153 * {{ limit }} then true
        else {{ sms_segments(body) }} > {{ limit }}
    end)
{% endmacro %}

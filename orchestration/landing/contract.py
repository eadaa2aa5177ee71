"""The raw landing contract (../shared/raw-contract.md) as data.

One place that says which entities exist, which columns they carry and which are required.
The loader enforces it, the generator writes it, and the dbt sources mirror it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[str, ...]
    required: frozenset[str]


def _entity(name: str, columns: str) -> Entity:
    # Columns are written as in the contract: a leading '*' marks a required column.
    names = tuple(c.strip().lstrip("*") for c in columns.split(","))
    required = frozenset(c.strip()[1:] for c in columns.split(",") if c.strip().startswith("*"))
    return Entity(name, names, required)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        _entity(
            "accounts",
            "*account_id, parent_account_id, name, *time_zone, monthly_credit_allowance,"
            " billing_cycle_anchor_day, *created_at, updated_at",
        ),
        _entity(
            "users",
            "*user_id, *account_id, full_name, role, created_at, updated_at, deactivated_at",
        ),
        _entity(
            "inboxes",
            "*inbox_id, *account_id, name, *inbox_type, owner_user_id, created_at, updated_at",
        ),
        _entity(
            "phone_numbers",
            "*phone_number_id, *account_id, *e164, friendly_name, inbox_id, number_type,"
            " is_tracking_number, created_at, updated_at, released_at",
        ),
        _entity(
            "contacts",
            "*contact_id, *account_id, *phone, first_name, last_name, email, source,"
            " *created_at, updated_at, deleted_at",
        ),
        _entity(
            "labels",
            "*label_id, *account_id, *name, created_at, updated_at, deleted_at",
        ),
        _entity(
            "contact_labels",
            "*event_id, *account_id, *contact_id, *label_id, *action, user_id, *occurred_at",
        ),
        _entity(
            "templates",
            "*template_id, *account_id, *name, body, created_at, updated_at, deleted_at",
        ),
        _entity(
            "campaigns",
            "*campaign_id, *account_id, *name, *campaign_type, keyword, status, *created_at,"
            " launched_at, ended_at, updated_at",
        ),
        _entity(
            "campaign_steps",
            "*campaign_id, *step_number, template_id, delay_minutes",
        ),
        _entity(
            "campaign_senders",
            "*campaign_id, *user_id, *added_at, removed_at",
        ),
        _entity(
            "campaign_enrollments",
            "*enrollment_id, *campaign_id, *contact_id, assigned_user_id, *enrolled_at",
        ),
        _entity(
            "messages",
            "*message_id, *account_id, *contact_id, *direction, *created_at, phone_number_id,"
            " inbox_id, user_id, campaign_id, enrollment_id, template_id, step_number,"
            " send_type, body, media_count, num_segments, price, price_unit",
        ),
        _entity(
            "message_events",
            "*event_id, *message_id, *status, *occurred_at, error_code, attempt",
        ),
        _entity(
            "link_clicks",
            "*click_id, *message_id, *link_id, url, *clicked_at, user_agent",
        ),
        _entity(
            "calls",
            "*call_id, *account_id, *direction, *started_at, contact_id, phone_number_id,"
            " user_id, campaign_id, answered_at, ended_at, status, answered_by, forwarded_to,"
            " parent_call_id, outcome",
        ),
        _entity(
            "opt_events",
            "*opt_event_id, *account_id, *contact_id, *direction, *method, *occurred_at,"
            " campaign_id, enrollment_id, message_id, user_id",
        ),
        _entity(
            "leads",
            "*lead_id, *account_id, *contact_id, *created_at, channel, campaign_id,"
            " message_id, call_id",
        ),
        _entity(
            "deals",
            "*deal_id, *lead_id, *account_id, *closed_at, amount",
        ),
    ]
}

# Every raw table carries these beside the contract columns, so that any row can be traced
# back to the file and record it came from.
METADATA_COLUMNS = ("_extra", "_file_id", "_file_path", "_row_number", "_export_date", "_loaded_at")
LANDING_FORMATS = (".jsonl", ".csv", ".parquet")
# The longest JSONL line (one record) the loader reads; a longer one rejects its file with a reason.
MAX_JSON_LINE_BYTES = 128 * 1024 * 1024

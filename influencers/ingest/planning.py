"""Deciding, for one community's batch, what to insert, what to update and whom each row answers.

Shared by both write paths. Input: the records, the rows already stored among the batch's ids and
their parents' ids (``stored``: external id → (id, author id, *CHANGE_FIELDS)), and identity ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from influencers.connectors.records import InteractionRecord

CHANGE_FIELDS = ("title", "text", "url", "score", "edited_at", "is_removed", "removed_by")
INT32 = 2**31 - 1


def clean_text(value: str, length: int | None = None) -> str:
    value = value.replace("\x00", "") if value else ""  # PostgreSQL text cannot hold NUL
    return value[:length] if length else value


def incoming_values(record: InteractionRecord) -> tuple:
    """The record's values for CHANGE_FIELDS, cleaned as they are stored."""
    return (
        clean_text(record.title, 500),
        clean_text(record.text),
        record.url if len(record.url) <= 1000 else "",
        max(-INT32, min(INT32, record.score)),
        record.edited_at,
        record.is_removed,
        record.removed_by,
    )


# The order of a new row's values (a list, cheaper than a dict per row at a million rows).
COLUMNS = (
    "community_id", "external_id", "kind", "author_id", "target_id", "parent_id", "parent_external_id",
    "thread_external_id", "posted_at", "imported_at", *CHANGE_FIELDS,
)  # fmt: skip
PARENT = COLUMNS.index("parent_id")


@dataclass
class BatchPlan:
    new_rows: list[list] = field(default_factory=list)  # values in COLUMNS order; parent None if new in batch
    in_batch_parents: list[tuple[int, int]] = field(default_factory=list)  # (row index, parent row index)
    changed: list[tuple[int, tuple]] = field(default_factory=list)  # (stored id, CHANGE_FIELDS values)
    unchanged: int = 0


def plan_batch(
    community_id: int,
    records: list[InteractionRecord],
    stored: dict[str, tuple],
    identity_ids: dict[tuple[str, str], int],
) -> BatchPlan:
    plan = BatchPlan()
    now = timezone.now()
    author_of = {r.external_id: identity_ids.get(r.author.key) if r.author else None for r in records}
    new_index: dict[str, int] = {}
    pending_parents: list[tuple[int, str]] = []
    for record in records:
        values = incoming_values(record)
        if record.external_id in stored:
            pk, _author, *current = stored[record.external_id]
            if tuple(current) == values:
                plan.unchanged += 1
            else:
                plan.changed.append((pk, values))
            continue
        parent = record.parent_external_id
        parent_id = parent_author = None
        if parent in stored:
            parent_id, parent_author = stored[parent][0], stored[parent][1]
        elif parent in author_of:
            parent_author = author_of[parent]
            pending_parents.append((len(plan.new_rows), parent))  # new in this batch: id comes later
        target = identity_ids.get(record.target.key) if record.target else None
        if target is None and record.kind == "comment":
            target = parent_author  # whom a reply answers
        new_index[record.external_id] = len(plan.new_rows)
        plan.new_rows.append(
            [
                community_id, record.external_id, record.kind, author_of[record.external_id], target, parent_id,
                parent, record.thread_external_id, record.posted_at, now, *values,
            ]
        )  # fmt: skip
    plan.in_batch_parents = [(row, new_index[parent]) for row, parent in pending_parents if parent in new_index]
    return plan

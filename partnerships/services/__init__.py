"""Writes to partnerships: the one place each change happens, whoever asks for it.

The admin, the pages, the API, commands and tasks all call these, so a stage move is validated and
recorded in the timeline (and told to webhooks) the same way everywhere. Split along the seams a
reader looks for: ``pipeline`` (entering, moving, owning; a brand's stance in a community),
``agreements`` (written, renewed, terms changed), ``work`` (tasks, logged activities,
deliverables) and ``brands`` (a brand's names, site and own accounts).
``from partnerships import services; services.partnership_move(...)`` keeps working.
"""

from partnerships.models import END_STAGES, OBSERVED_STAGES, PIPELINE_ORDER, STAGES_AFTER_OUTREACH
from partnerships.services._shared import AlreadyExists, require_organization_member
from partnerships.services.agreements import (
    CREATIVE_CONTROL_FIELDS,
    RULE_FIELDS,
    TERM_FIELDS,
    agreement_create,
    agreement_new_version,
    agreement_renew,
    agreement_update_terms,
)
from partnerships.services.brands import CHANGEABLE as BRAND_CHANGEABLE
from partnerships.services.brands import brand_create, brand_names_clean, brand_update
from partnerships.services.pipeline import (
    community_stance_set,
    partnership_create,
    partnership_move,
    partnership_move_refusal,
    partnership_update,
    partnership_was_observed,
    pipeline_add,
)
from partnerships.services.work import (
    LOGGED_KINDS,
    activity_log,
    deliverable_plan,
    deliverable_set_status,
    task_complete,
    task_create,
)

__all__ = [
    "CREATIVE_CONTROL_FIELDS",
    "END_STAGES",
    "LOGGED_KINDS",
    "OBSERVED_STAGES",
    "PIPELINE_ORDER",
    "RULE_FIELDS",
    "STAGES_AFTER_OUTREACH",
    "TERM_FIELDS",
    "BRAND_CHANGEABLE",
    "AlreadyExists",
    "activity_log",
    "agreement_create",
    "agreement_new_version",
    "agreement_renew",
    "agreement_update_terms",
    "brand_create",
    "brand_names_clean",
    "brand_update",
    "community_stance_set",
    "deliverable_plan",
    "deliverable_set_status",
    "partnership_create",
    "partnership_move",
    "partnership_move_refusal",
    "partnership_update",
    "partnership_was_observed",
    "pipeline_add",
    "require_organization_member",
    "task_complete",
    "task_create",
]

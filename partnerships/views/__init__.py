"""Pages partnership managers work in. Thin: read through selectors, write through services;
tenancy by one mechanism (``crm.tenancy.member_page``, ``visible_or_404``, ``editable_or_403``).

Split by what the manager is looking at: ``pipeline`` (the board, moving and adding),
``partnership`` (one partnership's page and the work done on it: agreements, tasks, timeline,
deliverables) and ``brands`` (a brand's figures and referrals, and its stance in communities).
"""

from partnerships.views.brands import (
    brand_detail,
    brand_list,
    brand_measure_now,
    brand_metrics_csv,
    community_stance,
    observation_new,
    readiness_checklist,
    referral_events_upload,
    referral_redirect,
)
from partnerships.views.partnership import (
    activity_new,
    agreement_new,
    agreement_renew,
    agreement_terms,
    deliverable_new,
    deliverable_status,
    my_tasks,
    partnership_detail,
    task_done,
    task_new,
)
from partnerships.views.pipeline import pipeline, pipeline_add, pipeline_move

__all__ = [
    "activity_new",
    "agreement_new",
    "agreement_renew",
    "agreement_terms",
    "brand_detail",
    "brand_list",
    "brand_measure_now",
    "brand_metrics_csv",
    "community_stance",
    "deliverable_new",
    "deliverable_status",
    "my_tasks",
    "observation_new",
    "partnership_detail",
    "pipeline",
    "pipeline_add",
    "pipeline_move",
    "readiness_checklist",
    "referral_events_upload",
    "referral_redirect",
    "task_done",
    "task_new",
]

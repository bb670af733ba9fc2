"""CRM records: each belongs to exactly one organization (see ``organization_lookup``).

Split by domain and re-exported here.
"""

from partnerships.models.agreement import (
    Agreement,
    AgreementStatus,
    CompensationType,
    Deliverable,
    DeliverableStatus,
    ReviewRights,
    UsageRights,
)
from partnerships.models.brand import Brand, BrandMeasurement, BrandMention, CommunityStance, MentionScan, Stance
from partnerships.models.community_request import TRACKABLE_PLATFORMS, CommunityRequest, RequestStatus
from partnerships.models.creator_note import CreatorNote
from partnerships.models.pipeline import Partnership, Stage
from partnerships.models.readiness import ObservationNote, ReadinessCheck, ReadinessItem
from partnerships.models.referral import ReferralEvent, ReferralEventKind, ReferralLink
from partnerships.models.timeline import Activity, ActivityKind, Task

__all__ = [
    "Activity",
    "ActivityKind",
    "Agreement",
    "AgreementStatus",
    "Brand",
    "BrandMeasurement",
    "BrandMention",
    "MentionScan",
    "ObservationNote",
    "CommunityRequest",
    "CommunityStance",
    "CompensationType",
    "CreatorNote",
    "Deliverable",
    "DeliverableStatus",
    "Partnership",
    "ReadinessCheck",
    "ReadinessItem",
    "ReferralEvent",
    "ReferralEventKind",
    "ReferralLink",
    "RequestStatus",
    "ReviewRights",
    "Stage",
    "Stance",
    "TRACKABLE_PLATFORMS",
    "Task",
    "UsageRights",
]

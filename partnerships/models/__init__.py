"""CRM records: each belongs to exactly one organization (see ``organization_lookup``).

Split by domain and re-exported here.
"""

from partnerships.models.agreement import (
    Agreement,
    AgreementStatus,
    CompensationType,
    CreativeControl,
    Deliverable,
    DeliverableStatus,
    DisclosureState,
    FeeSchedule,
    ReviewRights,
    ReviewState,
    UsageRights,
    creative_control_of,
)
from partnerships.models.brand import Brand, BrandMeasurement, BrandMention, CommunityStance, MentionScan, Stance
from partnerships.models.community_request import TRACKABLE_PLATFORMS, CommunityRequest, RequestStatus
from partnerships.models.creator_link import AgreementAcceptance, CounterProposal, CreatorLink, CreatorLinkUse
from partnerships.models.creator_note import CreatorNote
from partnerships.models.outreach import (
    Channel,
    ContactAddress,
    DoNotContact,
    Message,
    MessageStatus,
    MessageTemplate,
    Sender,
    Sequence,
    SequenceStatus,
)
from partnerships.models.payment import Payment, PaymentKind, PaymentStatus
from partnerships.models.pipeline import (
    END_STAGES,
    OBSERVED_STAGES,
    PIPELINE_ORDER,
    STAGES_AFTER_OUTREACH,
    Partnership,
    Stage,
)
from partnerships.models.readiness import ObservationNote, ReadinessCheck, ReadinessItem
from partnerships.models.referral import ReferralEvent, ReferralEventKind, ReferralLink
from partnerships.models.timeline import Activity, ActivityKind, Task

__all__ = [
    "AgreementAcceptance",
    "CounterProposal",
    "CreatorLink",
    "CreatorLinkUse",
    "DisclosureState",
    "FeeSchedule",
    "Payment",
    "PaymentKind",
    "PaymentStatus",
    "ReviewState",
    "Channel",
    "ContactAddress",
    "DoNotContact",
    "Message",
    "MessageStatus",
    "MessageTemplate",
    "Sender",
    "Sequence",
    "SequenceStatus",
    "Activity",
    "ActivityKind",
    "Agreement",
    "AgreementStatus",
    "Brand",
    "BrandMeasurement",
    "BrandMention",
    "MentionScan",
    "OBSERVED_STAGES",
    "ObservationNote",
    "CommunityRequest",
    "CommunityStance",
    "CompensationType",
    "CreativeControl",
    "CreatorNote",
    "Deliverable",
    "END_STAGES",
    "DeliverableStatus",
    "PIPELINE_ORDER",
    "Partnership",
    "ReadinessCheck",
    "ReadinessItem",
    "ReferralEvent",
    "ReferralEventKind",
    "ReferralLink",
    "RequestStatus",
    "ReviewRights",
    "STAGES_AFTER_OUTREACH",
    "Stage",
    "Stance",
    "TRACKABLE_PLATFORMS",
    "Task",
    "UsageRights",
    "creative_control_of",
]

"""/api/v1/: thin views. Reads are scoped to the caller's organizations; writes go through services.

One module per part of the product (discovery, the pipeline, brands' measurement, webhooks),
beside the filters of their lists and the schema's wording of their answers. The viewsets are
named here, where the router (api/urls.py) finds them.
"""

from api.views.brands import BrandMeasurementViewSet, BrandMentionViewSet, ReferralEventViewSet, ReferralLinkViewSet
from api.views.discovery import CommunityViewSet, CreatorViewSet, MembershipViewSet
from api.views.filters import BoundedNumberFilter, IdFilter, WhenFilter
from api.views.pipeline import ActivityViewSet, AgreementViewSet, DeliverableViewSet, PartnershipViewSet, TaskViewSet
from api.views.webhooks import WebhookSubscriptionViewSet

__all__ = [
    "ActivityViewSet",
    "AgreementViewSet",
    "BoundedNumberFilter",
    "BrandMeasurementViewSet",
    "BrandMentionViewSet",
    "CommunityViewSet",
    "CreatorViewSet",
    "DeliverableViewSet",
    "IdFilter",
    "MembershipViewSet",
    "PartnershipViewSet",
    "ReferralEventViewSet",
    "ReferralLinkViewSet",
    "TaskViewSet",
    "WebhookSubscriptionViewSet",
    "WhenFilter",
]

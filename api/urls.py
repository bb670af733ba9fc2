from csp.decorators import csp_replace
from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api import views
from api.views import outreach, payments

router = DefaultRouter(trailing_slash=True)
router.register("communities", views.CommunityViewSet, basename="community")
router.register("creators", views.CreatorViewSet, basename="creator")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("partnerships", views.PartnershipViewSet, basename="partnership")
router.register("referral-events", views.ReferralEventViewSet, basename="referral-event")
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("deliverables", views.DeliverableViewSet, basename="deliverable")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("referral-links", views.ReferralLinkViewSet, basename="referral-link")
router.register("brand-mentions", views.BrandMentionViewSet, basename="brand-mention")
router.register("measurements", views.BrandMeasurementViewSet, basename="measurement")
router.register("webhooks", views.WebhookSubscriptionViewSet, basename="webhook")
# Outreach (issue 20): senders and templates are read-only here; writing to a creator is a POST
# under the partnership.
router.register("senders", outreach.SenderViewSet, basename="sender")
router.register("message-templates", outreach.MessageTemplateViewSet, basename="message-template")
router.register("messages", outreach.MessageViewSet, basename="message")
router.register(
    r"partnerships/(?P<partnership_pk>[0-9]{1,18})/messages", outreach.PartnershipMessageViewSet,
    basename="partnership-message",
)  # fmt: skip

# The ledger (issue 21): read, and approved, paid or cancelled through actions.
router.register("payments", payments.PaymentViewSet, basename="payment")

app_name = "api"
urlpatterns = [
    # The description of the API is public (it holds no data): client generators and the docs need no key.
    path("schema/", SpectacularAPIView.as_view(api_version="v1", permission_classes=[AllowAny]), name="schema"),
    # Swagger UI's own script is served as a file (the split view: no inline script); it styles
    # itself inline, so the docs page alone allows inline styles.
    path(
        "docs/",
        csp_replace(settings.API_PAGE_STYLES)(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[AllowAny])
        ),
        name="docs",
    ),
    path("", include(router.urls)),
]

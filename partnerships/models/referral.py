from django.db import models
from django.db.models import Q

from crm.validators import validate_web_url
from partnerships.models.pipeline import Partnership


class ReferralLink(models.Model):
    """A code or tracked link for one partnership; ``/r/<code>`` redirects to ``destination_url``."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="referral_links")
    code = models.SlugField(max_length=64, unique=True)
    destination_url = models.URLField(max_length=1000, validators=[validate_web_url])
    label = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "partnership__brand__organization"

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code


class ReferralEventKind(models.TextChoices):
    CLICK = "click", "Click"
    SIGNUP = "signup", "Sign-up"
    SALE = "sale", "Sale"


class ReferralEvent(models.Model):
    """A click, sign-up or sale attributed to a referral link.

    Clicks keep only a salted hash of the visitor (to count each visitor once a day), nothing
    else personal. Sign-ups and sales carry the brand's own ``external_id`` so a re-sent event is
    recorded once.
    """

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8, choices=ReferralEventKind.choices)
    occurred_at = models.DateTimeField()
    visitor_hash = models.CharField(max_length=64, blank=True)
    external_id = models.CharField(max_length=128, blank=True, help_text="Order or account id at the brand.")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    organization_lookup = "link__partnership__brand__organization"

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "kind", "external_id"],
                condition=~Q(external_id=""),
                name="referral_event_recorded_once",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="referral_amount_is_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in ReferralEventKind]), name="referral_event_kind_is_known"
            ),
        ]
        indexes = [models.Index(fields=["link", "kind", "occurred_at"], name="referral_event_link_time")]

    def __str__(self):
        return f"{self.get_kind_display()} via {self.link.code}"

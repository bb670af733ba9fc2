"""Forms of the partnership pages: they coerce and check input; services do the writing.

Ids and times are read by crm.parsing's fields: an id is ASCII digits (Python's int() reads '٣'
as 3, and '²' passed isdigit() and then failed int(): a 500), and a time is one UTC can hold.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, Q, When

from crm.parsing import IdField, UtcDateTimeField
from influencers.models import Community
from partnerships.models import ActivityKind, Agreement, Deliverable, DeliverableStatus
from partnerships.services import LOGGED_KINDS


class RenewalForm(forms.Form):
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The agreement cannot end before it starts.")
        return data


class CreativeControlForm(forms.ModelForm):
    """The creative-control terms of one agreement (on a signed one: of its next version)."""

    class Meta:
        model = Agreement
        fields = [
            "creator_keeps_editorial_control", "brand_review_rights", "disclosure_required", "disclosure_method",
            "usage_rights", "usage_rights_days",
        ]  # fmt: skip


class AgreementForm(forms.ModelForm):
    """A new agreement: the brief, its period, compensation and creative-control terms."""

    # When a fee falls due and the days to pay it: the agreement's defaults unless chosen.
    OPTIONAL_WITH_DEFAULT = ("fee_schedule", "payment_terms_days")

    class Meta:
        model = Agreement
        fields = [
            "status", "starts_on", "ends_on", "signed_on", "brief_goals", "brief_will_not_ask", "compensation_type",
            "compensation_amount", "currency", "fee_schedule", "payment_terms_days", "affiliate_share_percent",
            "creator_keeps_editorial_control", "brand_review_rights", "disclosure_required", "disclosure_method",
            "disclosure_phrase", "usage_rights", "usage_rights_days", "notes",
        ]  # fmt: skip
        widgets = {name: forms.DateInput(attrs={"type": "date"}) for name in ("starts_on", "ends_on", "signed_on")} | {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "brief_goals": forms.Textarea(attrs={"rows": 2}),
            "brief_will_not_ask": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"notes": "Internal notes (never shown to the creator)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.OPTIONAL_WITH_DEFAULT:
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        for name in self.OPTIONAL_WITH_DEFAULT:
            if data.get(name) in (None, ""):
                data[name] = Agreement._meta.get_field(name).get_default()
        return data


class TaskForm(forms.Form):
    """A follow-up about the partnership, for a member of its organization.

    Each member is offered once: the one filling in the form first, as "Me" (chosen unless they pick
    someone else), then the others by name."""

    title = forms.CharField(max_length=300, label="To do")
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ModelChoiceField(queryset=None, required=False, empty_label=None, label="For")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organization, actor, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        me = actor.pk if actor is not None else None
        field = self.fields["assignee"]
        field.queryset = (
            User.objects.filter(organization_memberships__organization=organization)
            .distinct()
            .order_by(Case(When(pk=me, then=0), default=1), "first_name", "last_name", "username")
        )
        field.initial = me
        field.label_from_instance = lambda user: "Me" if user.pk == me else (user.get_full_name() or user.username)


class ActivityForm(forms.Form):
    """Something that happened, logged in the partnership's timeline."""

    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in LOGGED_KINDS], initial=ActivityKind.NOTE)
    summary = forms.CharField(max_length=300, label="What happened")
    body = forms.CharField(required=False, label="Details", widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = UtcDateTimeField(
        required=False, label="When (if not now)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class DeliverableForm(forms.Form):
    """A piece of content planned under the partnership."""

    title = forms.CharField(max_length=300)
    kind = forms.ChoiceField(choices=Deliverable.Kind.choices, initial=Deliverable.Kind.POST)
    community = forms.ModelChoiceField(queryset=None, required=False, empty_label="—", label="Where")
    due_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        # The partnership's communities and those the creator takes part in.
        self.fields["community"].queryset = (
            Community.objects.filter(
                Q(partnerships=partnership) | Q(memberships__identity__creator=partnership.creator_id)
            )
            .distinct()
            .order_by("name")
        )
        self.fields["community"].label_from_instance = lambda community: community.label


class DeliverableStatusForm(forms.Form):
    status = forms.ChoiceField(choices=DeliverableStatus.choices)
    url = forms.URLField(required=False, max_length=1000, label="Link")
    published_on = forms.DateField(
        required=False, label="Published on (if not today)", widget=forms.DateInput(attrs={"type": "date"})
    )


class ObservationForm(forms.Form):
    """A note in a brand's observation log (the service refuses an empty note or a future date)."""

    observed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class PipelineFilterForm(forms.Form):
    """The pipeline board's filters (query string): each an id from the board's own menus, or none."""

    brand = IdField(required=False)
    owner = IdField(required=False)
    community = IdField(required=False)
    q = forms.CharField(required=False, label="Creator")  # refuses NUL, which PostgreSQL would

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:100]  # a name or handle: longer is a paste gone wrong, not a search


class PipelineAddForm(forms.Form):
    """Whom to add to a brand's pipeline (the brand is read apart: another's is a 404): an account
    (``identity``) or a creator by id, or ``who`` as the new-partnership page's one choice says it
    ("identity:12" or "creator:5")."""

    identity = IdField(required=False)
    creator = IdField(required=False)
    community = IdField(required=False)
    who = forms.RegexField(
        regex=r"^(identity|creator):[0-9]{1,18}$",
        required=False,
        error_messages={"invalid": "Choose someone from the list."},
    )

    def clean(self):
        data = super().clean()
        if who := data.get("who"):
            kind, pk = who.split(":")
            data["identity"], data["creator"] = (int(pk), None) if kind == "identity" else (None, int(pk))
        return data


class NewPartnershipSearchForm(forms.Form):
    """The new-partnership page's query string: a name or handle to look for, and the brand chosen
    last (kept when the page comes back with a refusal)."""

    q = forms.CharField(required=False, label="Name or handle")
    brand = IdField(required=False)

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()[:100]

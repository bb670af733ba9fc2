"""Forms of the partnership pages: they coerce and check input; services do the writing."""

from django import forms

from partnerships.models import Agreement


class RenewalForm(forms.Form):
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "The agreement cannot end before it starts.")
        return data


class CreativeControlForm(forms.ModelForm):
    """The creative-control terms of one agreement."""

    class Meta:
        model = Agreement
        fields = [
            "creator_keeps_editorial_control", "brand_review_rights", "disclosure_required", "disclosure_method",
            "usage_rights", "usage_rights_days",
        ]  # fmt: skip


class AgreementForm(forms.ModelForm):
    """A new agreement: its period, compensation and creative-control terms."""

    class Meta:
        model = Agreement
        fields = [
            "status", "starts_on", "ends_on", "signed_on", "compensation_type", "compensation_amount", "currency",
            "affiliate_share_percent", "creator_keeps_editorial_control", "brand_review_rights",
            "disclosure_required", "disclosure_method", "usage_rights", "usage_rights_days", "notes",
        ]  # fmt: skip
        widgets = {name: forms.DateInput(attrs={"type": "date"}) for name in ("starts_on", "ends_on", "signed_on")} | {
            "notes": forms.Textarea(attrs={"rows": 2})
        }

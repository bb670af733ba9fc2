"""The partnership page's payment forms: they coerce what is typed; the services decide."""

from __future__ import annotations

from django import forms


class PaymentPaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(
        label="Reference", max_length=200, help_text="The transfer's or invoice's reference (product: tracking number)."
    )


class PaymentCancelForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, help_text="Why it is not owed.")

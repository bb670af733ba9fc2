"""The creator's forms and the manager's: they coerce and check input; services decide."""

from django import forms

from crm.parsing import IdField
from partnerships.creator_portal.links import MAX_DAYS
from partnerships.creator_portal.selectors import PROPOSABLE_TERMS


class AcceptForm(forms.Form):
    agreement = IdField(widget=forms.HiddenInput)
    # The hash of the terms as the page showed them: accepting checks it against the terms now.
    terms_sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    full_name = forms.CharField(max_length=200, label="Your full name", help_text="Typing it is your signature.")


class ProposeForm(forms.Form):
    agreement = IdField(widget=forms.HiddenInput)
    term = forms.ChoiceField(choices=PROPOSABLE_TERMS, label="Which term")
    value = forms.CharField(
        max_length=1000, required=False, label="What you propose",
        help_text="For yes/no terms write yes or no; for a date, 2027-01-31; leave empty for none.",
    )  # fmt: skip
    note = forms.CharField(
        max_length=5000, required=False, label="Why (for the brand)", widget=forms.Textarea(attrs={"rows": 3})
    )


class HandInForm(forms.Form):
    deliverable = IdField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(max_length=300, required=False, label="What it is")
    url = forms.CharField(max_length=1000, label="Link to your piece")
    note = forms.CharField(
        max_length=5000, required=False, label="A note (optional)", widget=forms.Textarea(attrs={"rows": 2})
    )
    disclosed = forms.BooleanField(required=False, label="My post discloses the partnership")


class PublishForm(forms.Form):
    url = forms.CharField(max_length=1000, required=False, label="Public link (if it changed)")
    disclosed = forms.BooleanField(required=False, label="My post discloses the partnership")


class LinkForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=MAX_DAYS, initial=30, label="Works for (days)")


class DecisionForm(forms.Form):
    note = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

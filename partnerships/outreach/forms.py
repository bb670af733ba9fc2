"""Forms of the outreach pages: they coerce and label what a manager types; the services
(``outreach.senders``, ``outreach.services``) decide, and their refusals are put back on the form
next to the field they name, with what was typed kept.

A password, app secret or refresh token is a ``PasswordInput`` that never renders its value:
after a refusal it is typed again, and on the edit page an empty one keeps the stored one.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from partnerships.models.outreach import Security
from partnerships.outreach import merge
from partnerships.outreach.senders import MAX_DAILY_CAP
from partnerships.outreach.services import MAX_FOLLOW_UPS

KEEP_STORED = "Stored — enter a new one to replace it; leave empty to keep it."


def secret_field(label: str, *, required: bool, help_text: str = "") -> forms.CharField:
    # render_value=False: the browser is never handed a stored or typed secret back.
    return forms.CharField(
        label=label, required=required, max_length=500, strip=False, help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )  # fmt: skip


def put_refusal_on(form: forms.Form, refusal: ValidationError) -> None:
    """The service's refusal next to the field it names (a field the form lacks: above the form)."""
    for field, messages in refusal.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class MailboxForm(forms.Form):
    """Connect a mailbox, or change one (``editing``: the password may stay empty)."""

    address = forms.EmailField(label="Email address", max_length=254, help_text="The address messages come from.")
    display_name = forms.CharField(
        label="Name recipients see", max_length=120, required=False, help_text="e.g. Maya at Inkwell"
    )
    username = forms.CharField(
        label="Login", max_length=254, required=False, help_text="Usually the address itself (leave empty for that)."
    )
    password = secret_field(
        "Password or app password", required=True,
        help_text="Gmail, Outlook and Fastmail with two-step sign-in need an app password, not your usual one.",
    )  # fmt: skip
    smtp_host = forms.CharField(label="SMTP server (sending)", max_length=253, help_text="e.g. smtp.gmail.com")
    smtp_port = forms.IntegerField(
        label="SMTP port",
        required=False,
        min_value=1,
        max_value=65535,
        help_text="Empty: 465 for SSL/TLS, 587 for STARTTLS.",
    )
    smtp_security = forms.ChoiceField(label="SMTP security", choices=Security.choices, initial=Security.SSL)
    imap_host = forms.CharField(label="IMAP server (reading replies)", max_length=253, help_text="e.g. imap.gmail.com")
    imap_port = forms.IntegerField(
        label="IMAP port",
        required=False,
        min_value=1,
        max_value=65535,
        help_text="Empty: 993 for SSL/TLS, 143 for STARTTLS.",
    )
    imap_security = forms.ChoiceField(label="IMAP security", choices=Security.choices, initial=Security.SSL)
    sent_folder = forms.CharField(
        label="Sent folder", max_length=120, required=False, help_text="Leave empty to find it."
    )
    daily_cap = forms.IntegerField(
        label="At most this many messages a day", min_value=1, max_value=MAX_DAILY_CAP, initial=40
    )
    signature = forms.CharField(
        label="Signature",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Added under every message.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["password"].required = False
            self.fields["password"].help_text = KEEP_STORED


class RedditForm(forms.Form):
    """Connect a Reddit account (a script app with the password, or an app's refresh token)."""

    address = forms.CharField(label="Reddit username", max_length=60, help_text="Without u/, e.g. inkwell_pens")
    client_id = forms.CharField(
        label="App client id", max_length=100, help_text="Under the app's name on reddit.com/prefs/apps."
    )
    client_secret = secret_field("App secret", required=True)
    password = secret_field("Account password", required=False, help_text="For a script app; or give a refresh token.")
    refresh_token = secret_field(
        "Refresh token",
        required=False,
        help_text="For an app authorised with the scopes identity, privatemessages, read.",
    )
    daily_cap = forms.IntegerField(
        label="At most this many messages a day", min_value=1, max_value=MAX_DAILY_CAP, initial=40
    )
    signature = forms.CharField(label="Signature", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["address"]  # the account is who it is: connect another one instead
            for name in ("client_secret", "password", "refresh_token"):
                self.fields[name].required = False
                self.fields[name].help_text = KEEP_STORED


SECRETS = {"email": ("password",), "reddit": ("client_secret", "password", "refresh_token")}


def split_secrets(channel: str, data: dict) -> tuple[dict, dict]:
    """(settings, secrets) from a sender form's cleaned data."""
    secrets = {name: data[name] for name in SECRETS[channel] if name in data}
    fields = {name: value for name, value in data.items() if name not in SECRETS[channel]}
    return fields, secrets


class TemplateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, help_text="For you, e.g. First note to a thread author.")
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}))
    follow_up_body = forms.CharField(
        label="Follow-up", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Sent, if they have not answered, as each follow-up. Empty: no follow-ups.",
    )  # fmt: skip


class ComposeForm(forms.Form):
    """A message to one creator. ``senders`` are the organization's active ones; ``threads`` the
    creator's threads to choose {{ their_thread }} from. Text stays raw (with its merge fields):
    the preview and the send both merge it the same way, in ``message_write``."""

    sender = forms.ChoiceField(label="From")
    to = forms.EmailField(
        label="To (email)",
        required=False,
        max_length=254,
        help_text="Remembered for this creator. Not used for Reddit.",
    )
    thread = forms.ChoiceField(label="Their thread ({{ their_thread }})", required=False)
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}))
    follow_ups = forms.IntegerField(label="Follow-ups", min_value=0, max_value=MAX_FOLLOW_UPS, initial=0)
    follow_up_days = forms.IntegerField(label="Every … days", min_value=1, max_value=60, initial=4)
    follow_up_body = forms.CharField(
        label="Follow-up text", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Sent if they have not answered; the follow-ups stop when they reply.",
    )  # fmt: skip

    def __init__(self, *args, senders, threads, **kwargs):
        super().__init__(*args, **kwargs)
        self.senders = {str(sender.pk): sender for sender in senders}
        self.fields["sender"].choices = [(key, str(sender)) for key, sender in self.senders.items()]
        self.fields["thread"].choices = [("", "Their most answered thread")] + [
            (str(t.id), f"{t.title} ({t.community}, {t.replies} repl{'y' if t.replies == 1 else 'ies'})")
            for t in threads
        ]

    def clean_subject(self):
        return self._known_fields("subject")

    def clean_body(self):
        return self._known_fields("body")

    def clean_follow_up_body(self):
        return self._known_fields("follow_up_body")

    def _known_fields(self, name: str) -> str:
        text = self.cleaned_data[name]
        if unknown := merge.unknown_fields(text):
            known = ", ".join(f"{{{{ {field} }}}}" for field in merge.FIELDS)
            raise ValidationError(f"Unknown field {{{{ {unknown[0]} }}}}: the fields are {known}.")
        return text

    @property
    def chosen_sender(self):
        return self.senders.get(self.cleaned_data.get("sender") or "")


class ReasonForm(forms.Form):
    """Why a creator is marked do-not-contact, or why the mark is lifted (required both ways)."""

    reason = forms.CharField(label="Why", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

"""Outreach in the admin, scoped like every CRM record (crm/admin_scoping.py), and written only
through the outreach services, so the admin cannot store what the pages and the API would refuse.

- Senders are connected through ``sender_connect`` and changed through ``sender_update``. Their
  password, app secret and refresh token are write-only fields: never shown, never put back in
  the page, and left empty they keep what is stored. A sender is switched off, not deleted (its
  messages keep it).
- Templates are written through ``template_save`` (which checks the merge fields) and deleted
  through ``template_delete``.
- Messages and follow-up sequences are what happened: read-only.
- Do-not-contact marks are added through ``do_not_contact_mark`` (source: a manager, with a
  reason). Lifting one needs a reason too (``do_not_contact_lift``), which the admin's delete
  cannot ask for, so marks are not deleted here: they are lifted in the CRM's Outreach pages.

A service refuses with a ValidationError naming the field; the forms call the service when they
are cleaned (inside the admin's transaction), so its words are shown beside that field like any
other error, and ``save_model`` only adopts the record the service saved.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from crm.admin_scoping import OrganizationScopedAdmin
from partnerships.models.outreach import (
    Channel,
    ConsentSource,
    DoNotContact,
    Message,
    MessageTemplate,
    Sender,
    Sequence,
)
from partnerships.outreach.senders import (
    MAILBOX_FIELDS,
    REDDIT_FIELDS,
    sender_check,
    sender_connect,
    sender_update,
    template_delete,
    template_save,
)
from partnerships.outreach.services import do_not_contact_mark

SECRET_FIELDS = ("password", "client_secret", "refresh_token")


def _adopt(obj, saved) -> None:
    """Make the admin's object the record the service saved (the admin goes on to name and link it)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class ServiceForm(forms.ModelForm):
    """A form whose record only a service writes: ``write(cleaned)`` is called once the form's own
    checks pass, and the service's refusal is put beside the field it names."""

    actor = None  # who is saving (set per request by the admin's get_form)
    saved = None

    def write(self, cleaned: dict):
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.saved = self.write(cleaned)
        except ValidationError as refused:
            for field, said in refused.message_dict.items():
                self.add_error(field if field in self.fields else None, said)
        return cleaned

    def _post_clean(self):
        pass  # the service's rules apply (above); the instance is not validated or filled in twice


class ServiceAdmin(OrganizationScopedAdmin):
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        _adopt(obj, form.saved)


# --- senders ------------------------------------------------------------------------------------
class SenderForm(ServiceForm):
    password = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="The mailbox's password or app password, or the Reddit account's password (script app). "
        "Never shown again; leave empty to keep the stored one.",
    )  # fmt: skip
    client_secret = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="The Reddit app's secret. Never shown again; leave empty to keep the stored one.",
    )  # fmt: skip
    refresh_token = forms.CharField(
        required=False, strip=False, widget=forms.PasswordInput(render_value=False),
        help_text="Instead of a password: a Reddit refresh token. Never shown again; leave empty to keep it.",
    )  # fmt: skip

    class Meta:
        model = Sender
        fields = ["organization", "channel", *MAILBOX_FIELDS, "client_id"]

    def write(self, cleaned: dict) -> Sender:
        secrets = {name: cleaned[name] for name in SECRET_FIELDS if cleaned.get(name)}
        if self.instance.pk is None:
            channel = cleaned["channel"]
            allowed = MAILBOX_FIELDS if channel == Channel.EMAIL else REDDIT_FIELDS
            return sender_connect(
                organization=cleaned["organization"], channel=channel, actor=self.actor, secrets=secrets,
                **{name: cleaned[name] for name in allowed if name in cleaned},
            )  # fmt: skip
        sender = Sender.objects.select_related("organization").get(pk=self.instance.pk)
        allowed = MAILBOX_FIELDS if sender.channel == Channel.EMAIL else REDDIT_FIELDS
        changes = {name: cleaned[name] for name in self.changed_data if name in allowed}
        return sender_update(sender=sender, actor=self.actor, secrets=secrets, **changes)


@admin.register(Sender)
class SenderAdmin(ServiceAdmin):
    """Mailboxes and Reddit accounts the organization writes from (see the module's docstring)."""

    form = SenderForm
    list_display = ["__str__", "organization", "channel", "is_active", "daily_cap", "checked_at", "problems"]
    list_filter = ["channel", "is_active", "organization"]
    search_fields = ["address", "display_name"]
    list_select_related = ["organization"]
    actions = ["check_connection"]
    MAILBOX = ["username", "smtp_host", "smtp_port", "smtp_security", "imap_host", "imap_port", "imap_security",
               "sent_folder"]  # fmt: skip
    STATE = ["has_secret", "checked_at", "check_problem", "inbox_read_at", "inbox_problem", "created_at"]

    def get_fieldsets(self, request, obj=None):
        common = ["address", "display_name", "daily_cap", "signature", "is_active"]
        secrets = ("Password or secret (write-only)", {"fields": ["has_secret", *SECRET_FIELDS] if obj else
                                                       list(SECRET_FIELDS)})  # fmt: skip
        if obj is None:
            return [(None, {"fields": ["organization", "channel", *common]}),
                    ("Mailbox", {"fields": self.MAILBOX}), ("Reddit account", {"fields": ["client_id"]}),
                    secrets]  # fmt: skip
        own = self.MAILBOX if obj.channel == Channel.EMAIL else ["client_id"]
        secret_names = ["password"] if obj.channel == Channel.EMAIL else list(SECRET_FIELDS)
        return [
            (None, {"fields": ["organization", "channel", *common]}),
            ("Mailbox" if obj.channel == Channel.EMAIL else "Reddit account", {"fields": own}),
            ("Password or secret (write-only)", {"fields": ["has_secret", *secret_names]}),
            ("Last checked", {"fields": [name for name in self.STATE if name != "has_secret"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["organization", "channel", *self.STATE] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # switched off instead: its messages and follow-ups keep it

    @admin.display(boolean=True, description="secret stored")
    def has_secret(self, obj):
        return bool(obj.sealed_secrets)

    @admin.display(description="problems")
    def problems(self, obj):
        return "; ".join(filter(None, [obj.check_problem, obj.inbox_problem])) or "—"

    @admin.action(description="Test the connection of the selected senders", permissions=["change"])
    def check_connection(self, request, queryset):
        for sender in queryset:
            problem = sender_check(sender=sender)
            if problem:
                self.message_user(request, f"{sender}: {problem}", messages.ERROR)
            else:
                self.message_user(request, f"{sender}: connected.", messages.SUCCESS)


# --- templates ----------------------------------------------------------------------------------
class MessageTemplateForm(ServiceForm):
    class Meta:
        model = MessageTemplate
        fields = ["organization", "name", "subject", "body", "follow_up_body"]

    def write(self, cleaned: dict) -> MessageTemplate:
        template = MessageTemplate.objects.get(pk=self.instance.pk) if self.instance.pk else None
        return template_save(
            organization=template.organization if template else cleaned["organization"], actor=self.actor,
            template=template, name=cleaned["name"], subject=cleaned["subject"], body=cleaned["body"],
            follow_up_body=cleaned.get("follow_up_body", ""),
        )  # fmt: skip


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceAdmin):
    """First messages and their follow-ups, with merge fields ({{ first_name }}, {{ brand }}…)."""

    form = MessageTemplateForm
    list_display = ["name", "organization", "subject", "updated_at"]
    list_filter = ["organization"]
    search_fields = ["name", "subject", "body"]
    list_select_related = ["organization"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj is not None else []

    def delete_model(self, request, obj):
        template_delete(template=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            template_delete(template=template, actor=request.user)


# --- what happened: messages and sequences ------------------------------------------------------
class ReadOnlyAdmin(OrganizationScopedAdmin):
    """Rows the outreach services write as things happen: looked at here, never changed."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """Messages written to creators and received from them. The text is shown as text (escaped):
    mail is never rendered as HTML."""

    list_display = ["occurred_at", "direction", "channel", "status", "subject", "partnership", "from_address",
                    "to_address"]  # fmt: skip
    list_filter = ["direction", "status", "channel"]
    search_fields = ["subject", "from_address", "to_address"]
    list_select_related = ["partnership__brand", "partnership__creator"]
    date_hierarchy = "occurred_at"
    fields = ["organization", "partnership", "creator", "sender", "direction", "channel", "status", "problem",
              "from_address", "from_name", "to_address", "subject", "body", "step", "sequence", "occurred_at",
              "attempts", "next_attempt_at", "message_id", "in_reply_to", "thread_id", "created_at"]  # fmt: skip
    readonly_fields = fields


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    """A first message and its follow-ups, stopped by a reply, a stage change or a do-not-contact."""

    list_display = ["partnership", "sender", "status", "follow_ups_planned", "follow_up_days", "next_follow_up_at",
                    "stop_reason", "created_at"]  # fmt: skip
    list_filter = ["status"]
    list_select_related = ["partnership__brand", "partnership__creator", "sender"]
    fields = ["partnership", "sender", "status", "follow_ups_planned", "follow_up_days", "follow_up_body",
              "next_follow_up_at", "stop_reason", "stopped_at", "created_at"]  # fmt: skip
    readonly_fields = fields


# --- do not contact -----------------------------------------------------------------------------
class DoNotContactForm(ServiceForm):
    class Meta:
        model = DoNotContact
        fields = ["organization", "creator", "note"]

    def write(self, cleaned: dict) -> DoNotContact:
        return do_not_contact_mark(
            organization=cleaned["organization"], creator=cleaned["creator"], source=ConsentSource.MANAGER,
            note=cleaned.get("note", ""), actor=self.actor,
        )  # fmt: skip


@admin.register(DoNotContact)
class DoNotContactAdmin(ServiceAdmin):
    """Creators the organization does not write to (see the module's docstring: added here with a
    reason, lifted in the Outreach pages with one)."""

    form = DoNotContactForm
    list_display = ["creator", "organization", "source", "created_at"]
    list_filter = ["source", "organization"]
    search_fields = ["creator__display_name", "note"]
    list_select_related = ["creator", "organization"]
    autocomplete_fields = ["creator"]

    def get_fields(self, request, obj=None):
        return ["organization", "creator", "note"] if obj is None else ["organization", "creator", "source", "note",
                                                                        "created_at"]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False  # a mark is what the creator asked: it is not edited

    def has_delete_permission(self, request, obj=None):
        return False  # lifting needs a reason the admin's delete cannot ask for

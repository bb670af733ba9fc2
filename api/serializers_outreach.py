"""What the API shows of outreach (senders, templates, messages) and what it accepts to write to a
creator. Thin: writing goes through partnerships.outreach.services.message_write, like the pages.

A sender's password, client secret or refresh token is never shown: ``has_secret`` says whether
one is stored, nothing more.
"""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import ScopedPrimaryKey
from partnerships.models import Partnership
from partnerships.models.outreach import Message, MessageTemplate, Sender, Sequence
from partnerships.outreach.services import MAX_FOLLOW_UPS

# Message.subject holds 300 characters; merge fields grow a subject, so what is typed is kept shorter.
MAX_SUBJECT = 200


class SenderSerializer(serializers.ModelSerializer):
    has_secret = serializers.SerializerMethodField(
        help_text="A password, client secret or refresh token is stored (it is never shown)."
    )

    class Meta:
        model = Sender
        fields = ["id", "channel", "address", "display_name", "daily_cap", "is_active", "checked_at", "check_problem",
                  "inbox_read_at", "inbox_problem", "has_secret"]  # fmt: skip
        read_only_fields = fields

    def get_has_secret(self, sender: Sender) -> bool:
        return bool(sender.sealed_secrets)


class MessageTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageTemplate
        fields = ["id", "name", "subject", "body", "follow_up_body"]
        read_only_fields = fields


class SequenceInMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sequence
        fields = ["id", "status", "next_follow_up_at", "follow_ups_planned"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    sequence = SequenceInMessageSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "partnership", "creator", "direction", "channel", "status", "status_label", "sender",
                  "to_address", "from_address", "subject", "body", "problem", "step", "occurred_at",
                  "sequence"]  # fmt: skip
        read_only_fields = fields


class MessageWriteSerializer(serializers.Serializer):
    """A message to the partnership's creator: typed here, or from a template (what is given
    overrides the template's)."""

    sender = ScopedPrimaryKey(queryset=Sender.objects.all(), help_text="One of your organization's senders.")
    template = ScopedPrimaryKey(
        queryset=MessageTemplate.objects.all(), required=False, allow_null=True,
        help_text="Take the subject, body and follow-up from this template unless they are given.",
    )  # fmt: skip
    subject = serializers.CharField(required=False, allow_blank=True, max_length=MAX_SUBJECT)
    body = serializers.CharField(required=False, allow_blank=True, help_text="Plain text; merge fields allowed.")
    to = serializers.EmailField(
        required=False, allow_blank=True, help_text="The creator's email address (remembered for them); email only."
    )
    thread = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
        help_text="Which of the creator's threads {{ their_thread }} names (an interaction id); their most "
        "answered one by default.",
    )  # fmt: skip
    follow_ups = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_FOLLOW_UPS)
    follow_up_days = serializers.IntegerField(required=False, default=4, min_value=1, max_value=60)
    follow_up_body = serializers.CharField(required=False, allow_blank=True)

    def service_arguments(self) -> dict:
        """The keyword arguments of ``message_write`` (besides partnership and actor)."""
        data = self.validated_data
        template = data.get("template")

        def chosen(field: str) -> str:
            given = data.get(field)
            if given is None or (given == "" and template is not None):
                return getattr(template, field, "") if template is not None else ""
            return given

        return {
            "sender": data["sender"], "subject": chosen("subject"), "body": chosen("body"),
            "follow_up_body": chosen("follow_up_body"), "to": data.get("to") or "", "thread_id": data.get("thread"),
            "follow_ups": data["follow_ups"], "follow_up_days": data["follow_up_days"],
        }  # fmt: skip


class MessageFileSerializer(serializers.Serializer):
    partnership = ScopedPrimaryKey(
        queryset=Partnership.objects.all(), help_text="The partnership this received message belongs under."
    )

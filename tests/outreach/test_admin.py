"""Outreach in the admin: secrets are write-only and never in a page, another organization's rows
are invisible, and every write goes through the outreach services (their refusals shown beside
the field)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from partnerships.models.outreach import (
    ConsentSource,
    Direction,
    DoNotContact,
    Message,
    MessageStatus,
    MessageTemplate,
    Sender,
)
from partnerships.outreach.senders import sender_connect, template_save

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-app-password-xyz"
SENDER_ADD = reverse("admin:partnerships_sender_add")
TEMPLATE_ADD = reverse("admin:partnerships_messagetemplate_add")
MARK_ADD = reverse("admin:partnerships_donotcontact_add")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def mailbox(organization, address="maya@inkwell.example"):
    return sender_connect(
        organization=organization, channel="email", secrets={"password": PASSWORD}, address=address,
        smtp_host="smtp.inkwell.example", imap_host="imap.inkwell.example",
    )  # fmt: skip


def mailbox_form(organization, **changes) -> dict:
    return {
        "organization": organization.pk, "channel": "email", "address": "maya@inkwell.example",
        "display_name": "Maya at Inkwell", "daily_cap": "40", "signature": "", "is_active": "on", "username": "",
        "smtp_host": "smtp.inkwell.example", "smtp_port": "", "smtp_security": "ssl",
        "imap_host": "imap.inkwell.example", "imap_port": "", "imap_security": "ssl", "sent_folder": "",
        "client_id": "", "password": PASSWORD, "client_secret": "", "refresh_token": "", **changes,
    }  # fmt: skip


def change_url(obj) -> str:
    return reverse(f"admin:partnerships_{obj._meta.model_name}_change", args=[obj.pk])


def test_a_mailbox_is_connected_through_the_service_and_its_password_never_shown(org_a, manager_a):
    client = signed_in(manager_a)
    answer = client.post(SENDER_ADD, mailbox_form(org_a))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    sender = Sender.objects.get()
    # sender_connect's work: the address cleaned, the default port filled in, the secret sealed,
    # who connected it recorded, replies read from today.
    assert (sender.smtp_port, sender.imap_port, sender.created_by) == (465, 993, manager_a)
    assert sender.secrets == {"password": PASSWORD} and PASSWORD not in sender.sealed_secrets
    assert sender.inbox_cursor.get("since")
    for page in (change_url(sender), reverse("admin:partnerships_sender_changelist")):
        html = client.get(page).content.decode()
        assert PASSWORD not in html and sender.sealed_secrets not in html and "sealed_secrets" not in html
    assert "Secret stored" in client.get(change_url(sender)).content.decode()


def test_a_password_left_empty_keeps_the_stored_one_and_a_new_one_replaces_it(org_a, manager_a):
    sender = mailbox(org_a)
    client = signed_in(manager_a)
    form = {key: value for key, value in mailbox_form(org_a, password="").items() if key not in {"organization",
                                                                                              "channel"}}  # fmt: skip
    assert client.post(change_url(sender), {**form, "daily_cap": "12"}).status_code == 302
    sender.refresh_from_db()
    assert sender.daily_cap == 12 and sender.secrets == {"password": PASSWORD}
    assert client.post(change_url(sender), {**form, "password": "a-new-one"}).status_code == 302
    sender.refresh_from_db()
    assert sender.secrets == {"password": "a-new-one"}


def test_the_services_refusals_are_shown_beside_the_field_and_nothing_is_saved(org_a, manager_a):
    client = signed_in(manager_a)
    no_password = client.post(SENDER_ADD, mailbox_form(org_a, password=""))
    assert no_password.status_code == 200 and "Enter the mailbox&#x27;s password" in no_password.content.decode()
    bad_host = client.post(SENDER_ADD, mailbox_form(org_a, smtp_host="smtp.example.com:25"))
    assert "Enter the SMTP server&#x27;s host name" in bad_host.content.decode()
    too_many = client.post(SENDER_ADD, mailbox_form(org_a, daily_cap="5000"))
    assert "from 1 to 500" in too_many.content.decode()
    assert not Sender.objects.exists()
    # A refused form is shown again without the password typed into it.
    assert PASSWORD not in bad_host.content.decode()


def test_another_organizations_senders_templates_messages_and_marks_are_invisible(
    org_a, org_b, manager_a, partnership_b, creator
):
    theirs = mailbox(org_b, address="sam@ridgeline.example")
    template = template_save(organization=org_b, name="Theirs", subject="Hi", body="Hello")
    message = Message.objects.create(
        organization=org_b, partnership=partnership_b, creator=creator, sender=theirs, direction=Direction.IN,
        channel="email", status=MessageStatus.RECEIVED, subject="Their reply", body="Private words",
    )  # fmt: skip
    mark = DoNotContact.objects.create(organization=org_b, creator=creator, source=ConsentSource.REPLY, note="no")
    client = signed_in(manager_a)
    for obj in (theirs, template, message, mark):
        listed = client.get(reverse(f"admin:partnerships_{obj._meta.model_name}_changelist")).content.decode()
        assert str(obj) not in listed or obj is mark  # (a mark is named after the creator, who is shared)
        assert f"/{obj.pk}/change/" not in listed
        assert client.get(change_url(obj)).status_code in (302, 404)
    # Nor can a sender be connected in their name.
    answer = client.post(SENDER_ADD, mailbox_form(org_b))
    assert answer.status_code == 200 and Sender.objects.filter(organization=org_b).count() == 1


def test_a_template_with_an_unknown_merge_field_is_refused_with_its_message(org_a, manager_a):
    client = signed_in(manager_a)
    form = {"organization": org_a.pk, "name": "First hello", "subject": "Hi {{ first_name }}",
            "body": "Hello {{ shoe_size }}", "follow_up_body": ""}  # fmt: skip
    refused = client.post(TEMPLATE_ADD, form)
    assert refused.status_code == 200
    assert "Unknown field {{ shoe_size }}: the fields are {{ first_name }}" in refused.content.decode()
    assert not MessageTemplate.objects.exists()
    assert client.post(TEMPLATE_ADD, {**form, "body": "  Hello {{ first_name }}  "}).status_code == 302
    template = MessageTemplate.objects.get()
    assert template.body == "Hello {{ first_name }}" and template.created_by == manager_a  # template_save's work
    twin = client.post(TEMPLATE_ADD, {**form, "name": "first HELLO", "body": "Other"})
    assert "exists already" in twin.content.decode() and MessageTemplate.objects.count() == 1
    changed = client.post(change_url(template), {**form, "body": "Hey {{ brand }}"})
    assert changed.status_code == 302
    template.refresh_from_db()
    assert template.body == "Hey {{ brand }}"


def test_a_viewer_looks_but_changes_nothing(org_a, viewer_a):
    sender = mailbox(org_a)
    client = signed_in(viewer_a)
    assert client.get(change_url(sender)).status_code == 200
    assert client.post(change_url(sender), mailbox_form(org_a, daily_cap="3")).status_code == 403
    assert client.get(SENDER_ADD).status_code == 403
    sender.refresh_from_db()
    assert sender.daily_cap == 40


def test_messages_are_read_only_and_their_text_is_shown_as_text(org_a, manager_a, partnership_a, creator):
    sender = mailbox(org_a)
    message = Message.objects.create(
        organization=org_a, partnership=partnership_a, creator=creator, sender=sender, direction=Direction.IN,
        channel="email", status=MessageStatus.RECEIVED, subject="Re: hello", body="<script>alert('hi')</script>",
        occurred_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    client = signed_in(manager_a)
    page = client.get(change_url(message)).content.decode()
    assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert client.get(reverse("admin:partnerships_message_add")).status_code == 403
    assert client.post(reverse("admin:partnerships_message_delete", args=[message.pk]), {"post": "yes"}).status_code \
        == 403  # fmt: skip
    listed = client.get(reverse("admin:partnerships_message_changelist"), {"direction__exact": "in"})
    assert "Re: hello" in listed.content.decode()
    assert Message.objects.filter(pk=message.pk).exists()


def test_a_do_not_contact_mark_is_added_through_the_service_and_not_deleted_here(
    org_a, manager_a, partnership_a, creator
):
    client = signed_in(manager_a)
    missing_reason = client.post(MARK_ADD, {"organization": org_a.pk, "creator": creator.pk, "note": " "})
    assert missing_reason.status_code == 200 and "Say why" in missing_reason.content.decode()
    assert not DoNotContact.objects.exists()
    added = client.post(MARK_ADD, {"organization": org_a.pk, "creator": creator.pk, "note": "Asked on the phone"})
    assert added.status_code == 302
    mark = DoNotContact.objects.get()
    assert (mark.source, mark.created_by, mark.note) == (ConsentSource.MANAGER, manager_a, "Asked on the phone")
    # do_not_contact_mark's work: the partnership's timeline says so.
    assert partnership_a.activities.filter(summary="Do not contact: marked by a manager").exists()
    assert client.post(reverse("admin:partnerships_donotcontact_delete", args=[mark.pk]), {"post": "yes"}) \
        .status_code == 403  # fmt: skip
    assert DoNotContact.objects.exists()

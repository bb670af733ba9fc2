"""Outreach settings pages: senders (connect, change, test, switch) and templates, for each role.

The transports (SMTP/IMAP, Reddit) are replaced by a small fake with the same contract
(partnerships/outreach/transports/__init__.py): these pages only ask it to check a login.
"""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from crm.models import OrganizationMember, Role
from partnerships.models.outreach import Channel, Message, MessageTemplate, Sender
from partnerships.outreach import senders as senders_module
from partnerships.outreach import services as services_module
from partnerships.outreach.senders import sender_connect, template_save
from partnerships.outreach.transports import SendRefused

SECRET = "hunter2-app-password-Zq9"
REDDIT_SECRET = "reddit-secret-Kx81"
REFRESH = "refresh-token-Jw55"
SETTINGS = reverse("outreach-settings")
LOGIN = "/admin/login/"


@pytest.fixture
def transport(monkeypatch):
    """The fake transport: ``check`` refuses with ``problem`` when one is set; calls are counted."""
    fake = SimpleNamespace(problem="", checks=[])

    def check(account):
        fake.checks.append(account)
        if fake.problem:
            raise SendRefused(fake.problem, permanent=True)

    fake.check = check
    monkeypatch.setattr(senders_module, "transport_for", lambda channel: fake)
    monkeypatch.setattr(services_module, "transport_for", lambda channel: fake)
    return fake


@pytest.fixture
def mailbox(org_a):
    return sender_connect(
        organization=org_a, channel=Channel.EMAIL, secrets={"password": SECRET}, address="maya@inkwell.example",
        display_name="Maya at Inkwell", smtp_host="smtp.example.com", imap_host="imap.example.com", daily_cap=25,
    )  # fmt: skip


@pytest.fixture
def template_a(org_a):
    return template_save(
        organization=org_a, name="First note", subject="Your thread {{ their_thread }}", body="Hi {{ first_name }},"
    )


MAILBOX_FORM = {
    "address": "Maya@Inkwell.example", "display_name": "Maya", "username": "", "password": SECRET,
    "smtp_host": "smtp.gmail.com", "smtp_port": "", "smtp_security": "ssl", "imap_host": "imap.gmail.com",
    "imap_port": "", "imap_security": "ssl", "sent_folder": "", "daily_cap": "30", "signature": "Maya\nInkwell",
}  # fmt: skip


def _html(response) -> str:
    return response.content.decode()


# --- the settings page ---------------------------------------------------------------------------
def test_the_settings_page_lists_each_sender_with_its_cap_checks_and_inbox(client, manager_a, mailbox):
    Sender.objects.filter(pk=mailbox.pk).update(check_problem="The server refused the login.")
    client.force_login(manager_a)
    page = client.get(SETTINGS)
    html = _html(page)
    assert page.status_code == 200
    assert "Maya at Inkwell &lt;maya@inkwell.example&gt;" in html
    assert "sent today 0 of 25" in html
    assert "not tested yet" in html  # checked_at empty: the problem of a test never run is not claimed
    assert "Inbox: not read yet" in html
    assert "Connect a mailbox" in html and "Connect a Reddit account" in html
    assert "Test connection" in html and "Switch off" in html
    assert SECRET not in html
    assert 'href="/outreach/"' in html and 'aria-current="page">Outreach' in html  # the nav link


def test_a_viewer_sees_the_senders_and_templates_but_no_form(client, viewer_a, mailbox, template_a):
    client.force_login(viewer_a)
    html = _html(client.get(SETTINGS))
    assert "maya@inkwell.example" in html and "First note" in html
    assert "<form" not in html.split("<main", 1)[1]  # the log-out form is in the header
    assert "Connect a mailbox" not in html and "New template" not in html
    sender_page = client.get(reverse("outreach-sender", args=[mailbox.pk]))
    assert sender_page.status_code == 200 and "smtp.example.com" in _html(sender_page)
    assert "<form" not in _html(sender_page).split("<main", 1)[1] and SECRET not in _html(sender_page)
    template_page = client.get(reverse("outreach-template", args=[template_a.pk]))
    assert template_page.status_code == 200 and "Hi {{ first_name }}," in _html(template_page)
    assert "<form" not in _html(template_page).split("<main", 1)[1]


@pytest.mark.parametrize(
    "name, data",
    [
        ("outreach-mailbox-new", MAILBOX_FORM),
        ("outreach-reddit-new", {"address": "inkwell_pens", "client_id": "abc", "client_secret": "s", "password": "p"}),
        ("outreach-template-new", {"name": "N", "subject": "S", "body": "B"}),
    ],
)
def test_a_viewer_is_refused_every_new_form_and_its_post(client, viewer_a, name, data):
    client.force_login(viewer_a)
    assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse(name), data).status_code == 403
    assert not Sender.objects.exists() and not MessageTemplate.objects.exists()


def test_a_viewer_cannot_change_test_switch_or_delete(client, viewer_a, mailbox, template_a, transport):
    client.force_login(viewer_a)
    posts = [
        (reverse("outreach-sender", args=[mailbox.pk]), {**MAILBOX_FORM, "daily_cap": "1"}),
        (reverse("outreach-sender-test", args=[mailbox.pk]), {}),
        (reverse("outreach-sender-switch", args=[mailbox.pk]), {}),
        (reverse("outreach-template", args=[template_a.pk]), {"name": "X", "subject": "Y", "body": "Z"}),
        (reverse("outreach-template-delete", args=[template_a.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("outreach-template-delete", args=[template_a.pk])).status_code == 403
    mailbox.refresh_from_db()
    template_a.refresh_from_db()
    assert mailbox.daily_cap == 25 and mailbox.is_active and mailbox.checked_at is None
    assert template_a.name == "First note" and transport.checks == []


def test_another_organizations_sender_and_template_do_not_exist(client, manager_b, mailbox, template_a, transport):
    client.force_login(manager_b)
    urls = [
        reverse("outreach-sender", args=[mailbox.pk]),
        reverse("outreach-template", args=[template_a.pk]),
        reverse("outreach-template-delete", args=[template_a.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in [
        *urls,
        reverse("outreach-sender-test", args=[mailbox.pk]),
        reverse("outreach-sender-switch", args=[mailbox.pk]),
    ]:
        assert client.post(url, {"name": "X", "subject": "Y", "body": "Z"}).status_code == 404, url
    html = _html(client.get(SETTINGS))
    assert "maya@inkwell.example" not in html and "First note" not in html
    assert client.get(SETTINGS, {"organization": mailbox.organization_id}).status_code == 404
    # Naming organization A in a form is writing in A: not found.
    named_a = {"organization": mailbox.organization_id, "name": "N", "subject": "S", "body": "B"}
    assert client.post(reverse("outreach-template-new"), named_a).status_code == 404
    assert MessageTemplate.objects.count() == 1 and transport.checks == []


@pytest.mark.parametrize("name", ["outreach-settings", "outreach-mailbox-new", "outreach-template-new"])
def test_anonymous_is_sent_to_log_in(client, name):
    for response in (client.get(reverse(name)), client.post(reverse(name), {})):
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_someone_in_two_organizations_chooses_which(client, make_user, org_a, org_b, mailbox):
    user = make_user("both", org_a, Role.VIEWER)
    OrganizationMember.objects.create(organization=org_b, user=user, role=Role.MANAGER)
    client.force_login(user)
    first = _html(client.get(SETTINGS))  # the one they may change comes first
    assert 'Outreach <span class="muted">Agency B</span>' in first and "Connect a mailbox" in first
    assert f'href="?organization={org_a.pk}"' in first and f'href="?organization={org_b.pk}"' in first
    chosen = _html(client.get(SETTINGS, {"organization": org_a.pk}))
    assert "maya@inkwell.example" in chosen and "Connect a mailbox" not in chosen
    assert client.get(SETTINGS, {"organization": "٣"}).status_code == 404
    assert client.get(SETTINGS, {"organization": "999999"}).status_code == 404
    # Their form for A is refused (they only look at A), for B it is the form.
    assert client.get(reverse("outreach-mailbox-new"), {"organization": org_a.pk}).status_code == 403
    assert client.get(reverse("outreach-mailbox-new"), {"organization": org_b.pk}).status_code == 200


# --- connecting and changing a mailbox -----------------------------------------------------------
def test_connecting_a_mailbox_seals_the_password_tests_it_and_never_shows_it(client, manager_a, org_a, transport):
    client.force_login(manager_a)
    new = client.get(reverse("outreach-mailbox-new"))
    assert "smtp.office365.com 587 STARTTLS" in _html(new) and "imap.fastmail.com 993" in _html(new)
    response = client.post(reverse("outreach-mailbox-new"), {**MAILBOX_FORM, "organization": org_a.pk}, follow=True)
    html = _html(response)
    sender = Sender.objects.get()
    assert (sender.organization, sender.address, sender.smtp_port, sender.imap_port) == (
        org_a, "maya@inkwell.example", 465, 993,
    )  # fmt: skip
    assert sender.secrets == {"password": SECRET} and SECRET not in sender.sealed_secrets
    assert len(transport.checks) == 1 and transport.checks[0].password == SECRET
    assert "connected." in html and SECRET not in html
    edit = _html(client.get(reverse("outreach-sender", args=[sender.pk])))
    assert SECRET not in edit and "stored — enter a new one to replace it" in edit.lower()


def test_a_refused_connection_keeps_what_was_typed_but_never_the_password(client, manager_a, transport):
    client.force_login(manager_a)
    response = client.post(reverse("outreach-mailbox-new"), {**MAILBOX_FORM, "smtp_host": "smtp example com"})
    html = _html(response)
    assert response.status_code == 400
    assert "Enter the SMTP server" in html  # the service's refusal, next to the field
    assert 'value="Maya@Inkwell.example"' in html and "Maya\nInkwell" in html
    assert SECRET not in html
    assert not Sender.objects.exists() and transport.checks == []


def test_a_failed_test_says_the_problem_and_a_good_one_says_connected(client, manager_a, mailbox, transport):
    client.force_login(manager_a)
    transport.problem = "The mail server refused the login: check the app password."
    html = _html(client.post(reverse("outreach-sender-test", args=[mailbox.pk]), follow=True))
    assert "could not connect — The mail server refused the login: check the app password." in html
    assert '<span class="error">The mail server refused the login' in html  # kept on the sender's line
    transport.problem = ""
    html = _html(client.post(reverse("outreach-sender-test", args=[mailbox.pk]), follow=True))
    assert "maya@inkwell.example&gt;: connected." in html and " — connected" in html


def test_changing_a_mailbox_keeps_the_stored_password_when_left_empty(client, manager_a, mailbox):
    client.force_login(manager_a)
    url = reverse("outreach-sender", args=[mailbox.pk])
    response = client.post(url, {**MAILBOX_FORM, "address": "maya@inkwell.example", "password": "", "daily_cap": "12"})
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert mailbox.daily_cap == 12 and mailbox.secrets == {"password": SECRET}
    client.post(url, {**MAILBOX_FORM, "address": "maya@inkwell.example", "password": "new-one-77"})
    mailbox.refresh_from_db()
    assert mailbox.secrets == {"password": "new-one-77"}
    refused = client.post(url, {**MAILBOX_FORM, "password": "typed-again-88", "daily_cap": "9000"})
    assert refused.status_code == 400 and "typed-again-88" not in _html(refused)
    assert "new-one-77" not in _html(client.get(url))


def test_switching_a_sender_off_and_on(client, manager_a, mailbox):
    client.force_login(manager_a)
    url = reverse("outreach-sender-switch", args=[mailbox.pk])
    html = _html(client.post(url, follow=True))
    mailbox.refresh_from_db()
    assert not mailbox.is_active and "Switch on" in html and "is switched off" in html
    client.post(url)
    mailbox.refresh_from_db()
    assert mailbox.is_active


def test_sent_today_counts_what_this_sender_sent_today(client, manager_a, mailbox, org_a):
    for status in ("sent", "sent", "queued"):
        Message.objects.create(organization=org_a, sender=mailbox, direction="out", channel="email", status=status)
    client.force_login(manager_a)
    assert "sent today 2 of 25" in _html(client.get(SETTINGS))


def test_connecting_a_reddit_account_needs_a_password_or_token_and_shows_neither(client, manager_a, transport):
    client.force_login(manager_a)
    url = reverse("outreach-reddit-new")
    data = {"address": "u/inkwell_pens", "client_id": "app-id", "client_secret": REDDIT_SECRET, "daily_cap": "20"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "password (script app) or a refresh token" in _html(refused)
    assert REDDIT_SECRET not in _html(refused)
    html = _html(client.post(url, {**data, "refresh_token": REFRESH}, follow=True))
    sender = Sender.objects.get()
    assert sender.address == "inkwell_pens" and sender.secrets == {
        "client_secret": REDDIT_SECRET,
        "refresh_token": REFRESH,
    }
    assert "u/inkwell_pens (Reddit)" in html and REDDIT_SECRET not in html and REFRESH not in html
    edit = _html(client.get(reverse("outreach-sender", args=[sender.pk])))
    assert REDDIT_SECRET not in edit and REFRESH not in edit and "app-id" in edit


# --- templates ------------------------------------------------------------------------------------
def test_a_template_lists_the_merge_fields_and_refuses_an_unknown_one_naming_it(client, manager_a, org_a):
    client.force_login(manager_a)
    url = reverse("outreach-template-new")
    page = _html(client.get(url))
    assert "{{ their_thread }}" in page and "The title of their thread you read" in page
    typed = {"name": "Hello", "subject": "Hi {{ first_name }}", "body": "About {{ nickname }}\nthanks"}
    refused = client.post(url, {**typed, "organization": org_a.pk})
    assert refused.status_code == 400
    assert "Unknown field {{ nickname }}" in _html(refused) and "About {{ nickname }}\nthanks" in _html(refused)
    assert not MessageTemplate.objects.exists()
    client.post(url, {**typed, "body": "About {{ their_thread }}"})
    assert MessageTemplate.objects.get().body == "About {{ their_thread }}"


def test_changing_and_deleting_a_template(client, manager_a, template_a):
    client.force_login(manager_a)
    url = reverse("outreach-template", args=[template_a.pk])
    assert 'value="First note"' in _html(client.get(url))
    client.post(url, {"name": "First note", "subject": "New subject", "body": "B", "follow_up_body": "Again?"})
    template_a.refresh_from_db()
    assert (template_a.subject, template_a.follow_up_body) == ("New subject", "Again?")
    delete = reverse("outreach-template-delete", args=[template_a.pk])
    assert "Delete the template “First note”?" in _html(client.get(delete))
    assert client.post(delete).status_code == 302
    assert not MessageTemplate.objects.exists()


def test_a_duplicate_template_name_is_refused_next_to_the_name(client, manager_a, template_a):
    client.force_login(manager_a)
    refused = client.post(reverse("outreach-template-new"), {"name": "first NOTE", "subject": "S", "body": "B"})
    assert refused.status_code == 400 and "A template called first NOTE exists already." in _html(refused)

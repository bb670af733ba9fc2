"""The demo data set: realistic enough to explore, and safe to load twice."""

import pytest
from django.apps import apps
from django.test import RequestFactory
from django.urls import reverse

from demo.loader import load_demo
from influencers.models import Identity, Interaction, Membership
from partnerships.models import Agreement, Partnership, Stage


def all_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_loading_twice_duplicates_nothing(db):
    load_demo()
    first = all_counts()
    load_demo()
    assert all_counts() == first


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_load_leaves_the_database_as_it_was(monkeypatch):
    """Interrupted at its last step (the insight, after communities, rankings, the CRM and brand
    measures are written), the load takes everything back: one transaction, on a real commit
    (transaction=True: not inside a test's own transaction, which would hide a step that commits
    on its own or on another connection)."""
    from demo import loader

    before = all_counts()
    started = []

    def interrupted(community, **kwargs):
        started.append(community.pk)
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "refresh_insight", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_demo()
    assert started  # it got that far
    assert all_counts() == before
    assert before["influencers.Interaction"] == 0


def test_demo_has_partnerships_in_every_stage_with_their_records(db):
    load_demo()
    assert set(Partnership.objects.values_list("stage", flat=True)) == set(Stage.values)
    for partnership in Partnership.objects.filter(stage__in=[Stage.ACTIVE, Stage.RENEWAL]):
        assert partnership.agreements.exists()
        assert partnership.deliverables.exists()
        assert partnership.referral_links.exists()
    renewal = Partnership.objects.filter(stage=Stage.RENEWAL).first()
    assert Agreement.objects.filter(partnership=renewal, renewal_of__isnull=False).exists()
    declined = Partnership.objects.filter(stage=Stage.DECLINED)
    assert declined.exists() and all(p.close_reason for p in declined)
    assert Partnership.objects.filter(tasks__completed_at__isnull=True).exists()


def test_demo_communities_have_regulars_who_answer_each_other_and_promoters_nobody_answers(db):
    load_demo()
    assert 2_000 <= Interaction.objects.count() <= 20_000
    assert set(Interaction.objects.values_list("community__platform", flat=True)) == {
        "reddit",
        "discord",
        "slack",
        "discourse",
    }
    regular = Identity.objects.get(platform="reddit", handle="nibmeister")
    promoter = Identity.objects.get(platform="reddit", handle="pen_deals_4u")
    repliers = lambda who: Interaction.objects.filter(target=who, kind="comment").values("author").distinct().count()  # noqa: E731
    assert repliers(regular) >= 10
    assert repliers(promoter) == 0
    weeks_active = {i.posted_at.isocalendar()[:2] for i in Interaction.objects.filter(author=regular)}
    assert len(weeks_active) >= 15
    assert Identity.objects.filter(is_bot=True).exists() and Identity.objects.filter(is_deleted=True).exists()
    assert Membership.objects.filter(identity=regular, reply_count__gt=0).exists()


def test_demo_login_is_a_manager_who_sees_only_demo_brand(client, db):
    load_demo()
    sign_in = RequestFactory().post("/admin/login/")  # django-axes counts sign-ins per request
    assert client.login(request=sign_in, username="demo", password="demo")
    assert client.get(reverse("admin:index")).status_code == 200
    listed = client.get(reverse("admin:partnerships_partnership_changelist")).context["cl"].result_list
    assert {p.brand.organization.slug for p in listed} == {"demo-brand"}
    # Nobody else in the demo can log in with a password.
    assert not client.login(request=sign_in, username="alex.owner", password="demo")


def test_demo_shows_a_same_handle_suggestion_to_confirm(db):
    from influencers.selectors import identity_same_handle_suggestions

    load_demo()
    groups = identity_same_handle_suggestions()
    assert [sorted(i.platform for i in group) for group in groups if group[0].handle.lower() == "sheen_queen"] == [
        ["discord", "reddit"]
    ]


def test_demo_communities_are_ranked_with_a_trajectory_and_the_regular_beats_the_promoter(db):
    from influencers.models import MemberScore, RankingRun

    load_demo()
    runs = RankingRun.objects.filter(community__external_id="fountainpens", status="completed")
    assert runs.count() == 3  # four weeks apart: a trajectory to show
    latest = runs.order_by("-window_end").first()
    regular = MemberScore.objects.get(run=latest, membership__identity__handle="nibmeister")
    promoter = MemberScore.objects.filter(run=latest, membership__identity__handle="pen_deals_4u").first()
    assert regular.rank <= 5
    assert promoter is None or promoter.rank > regular.rank * 3
    assert not MemberScore.objects.filter(membership__identity__is_bot=True).exists()
    assert Membership.objects.get(identity=regular.membership.identity, community=latest.community).latest_score


def test_demo_outreach_has_a_template_dana_s_mailbox_and_a_history(db):
    """A template per organization written from what the brand observed, Dana's mailbox on the demo
    mail server (its password sealed), the creators' addresses, a first note waiting for its
    follow-up and a reply that stopped one — on the timeline, as the services write them."""
    from datetime import timedelta

    from django.utils import timezone

    from partnerships.models import Activity
    from partnerships.models.outreach import ContactAddress, Message, MessageTemplate, Sender, SequenceStatus
    from partnerships.outreach import merge, selectors

    load_demo()
    templates = MessageTemplate.objects.filter(name="A first note, after observing")
    assert {t.organization.slug for t in templates} == {"demo-brand", "demo-agency"}
    for template in templates:
        used = set(merge.fields_used(template.subject + template.body + template.follow_up_body))
        assert {"first_name", "their_thread", "community", "observation", "manager_name", "brand"} <= used
        assert "creative control" in template.body

    [dana] = Sender.objects.all()
    assert (dana.organization.slug, dana.address, dana.username) == ("demo-brand", "dana@inkwell-nib.example", "dana")
    assert (dana.smtp_host, dana.smtp_port, dana.imap_port, dana.smtp_security) == ("127.0.0.1", 1025, 1143, "none")
    assert dana.secrets == {"password": "demo-mailbox"} and "demo-mailbox" not in dana.sealed_secrets

    addresses = ContactAddress.objects.values_list("email", flat=True)
    assert "paper-trail-pat@example.com" in addresses
    assert all(address.endswith("@example.com") for address in addresses)
    assert not ContactAddress.objects.exclude(
        creator__partnerships__stage__in=[Stage.OUTREACH, Stage.NEGOTIATING]
    ).exists()

    waiting = Partnership.objects.get(creator__identities__handle="paper_trail_pat")
    [note] = Message.objects.filter(partnership=waiting)
    assert (note.direction, note.status, note.to_address) == ("out", "sent", "paper-trail-pat@example.com")
    assert note.body.startswith("Hi Pat,") and "{{" not in note.subject + note.body
    assert note.occurred_at < timezone.now() - timedelta(days=2)
    sequence = note.sequence
    assert sequence.status == SequenceStatus.ACTIVE
    assert timezone.now() < sequence.next_follow_up_at < timezone.now() + timedelta(days=2)
    assert note.activity.summary == f"Email to paper-trail-pat@example.com: {note.subject}"
    assert selectors.outreach_lines([waiting])[waiting.pk].startswith("waiting for reply · follow-up")

    negotiating = Partnership.objects.get(creator__identities__handle="ef_enthusiast")
    sent, reply = negotiating.messages.order_by("occurred_at")
    assert reply.direction == "in" and reply.in_reply_to == sent.message_id and reply.occurred_at > sent.occurred_at
    assert sent.sequence.status == SequenceStatus.REPLIED
    assert Activity.objects.filter(partnership=negotiating, summary__startswith="Reply from ef-enthusiast@").exists()
    assert selectors.outreach_lines([negotiating])[negotiating.pk] == "replied"

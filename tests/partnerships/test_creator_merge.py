"""Two creators found to be one person: influencers merges them and says so (creators_merged);
partnerships moves what it holds about the merged one, inside the same transaction."""

import pytest

from influencers import services
from influencers.models import Creator, ErasureRequest, ErasureStatus
from influencers.signals import creators_merged
from partnerships.models import Activity, CreatorNote, Partnership, Stage, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_accounts(make_identity):
    kept = Creator.objects.create(display_name="Ivy")
    merged = Creator.objects.create(display_name="Inky")
    return make_identity("inkyfingers", creator=kept), make_identity("InkyFingers", platform="discord", creator=merged)


def test_the_merged_creators_partnerships_timeline_tasks_notes_and_erasure_requests_move(
    two_accounts, brand_a, brand_b, org_a, manager_a
):
    reddit, discord = two_accounts
    kept, merged = reddit.creator, discord.creator
    partnership = Partnership.objects.create(brand=brand_b, creator=merged, stage=Stage.OBSERVING)
    Activity.objects.create(organization=org_a, creator=merged, summary="Met at a meetup")
    Task.objects.create(organization=org_a, creator=merged, title="Ask about the ink review")
    CreatorNote.objects.create(organization=org_a, creator=merged, note="Writes long reviews")
    request = ErasureRequest.objects.create(creator=merged, organization=org_a, requested_by=manager_a)

    assert services.creator_link_identities(identities=[reddit, discord]) == kept
    assert not Creator.objects.filter(pk=merged.pk).exists()
    partnership.refresh_from_db()
    request.refresh_from_db()
    assert partnership.creator == kept and request.creator == kept and request.status == ErasureStatus.REQUESTED
    assert Activity.objects.get(summary="Met at a meetup").creator == kept
    assert Task.objects.get(title="Ask about the ink review").creator == kept
    assert CreatorNote.objects.get(organization=org_a).creator == kept


def test_a_brand_working_with_both_keeps_both_partnerships_and_the_merged_creator(two_accounts, brand_a):
    reddit, discord = two_accounts
    kept, merged = reddit.creator, discord.creator
    Partnership.objects.create(brand=brand_a, creator=kept, stage=Stage.DISCOVERED)
    second = Partnership.objects.create(brand=brand_a, creator=merged, stage=Stage.OBSERVING)
    services.creator_link_identities(identities=[reddit, discord])
    second.refresh_from_db()
    assert second.creator == merged  # a manager's call to merge two pipelines' histories
    assert Creator.objects.filter(pk=merged.pk).exists() and not merged.identities.exists()


def test_a_listener_that_fails_takes_the_whole_merge_back(two_accounts, org_a):
    reddit, discord = two_accounts
    merged = discord.creator
    Activity.objects.create(organization=org_a, creator=merged, summary="Met at a meetup")

    def fails(sender, **kwargs):
        raise RuntimeError("a listener failed")

    creators_merged.connect(fails, dispatch_uid="test-fails")
    try:
        with pytest.raises(RuntimeError):
            services.creator_link_identities(identities=[reddit, discord])
    finally:
        creators_merged.disconnect(dispatch_uid="test-fails")
    discord.refresh_from_db()
    assert discord.creator == merged and Creator.objects.filter(pk=merged.pk).exists()
    assert Activity.objects.get().creator == merged


def test_the_signal_is_sent_before_the_merged_creator_is_deleted(two_accounts):
    reddit, discord = two_accounts
    seen = []

    def record(sender, kept, merged, **kwargs):
        seen.append((kept.pk, merged.pk, Creator.objects.filter(pk=merged.pk).exists()))

    creators_merged.connect(record, dispatch_uid="test-record")
    try:
        services.creator_link_identities(identities=[reddit, discord])
    finally:
        creators_merged.disconnect(dispatch_uid="test-record")
    assert seen == [(reddit.creator_id, discord.creator_id, True)]

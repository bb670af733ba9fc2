"""What partnerships does when the apps below it say something happened (connected in apps.py)."""

from __future__ import annotations

from influencers.models import Creator
from partnerships.creator_notes import creator_notes_merge
from partnerships.models import Activity, Partnership, Stage, Task
from partnerships.models.outreach import ContactAddress, DoNotContact, Message
from partnerships.outreach.services import partnership_left_outreach


def move_to_the_kept_creator(sender, *, kept: Creator, merged: Creator, **kwargs) -> None:
    """Receiver of influencers.signals.creators_merged (inside the merge's transaction): the merged
    creator's partnerships, timeline, tasks and notes move to the kept one. A brand that already
    works with the kept creator keeps both partnerships (linked by name): merging two pipelines'
    histories is a manager's call, so the merged creator stays for that one."""
    for partnership in Partnership.objects.filter(creator=merged):
        if Partnership.objects.filter(brand=partnership.brand, creator=kept).exists():
            continue
        partnership.creator = kept
        partnership.save(update_fields=["creator"])
    Activity.objects.filter(creator=merged).update(creator=kept)
    Task.objects.filter(creator=merged).update(creator=kept)
    Message.objects.filter(creator=merged).update(creator=kept)
    # An organization's address for, and do-not-contact mark on, the merged person hold for the
    # kept one too (a mark is never lost in a merge); where both exist, the kept one's stays.
    for model in (ContactAddress, DoNotContact):
        for record in model.objects.filter(creator=merged):
            if not model.objects.filter(organization_id=record.organization_id, creator=kept).exists():
                model.objects.filter(pk=record.pk).update(creator=kept)
    creator_notes_merge(source=merged, into=kept)


def stop_follow_ups_when_leaving_outreach(sender, *, partnership, activity, **kwargs) -> None:
    """Receiver of partnership_stage_changed (after commit): follow-ups run only in Outreach."""
    if activity.from_stage == Stage.OUTREACH and activity.to_stage != Stage.OUTREACH:
        partnership_left_outreach(partnership=partnership, to_stage=activity.to_stage)

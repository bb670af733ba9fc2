"""What partnerships does when the apps below it say something happened (connected in apps.py)."""

from __future__ import annotations

from influencers.models import Creator
from partnerships.creator_notes import creator_notes_merge
from partnerships.models import Activity, Partnership, Task


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
    creator_notes_merge(source=merged, into=kept)

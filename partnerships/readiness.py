"""Observe first: a brand's observation log for a community and the checklist a manager ticks
before the brand's stance there moves from observing to contributing.

The gate is here and only here (``community_stance_set`` asks ``refusal``): the pages, the admin
and the API all move stances through that service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from influencers.models import Community
from partnerships.guards import require_editor
from partnerships.models import Brand, ObservationNote, ReadinessCheck, ReadinessItem, Stance

OBSERVE_DAYS = 28  # four weeks: long enough to see a community's weekly rhythm more than once
MIN_NOTES = 3  # an observation log, not a single line written on the day of the move

# Why each item matters, and where the insight page helps (its section's anchor).
WHY = {
    ReadinessItem.RULES: ("Most removals in niche communities are rule breaches a newcomer could have read.", "norms"),
    ReadinessItem.VOCABULARY: ("Members hear a campaign voice at once; their own words, used rightly, are the "
                               "first sign a brand has listened.", "language"),
    ReadinessItem.FORMATS: ("A post shaped like the community's (length, questions, images) at the hours members "
                            "are around gets answered; anything else gets ignored.", "formats"),
    ReadinessItem.QUESTIONS: ("The first contribution should answer what members actually ask, not announce.",
                              "questions"),
    ReadinessItem.NORMS: ("Links and self-promotion are what communities remove or ignore most.", "norms"),
    ReadinessItem.DISCLOSURE: ("Undisclosed brand accounts are found out, and then the brand is unwelcome.", None),
    ReadinessItem.MODERATORS: ("Moderators decide whether a brand may take part at all.", None),
}  # fmt: skip
SPEAKING = {Stance.CONTRIBUTING, Stance.PARTNERED}


@dataclass
class Readiness:
    brand: Brand
    community: Community
    items: list[dict]
    notes: list[ObservationNote]
    observed_since: date | None
    observed_days: int
    missing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.missing

    @property
    def ticked(self) -> int:
        return sum(1 for item in self.items if item["checked"])


def readiness(*, brand: Brand, community: Community, today: date | None = None) -> Readiness:
    """Where a brand stands in its preparation for a community: the checklist, the log, and what
    is still missing before it may speak."""
    return readiness_of_brands(brands=[brand], community=community, today=today)[0]


def readiness_of_brands(*, brands, community: Community, today: date | None = None) -> list[Readiness]:
    """``readiness`` of several brands in one community, in two queries whatever their number."""
    today = today or timezone.localdate()
    brands = list(brands)
    checks: dict[int, dict[str, ReadinessCheck]] = {brand.pk: {} for brand in brands}
    for check in ReadinessCheck.objects.filter(brand__in=brands, community=community).select_related("checked_by"):
        checks[check.brand_id][check.item] = check
    notes: dict[int, list[ObservationNote]] = {brand.pk: [] for brand in brands}
    for note in ObservationNote.objects.filter(brand__in=brands, community=community).select_related("written_by"):
        notes[note.brand_id].append(note)
    return [_readiness(brand, community, checks[brand.pk], notes[brand.pk], today) for brand in brands]


def _readiness(brand, community, checks: dict, notes: list, today: date) -> Readiness:
    items = []
    for item in ReadinessItem:
        check = checks.get(item.value)
        why, section = WHY[item]
        items.append({
            "item": item.value, "label": item.label, "why": why, "insight_section": section,
            "checked": check is not None,
            "checked_by": (check.checked_by.get_full_name() or check.checked_by.get_username())
            if check and check.checked_by
            else None,
            "checked_at": check.checked_at if check else None,
        })  # fmt: skip
    observed_since = min((note.observed_on for note in notes), default=None)
    # Counted from when the log was started here, not from the dates notes claim (a note may be
    # dated from memory, but three notes dated last year do not make a month of observing).
    log_started = min((timezone.localdate(note.created_at) for note in notes), default=None)
    observed_days = (today - log_started).days if log_started else 0
    missing = [item["label"] for item in items if not item["checked"]]
    if observed_days < OBSERVE_DAYS:
        started = f"was started {_ago(observed_days)}" if log_started else "has no note yet"
        missing.append(f"Observe for at least {OBSERVE_DAYS} days (the log {started})")
    if len(notes) < MIN_NOTES:
        missing.append(f"Keep an observation log of at least {MIN_NOTES} notes ({len(notes)} so far)")
    return Readiness(brand, community, items, notes, observed_since, observed_days, missing)


def _ago(days: int) -> str:
    return "today" if days == 0 else f"{days} day{'' if days == 1 else 's'} ago"


def refusal(*, brand: Brand, community: Community, current: str, wanted: str) -> str | None:
    """Why the brand may not move from ``current`` to ``wanted`` stance (None: it may). Moving
    from observing to speaking needs the whole checklist; stepping back is always allowed."""
    if wanted not in SPEAKING or current in SPEAKING:
        return None
    state = readiness(brand=brand, community=community)
    if state.ready:
        return None
    return f"{brand} is not ready to speak in {community.name} yet. Still to do: " + "; ".join(state.missing) + "."


@transaction.atomic
def observation_note_add(
    *, brand: Brand, community: Community, text: str, observed_on: date | None = None, actor=None
) -> ObservationNote:
    """Log what the brand saw. Raises ValidationError for an empty note or a date in the future,
    PermissionDenied for an actor who may not change the brand."""
    require_editor(actor, brand)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write what you observed."})
    observed_on = observed_on or timezone.localdate()
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": "An observation cannot be dated in the future."})
    return ObservationNote.objects.create(
        brand=brand, community=community, text=text[:5000], observed_on=observed_on, written_by=actor
    )


@transaction.atomic
def readiness_checklist_set(*, brand: Brand, community: Community, checked: Mapping[str, bool], actor) -> Readiness:
    """Tick (True) and untick (False) checklist items of a brand in a community, in one
    transaction; items not named are left as they are. Returns the brand's readiness afterwards.

    Raises ValidationError naming the unknown item(s), before anything is changed. A tick keeps who
    ticked it first; the brand's row is locked so that two saves at once take turns.
    """
    require_editor(actor, brand)
    if unknown := sorted(set(checked) - set(ReadinessItem.values)):
        names = ", ".join(repr(name) for name in unknown)
        raise ValidationError({"item": f"Unknown checklist item{'s' if len(unknown) > 1 else ''} {names}."})
    Brand.objects.select_for_update().filter(pk=brand.pk).first()
    rows = ReadinessCheck.objects.filter(brand=brand, community=community)
    already = set(rows.values_list("item", flat=True))
    ReadinessCheck.objects.bulk_create(
        ReadinessCheck(brand=brand, community=community, item=item, checked_by=actor)
        for item, tick in checked.items()
        if tick and item not in already
    )
    rows.filter(item__in=[item for item, tick in checked.items() if not tick]).delete()
    return readiness(brand=brand, community=community)


def readiness_item_set(*, brand: Brand, community: Community, item: str, checked: bool, actor=None) -> None:
    """Tick or untick one checklist item. Raises ValidationError for an unknown item."""
    readiness_checklist_set(brand=brand, community=community, checked={item: checked}, actor=actor)

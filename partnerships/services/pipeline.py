"""Writes to the pipeline: a creator enters a brand's pipeline, moves from stage to stage, changes
owner; and a brand's stance in a community, which "observe first" ties to the pipeline."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from influencers.models import Community, Creator, Identity
from influencers.services import creator_link_identities
from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import (
    END_STAGES,
    OBSERVED_STAGES,
    Activity,
    ActivityKind,
    Brand,
    CommunityStance,
    Partnership,
    Stage,
    Stance,
)  # fmt: skip
from partnerships.models.pipeline import STAGES_AFTER_OBSERVING
from partnerships.readiness import refusal
from partnerships.services._shared import (
    AlreadyExists,
    locked,
    require_organization_member,
    tell_after_commit,
    timeline_note,
)  # fmt: skip


def partnership_was_observed(*, partnership: Partnership) -> bool:
    """Has the brand watched this creator's community life (been in Observing) before taking part?"""
    if partnership.stage in OBSERVED_STAGES:
        return True
    if partnership.pk is None:
        return False
    return partnership.activities.filter(kind=ActivityKind.STAGE_CHANGE, to_stage__in=OBSERVED_STAGES).exists()


def partnership_move_refusal(*, partnership: Partnership, to_stage: str, reason: str = "") -> str | None:
    """Why moving ``partnership`` to ``to_stage`` is not allowed, or None if it is.

    The one place the stage rules live: the board, the move page, the API and the admin all ask
    here. Observe first (when the organization asks for it, the default): Engaging and every stage
    after it wait until the partnership has been in Observing — the brand reads the creator's
    community life before it speaks there, so Discovered → Engaging is refused. Costs one query
    when the rule applies (the timeline is read for an earlier Observing)."""
    if to_stage not in Stage.values:
        return f"Unknown stage {to_stage!r}."
    if to_stage == Stage.DECLINED and not (reason or partnership.close_reason).strip():
        return "Say why the partnership was declined."
    organization = partnership.brand.organization
    if (
        to_stage in STAGES_AFTER_OBSERVING
        and organization.require_observation_before_outreach
        and not partnership_was_observed(partnership=partnership)
    ):
        return (
            f"Observe first: at {organization.name} a partnership spends time in Observing, watching "
            f"how {partnership.creator} takes part in the community, before {Stage(to_stage).label}. "
            "Move it to Observing first."
        )
    return None


@transaction.atomic
def partnership_move(
    *, partnership: Partnership, to_stage: str, actor=None, note: str = "", reason: str = ""
) -> Activity:
    """Move a partnership to another pipeline stage and record it in the timeline.

    Raises ValidationError (with the reason a manager can read) when the move is refused.
    Returns the stage-change activity. Entering Active for the first time sets ``started_on``;
    entering an end state sets ``ended_on`` and keeps ``reason``.

    A move to the stage it is in already changes nothing (no timeline entry, no webhook) and
    returns the entry of the move that put it there: the same move sent twice, or by two people
    at once, is one move.
    """
    require_editor(actor, partnership)
    locked(partnership)
    if to_stage == partnership.stage:
        already = partnership.activities.filter(kind=ActivityKind.STAGE_CHANGE, to_stage=to_stage).order_by("-id")
        if (last := already.first()) is not None:
            return last
    why_not = partnership_move_refusal(partnership=partnership, to_stage=to_stage, reason=reason)
    if why_not:
        raise ValidationError({"stage": why_not})
    now = timezone.now()
    from_stage = partnership.stage
    partnership.stage = to_stage
    partnership.stage_changed_at = now
    if to_stage == Stage.ACTIVE and partnership.started_on is None:
        partnership.started_on = timezone.localdate(now)
    if to_stage in END_STAGES:
        partnership.ended_on = timezone.localdate(now)
        partnership.close_reason = reason or partnership.close_reason
    elif from_stage in END_STAGES:
        partnership.ended_on = None  # picked up again
    partnership._history_user = actor  # the audit names who moved it (nobody, for an API key)
    partnership.save()
    summary = f"Moved from {Stage(from_stage).label} to {Stage(to_stage).label}"
    activity = timeline_note(
        partnership, ActivityKind.STAGE_CHANGE, actor, summary, note or reason,
        occurred_at=now, from_stage=from_stage, to_stage=to_stage,
    )  # fmt: skip
    tell_after_commit(signals.partnership_stage_changed, partnership=partnership, activity=activity)
    return activity


@transaction.atomic
def partnership_create(
    *,
    brand: Brand,
    creator: Creator,
    actor=None,
    owner=None,
    communities: Iterable[Community] = (),
    note: str = "",
    notes: str = "",
) -> Partnership:
    """Add a creator to a brand's pipeline, in Discovered, with a timeline entry saying ``note``;
    ``notes`` are the partnership's standing notes.

    Raises AlreadyExists if the brand already has a partnership with this creator, and
    ValidationError if ``owner`` (someone other than the actor) is not a member of the brand's
    organization.
    """
    require_editor(actor, brand)
    locked(brand)  # creations for one brand take turns: the check below then holds until commit
    if existing := Partnership.objects.filter(brand=brand, creator=creator).first():
        raise AlreadyExists(
            {"creator": f"{creator} is already in {brand}'s pipeline ({existing.get_stage_display()})."}
        )
    now = timezone.now()
    partnership = Partnership(
        brand=brand, creator=creator, owner=owner or actor, stage=Stage.DISCOVERED, stage_changed_at=now, notes=notes
    )
    if owner is not None and owner != actor:
        require_organization_member(partnership.brand.organization, owner, "owner")
    partnership._history_user = actor
    partnership.save()
    partnership.communities.set(communities)
    timeline_note(
        partnership, ActivityKind.STAGE_CHANGE, actor, "Added to the pipeline", note,
        occurred_at=now, to_stage=partnership.stage,
    )  # fmt: skip
    return partnership


@transaction.atomic
def pipeline_add(
    *,
    brand: Brand,
    actor=None,
    identity: Identity | None = None,
    creator: Creator | None = None,
    community: Community | None = None,
) -> Partnership:
    """Add someone found in a community (an account) or a known creator to a brand's pipeline.

    An account without a creator gets one (named after it). Bots and deleted accounts cannot be
    added; someone already in the brand's pipeline is refused with where they are.
    """
    if identity is None and creator is None:
        raise ValidationError({"creator": "Say whom to add."})
    if identity is not None:
        if not identity.can_rank:
            raise ValidationError({"identity": f"{identity.handle} is a bot or a deleted account."})
        creator = identity.creator or creator_link_identities(identities=[identity])
    return partnership_create(
        brand=brand, creator=creator, actor=actor, owner=actor, communities=[community] if community else ()
    )


@transaction.atomic
def partnership_update(*, partnership: Partnership, actor=None, **changes) -> Partnership:
    """Change who owns a partnership, its notes, why it ended or the communities it concerns (not its
    stage: a move goes through ``partnership_move``). The owner must be a member of the brand's
    organization; a declined partnership keeps a reason."""
    require_editor(actor, partnership)
    allowed = {"owner", "notes", "close_reason", "communities"}
    if unknown := set(changes) - allowed:
        raise ValidationError({name: "This cannot be changed here." for name in sorted(unknown)})
    if "owner" in changes:
        require_organization_member(partnership.brand.organization, changes["owner"], "owner")
        partnership.owner = changes["owner"]
    if "notes" in changes:
        partnership.notes = changes["notes"] or ""
    if "close_reason" in changes:
        partnership.close_reason = (changes["close_reason"] or "").strip()
        if partnership.stage == Stage.DECLINED and not partnership.close_reason:
            raise ValidationError({"close_reason": "Say why the partnership was declined."})
    partnership._history_user = actor
    partnership.save()
    if "communities" in changes:
        partnership.communities.set(changes["communities"])
    return partnership


@transaction.atomic
def community_stance_set(
    *, brand: Brand, community: Community, stance: str, notes: str | None = None
) -> CommunityStance:
    """Set how a brand takes part in a community. A new stance starts today; notes (the norms the
    brand has learned) are kept unless new ones are given. Raises ValidationError for an unknown
    stance, or for speaking (contributing, partnered) before the readiness checklist is done."""
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Unknown stance {stance!r}."})
    locked(brand)  # two settings at once take turns: one row, and each sees the other's stance
    record = CommunityStance.objects.filter(brand=brand, community=community).first()
    if why_not := refusal(brand=brand, community=community, current=record.stance if record else "", wanted=stance):
        raise ValidationError({"stance": why_not})
    if record is None:
        record = CommunityStance.objects.create(brand=brand, community=community)
    if record.stance != stance or record.since is None:
        record.stance, record.since = stance, timezone.localdate()
    if notes is not None:
        record.notes = notes
    record.save()
    return record

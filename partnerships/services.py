"""Writes to partnerships: the one place each change happens, whoever asks for it.

The admin, the pages, the API, commands and tasks all call these, so a stage move is validated and
recorded in the timeline the same way everywhere.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from influencers.models import Community, Creator, Identity
from influencers.services import creator_link_identities
from partnerships import signals
from partnerships.models import (
    Activity,
    ActivityKind,
    Agreement,
    AgreementStatus,
    Brand,
    CommunityStance,
    Deliverable,
    DeliverableStatus,
    Partnership,
    Stage,
    Stance,
    Task,
)  # fmt: skip
from partnerships.readiness import refusal

PIPELINE_ORDER = [
    Stage.DISCOVERED,
    Stage.OBSERVING,
    Stage.ENGAGING,
    Stage.OUTREACH,
    Stage.NEGOTIATING,
    Stage.ACTIVE,
    Stage.RENEWAL,
]
END_STAGES = (Stage.ENDED, Stage.DECLINED)
# Talking to a creator about a deal: what "observe first" guards.
STAGES_AFTER_OUTREACH = (Stage.OUTREACH, Stage.NEGOTIATING, Stage.ACTIVE, Stage.RENEWAL)
OBSERVED_STAGES = (Stage.OBSERVING, Stage.ENGAGING)


class AlreadyExists(ValidationError):
    """The record asked for exists already (the API answers 409 Conflict, the pages say where it is)."""


def _locked(instance):
    """Re-read ``instance``'s row under a lock held to the end of the transaction, so that twenty
    identical requests at once take turns and each sees what the one before it did (PostgreSQL;
    SQLite runs one write at a time anyway). The caller's object is refreshed in place."""
    fresh = type(instance).objects.select_for_update().get(pk=instance.pk)
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(fresh, field.attname))
    return instance


def _tell_after_commit(signal, **kwargs) -> None:
    """Tell listeners (webhooks) once the change is committed: never about a change rolled back."""
    transaction.on_commit(lambda: signal.send_robust(sender=Partnership, **kwargs))


def _note(partnership: Partnership, kind: str, actor, summary: str, body: str = "", **extra) -> Activity:
    """An entry in the partnership's timeline (and its creator's)."""
    return Activity.objects.create(
        organization=partnership.brand.organization, partnership=partnership, creator=partnership.creator,
        kind=kind, actor=actor, summary=summary[:300], body=body, **extra,
    )  # fmt: skip


def partnership_was_observed(*, partnership: Partnership) -> bool:
    """Has the brand watched this creator's community life before reaching out?"""
    if partnership.stage in OBSERVED_STAGES:
        return True
    if partnership.pk is None:
        return False
    return partnership.activities.filter(kind=ActivityKind.STAGE_CHANGE, to_stage__in=OBSERVED_STAGES).exists()


def partnership_move_refusal(*, partnership: Partnership, to_stage: str, reason: str = "") -> str | None:
    """Why moving ``partnership`` to ``to_stage`` is not allowed, or None if it is."""
    if to_stage not in Stage.values:
        return f"Unknown stage {to_stage!r}."
    if to_stage == Stage.DECLINED and not (reason or partnership.close_reason).strip():
        return "Say why the partnership was declined."
    organization = partnership.brand.organization
    if (
        to_stage in STAGES_AFTER_OUTREACH
        and organization.require_observation_before_outreach
        and not partnership_was_observed(partnership=partnership)
    ):
        return (
            f"Observe first: {organization.name} requires a partnership to have been in "
            f"Observing before {Stage(to_stage).label}."
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
    _locked(partnership)
    if to_stage == partnership.stage:
        already = partnership.activities.filter(kind=ActivityKind.STAGE_CHANGE, to_stage=to_stage).order_by("-id")
        if (last := already.first()) is not None:
            return last
    refusal = partnership_move_refusal(partnership=partnership, to_stage=to_stage, reason=reason)
    if refusal:
        raise ValidationError({"stage": refusal})
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
    activity = _note(
        partnership, ActivityKind.STAGE_CHANGE, actor, summary, note or reason,
        occurred_at=now, from_stage=from_stage, to_stage=to_stage,
    )  # fmt: skip
    _tell_after_commit(signals.partnership_stage_changed, partnership=partnership, activity=activity)
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
) -> Partnership:
    """Add a creator to a brand's pipeline, in Discovered, with a timeline entry.

    Raises AlreadyExists if the brand already has a partnership with this creator.
    """
    _locked(brand)  # creations for one brand take turns: the check below then holds until commit
    if existing := Partnership.objects.filter(brand=brand, creator=creator).first():
        raise AlreadyExists(
            {"creator": f"{creator} is already in {brand}'s pipeline ({existing.get_stage_display()})."}
        )
    now = timezone.now()
    partnership = Partnership(
        brand=brand, creator=creator, owner=owner or actor, stage=Stage.DISCOVERED, stage_changed_at=now
    )
    partnership._history_user = actor
    partnership.save()
    partnership.communities.set(communities)
    partnership_record_added(partnership=partnership, actor=actor, note=note)
    return partnership


def partnership_record_added(*, partnership: Partnership, actor=None, note: str = "") -> Activity:
    """The first timeline entry of a partnership just saved (also used by the admin's add form)."""
    return _note(
        partnership, ActivityKind.STAGE_CHANGE, actor, "Added to the pipeline", note,
        occurred_at=partnership.stage_changed_at or timezone.now(), to_stage=partnership.stage,
    )  # fmt: skip


CREATIVE_CONTROL_FIELDS = Agreement.CREATIVE_CONTROL_FIELDS
TERM_FIELDS = Agreement.TERM_FIELDS


def _refuse_unknown_terms(names) -> None:
    unknown = set(names) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a term of an agreement." for name in sorted(unknown)})


def _describe(agreement: Agreement, field: str) -> str:
    value = getattr(agreement, field)
    display = getattr(agreement, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else str(value)


def _period(agreement: Agreement) -> str:
    return f"{agreement.starts_on:%Y-%m-%d} – {agreement.ends_on:%Y-%m-%d}" if agreement.ends_on else "open-ended"


def _note_agreement(agreement: Agreement, actor, summary: str, body: str) -> Activity:
    """An agreement event in its partnership's timeline."""
    return _note(agreement.partnership, ActivityKind.AGREEMENT, actor, summary, body)


# The term each agreement rule is about: a refusal names it, as a form or an API client expects.
RULE_FIELDS = {
    "agreement_ends_after_it_starts": "ends_on",
    "editorial_control_excludes_brand_approval": "brand_review_rights",
    "affiliate_share_is_a_percentage": "affiliate_share_percent",
    "compensation_is_not_negative": "compensation_amount",
    "review_rights_are_known": "brand_review_rights",
}


def _checked(agreement: Agreement) -> None:
    try:
        agreement.full_clean(exclude=["partnership", "renewal_of", "created_by"])
    except ValidationError as error:
        errors = {field: list(messages) for field, messages in error.message_dict.items()}
        field_of = {
            str(rule.get_violation_error_message()): RULE_FIELDS.get(rule.name, "__all__")
            for rule in Agreement._meta.constraints
        }
        for message in errors.pop("__all__", []):
            errors.setdefault(field_of.get(message, "__all__"), []).append(message)
        raise ValidationError(errors) from None


@transaction.atomic
def agreement_update_terms(*, agreement: Agreement, actor=None, **changes) -> list[str]:
    """Change an agreement's terms; returns the changes as "field: old → new" lines.

    The change is audited twice over: the agreement's history records who and when (django-simple-
    history), and the partnership's timeline says what, in words. Raises ValidationError (naming
    the field) for an unknown field or values the agreement's rules refuse.
    """
    _refuse_unknown_terms(changes)
    before = {name: _describe(agreement, name) for name in changes}
    for name, value in changes.items():
        setattr(agreement, name, value)
    _checked(agreement)
    lines = [
        f"{Agreement._meta.get_field(name).verbose_name.capitalize()}: {before[name]} → {_describe(agreement, name)}"
        for name in changes
        if before[name] != _describe(agreement, name)
    ]
    if not lines:
        return []
    agreement._history_user = actor
    agreement.save()
    control = any(name in CREATIVE_CONTROL_FIELDS and before[name] != _describe(agreement, name) for name in changes)
    _note_agreement(
        agreement,
        actor,
        "Creative-control terms changed" if control else "Agreement terms changed",
        "\n".join(lines),
    )
    _tell_after_commit(signals.agreement_updated, agreement=agreement, changes=lines)
    return lines


@transaction.atomic
def agreement_renew(*, agreement: Agreement, actor=None, starts_on, ends_on=None, **changes) -> Agreement:
    """A new agreement for the next period, with the same terms unless ``changes`` say otherwise;
    the old one is kept as it was (the partnership page shows every period)."""
    _refuse_unknown_terms(changes)
    renewal = Agreement(
        partnership=agreement.partnership,
        renewal_of=agreement,
        created_by=actor,
        **{name: getattr(agreement, name) for name in TERM_FIELDS if name not in ("status", "signed_on", "notes")},
    )
    renewal.status = AgreementStatus.DRAFT
    renewal.starts_on, renewal.ends_on = starts_on, ends_on
    for name, value in changes.items():
        setattr(renewal, name, value)
    _checked(renewal)
    renewal._history_user = actor
    renewal.save()
    _note_agreement(renewal, actor, f"Agreement renewed ({_period(renewal)})", renewal.creative_control_summary)
    _tell_after_commit(signals.agreement_created, agreement=renewal)
    return renewal


@transaction.atomic
def task_complete(*, task: Task, actor=None) -> Task:
    """Mark a follow-up done (once, however many ask at the same time), noting it in the timeline."""
    _locked(task)
    if task.completed_at is not None:
        return task
    task.completed_at = timezone.now()
    task.save(update_fields=["completed_at"])
    if task.partnership_id:
        Activity.objects.create(
            organization=task.organization,
            partnership=task.partnership,
            creator=task.creator or task.partnership.creator,
            kind=ActivityKind.NOTE,
            actor=actor,
            summary=f"Done: {task.title}",
        )
    return task


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
def community_stance_set(
    *, brand: Brand, community: Community, stance: str, notes: str | None = None
) -> CommunityStance:
    """Set how a brand takes part in a community. A new stance starts today; notes (the norms the
    brand has learned) are kept unless new ones are given. Raises ValidationError for an unknown
    stance, or for speaking (contributing, partnered) before the readiness checklist is done."""
    if stance not in Stance.values:
        raise ValidationError({"stance": f"Unknown stance {stance!r}."})
    _locked(brand)  # two settings at once take turns: one row, and each sees the other's stance
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


@transaction.atomic
def agreement_create(*, partnership: Partnership, actor=None, **terms) -> Agreement:
    """A partnership's first (or another) agreement; checked against the agreement rules, noted
    in the timeline with its creative-control terms."""
    _refuse_unknown_terms(terms)
    agreement = Agreement(partnership=partnership, created_by=actor, **terms)
    _checked(agreement)
    agreement._history_user = actor
    agreement.save()
    status = agreement.get_status_display().lower()
    _note_agreement(
        agreement, actor, f"Agreement written ({_period(agreement)}, {status})", agreement.creative_control_summary
    )
    _tell_after_commit(signals.agreement_created, agreement=agreement)
    return agreement


# What a manager logs by hand; stage changes, agreements and deliverables are noted by their services.
LOGGED_KINDS = (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MESSAGE, ActivityKind.MEETING)


def _organization_member(partnership: Partnership, user, field: str) -> None:
    # The message names neither the person nor whether they exist elsewhere: a caller must not learn
    # from it who the users of other organizations (or the operators) are.
    if user is not None and not partnership.brand.organization.members.filter(user=user).exists():
        raise ValidationError({field: f"Choose one of the members of {partnership.brand.organization}."})


@transaction.atomic
def task_create(
    *, partnership: Partnership, actor=None, title: str, due_on=None, assignee=None, notes: str = ""
) -> Task:
    """A follow-up about a partnership, for a member of its organization (the actor by default)."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Say what is to be done."})
    assignee = assignee or actor
    _organization_member(partnership, assignee, "assignee")
    return Task.objects.create(
        organization=partnership.brand.organization, partnership=partnership, creator=partnership.creator,
        title=title[:300], notes=notes, due_on=due_on, assignee=assignee, created_by=actor,
    )  # fmt: skip


@transaction.atomic
def activity_log(
    *, partnership: Partnership, actor=None, kind: str = ActivityKind.NOTE, summary: str, body: str = "",
    occurred_at=None,
) -> Activity:  # fmt: skip
    """Log what happened (a call, an email, a note) in the partnership's timeline."""
    if kind not in LOGGED_KINDS:
        raise ValidationError({"kind": f"{kind!r} cannot be logged by hand."})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": "Say what happened."})
    if occurred_at is not None and occurred_at > timezone.now():
        raise ValidationError({"occurred_at": "This has not happened yet: add a task for it instead."})
    return _note(partnership, kind, actor, summary, body, occurred_at=occurred_at or timezone.now())


def _deliverable_checked(deliverable: Deliverable) -> None:
    partnership = deliverable.partnership
    if deliverable.agreement_id and deliverable.agreement.partnership_id != partnership.pk:
        raise ValidationError({"agreement": "This agreement belongs to another partnership."})
    if deliverable.status == DeliverableStatus.PUBLISHED and deliverable.published_at is None:
        raise ValidationError({"published_at": "Say when it was published."})
    if deliverable.published_at and deliverable.published_at > timezone.now():
        raise ValidationError({"published_at": "It cannot have been published in the future."})
    deliverable.full_clean(exclude=["partnership", "agreement", "community"])


@transaction.atomic
def deliverable_plan(
    *, partnership: Partnership, actor=None, title: str, kind: str = Deliverable.Kind.POST, community=None,
    due_on=None, agreement: Agreement | None = None, notes: str = "",
) -> Deliverable:  # fmt: skip
    """Plan a piece of content under the partnership; it counts against the agreement in force
    unless another is named."""
    if agreement is None:
        from partnerships.selectors import agreement_in_force

        agreement = agreement_in_force(list(partnership.agreements.all()), timezone.localdate())
    deliverable = Deliverable(
        partnership=partnership, agreement=agreement, title=(title or "").strip(), kind=kind, community=community,
        due_on=due_on, notes=notes,
    )  # fmt: skip
    _deliverable_checked(deliverable)
    deliverable.save()
    where = f" in {community.name}" if community else ""
    due = f", due {due_on}" if due_on else ""
    _note(
        partnership, ActivityKind.DELIVERABLE, actor, f"Deliverable planned: {deliverable.title}",
        f"{deliverable.get_kind_display()}{where}{due}",
    )  # fmt: skip
    return deliverable


@transaction.atomic
def deliverable_set_status(
    *, deliverable: Deliverable, actor=None, status: str, url: str | None = None, published_at=None
) -> Deliverable:
    """Move a deliverable on (in progress, published with its date and link, cancelled), noted in
    the timeline. The publication date is what before/after measurement is anchored on."""
    if status not in DeliverableStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    before = deliverable.status
    if status != DeliverableStatus.PUBLISHED and published_at is not None:
        raise ValidationError({"published_at": "Only a published deliverable has a publication date."})
    changed = copy.copy(deliverable)  # checked first: a refused change leaves the caller's object as it was
    changed.status = status
    if url is not None:
        changed.url = url
    if status == DeliverableStatus.PUBLISHED:
        changed.published_at = published_at or deliverable.published_at or timezone.now()
    _deliverable_checked(changed)
    deliverable.status, deliverable.url, deliverable.published_at = changed.status, changed.url, changed.published_at
    deliverable.save(update_fields=["status", "url", "published_at"])
    if before != status:
        link = f"\n{deliverable.url}" if deliverable.url else ""
        summary = f"{deliverable.get_status_display()}: {deliverable.title}"
        _note(deliverable.partnership, ActivityKind.DELIVERABLE, actor, summary, link.strip())
    return deliverable


@transaction.atomic
def partnership_update(*, partnership: Partnership, actor=None, **changes) -> Partnership:
    """Change who owns a partnership, its notes or the communities it concerns (not its stage: a
    move goes through ``partnership_move``)."""
    allowed = {"owner", "notes", "communities"}
    if unknown := set(changes) - allowed:
        raise ValidationError({name: "This cannot be changed here." for name in sorted(unknown)})
    if "owner" in changes:
        _organization_member(partnership, changes["owner"], "owner")
        partnership.owner = changes["owner"]
    if "notes" in changes:
        partnership.notes = changes["notes"] or ""
    partnership._history_user = actor
    partnership.save()
    if "communities" in changes:
        partnership.communities.set(changes["communities"])
    return partnership

"""The creator's work, handed in through their link, and the brand's review of it (issue 21).

What happens to a handed-in piece is decided by the agreement it falls under, never by the
manager at the time: with review rights "none" it is published as it is; "factual check" asks the
brand for corrections the creator may take or leave; "approval" asks the brand to approve it first.
The creator has no account, so these services take the link used (for the audit) instead of a
user; the brand's side takes the acting manager and checks their role.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.validators import validate_web_url
from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import (
    ActivityKind,
    Agreement,
    CreatorLink,
    Deliverable,
    DeliverableStatus,
    DisclosureState,
    Partnership,
    ReviewRights,
    ReviewState,
)
from partnerships.services._shared import locked, tell_after_commit, timeline_note

# What each review right asks of the brand when a piece is handed in.
REVIEW_ON_HAND_IN = {
    ReviewRights.NONE: ReviewState.NOT_NEEDED,
    ReviewRights.FACTUAL_CHECK: ReviewState.AWAITING_CHECK,
    ReviewRights.APPROVAL: ReviewState.AWAITING_APPROVAL,
}
# Review states in which the creator may say the piece is published.
PUBLISHABLE = (ReviewState.NOT_NEEDED, ReviewState.AWAITING_CHECK, ReviewState.CHECKED, ReviewState.APPROVED)
REVIEW_DECISIONS = {
    ReviewRights.FACTUAL_CHECK: {"checked": ReviewState.CHECKED},
    ReviewRights.APPROVAL: {"approve": ReviewState.APPROVED, "request_changes": ReviewState.CHANGES_REQUESTED},
}


def _checked_url(url: str, field: str = "url") -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({field: "Paste the link to the piece."})
    if len(url) > 1000:
        raise ValidationError({field: "A link is at most 1,000 characters."})
    try:
        validate_web_url(url)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
    return url


def _agreement_of(partnership: Partnership, deliverable: Deliverable | None) -> Agreement | None:
    if deliverable is not None and deliverable.agreement_id:
        return deliverable.agreement
    from partnerships.selectors import agreement_in_force

    return agreement_in_force(list(partnership.agreements.all()), timezone.localdate())


def _publish(deliverable: Deliverable, url: str, *, confirmed_disclosure: bool) -> None:
    """Mark it published now, and say what is known of its disclosure: not required, confirmed by
    the creator's tick, or waiting for the check that reads the post."""
    agreement = deliverable.agreement
    deliverable.status = DeliverableStatus.PUBLISHED
    deliverable.url = url
    deliverable.published_at = deliverable.published_at or timezone.now()
    if agreement is None or not agreement.disclosure_required:
        deliverable.disclosure_state = DisclosureState.NOT_REQUIRED
    elif confirmed_disclosure:
        deliverable.disclosure_state = DisclosureState.CONFIRMED
        deliverable.disclosure_checked_at = timezone.now()
        deliverable.disclosure_evidence = "The creator confirmed the post discloses the partnership."
    else:
        deliverable.disclosure_state = DisclosureState.NOT_CHECKED
    tell_after_commit(signals.deliverable_published, deliverable=deliverable)


@transaction.atomic
def deliverable_hand_in(
    *, partnership: Partnership, url: str, note: str = "", deliverable: Deliverable | None = None,
    title: str = "", confirmed_disclosure: bool = False, link: CreatorLink | None = None,
) -> Deliverable:  # fmt: skip
    """The creator hands in a piece: a planned deliverable (``deliverable``) or a new one
    (``title``). The agreement's review rights decide what follows; with none, it is published."""
    url = _checked_url(url)
    note = (note or "").strip()[:5000]
    if deliverable is not None:
        locked(deliverable)
        if deliverable.partnership_id != partnership.pk:
            raise ValidationError({"deliverable": "This piece belongs to another partnership."})
        if deliverable.status in (DeliverableStatus.PUBLISHED, DeliverableStatus.CANCELLED):
            raise ValidationError({"deliverable": f"This piece is {deliverable.get_status_display().lower()}."})
    else:
        title = (title or "").strip()
        if not title:
            raise ValidationError({"title": "Say what the piece is (a few words)."})
        deliverable = Deliverable(partnership=partnership, title=title[:300])
    agreement = _agreement_of(partnership, deliverable)
    if agreement is None:
        raise ValidationError({"deliverable": "There are no terms to hand work in under yet."})
    deliverable.agreement = agreement
    deliverable.handed_in_at = timezone.now()
    deliverable.creator_note = note
    deliverable.review_state = REVIEW_ON_HAND_IN.get(agreement.brand_review_rights, ReviewState.AWAITING_APPROVAL)
    deliverable.review_note, deliverable.reviewed_at, deliverable.reviewed_by = "", None, None
    if deliverable.review_state == ReviewState.NOT_NEEDED:
        _publish(deliverable, url, confirmed_disclosure=confirmed_disclosure)
    else:
        deliverable.url = url
        deliverable.status = DeliverableStatus.IN_PROGRESS
    deliverable.full_clean(exclude=["partnership", "agreement", "community", "reviewed_by"])
    deliverable.save()
    summary = f"Handed in by the creator: {deliverable.title}"
    body = "\n".join(part for part in (deliverable.get_review_state_display(), url, note) if part)
    timeline_note(partnership, ActivityKind.DELIVERABLE, None, summary, body)
    return deliverable


@transaction.atomic
def deliverable_publish(
    *, deliverable: Deliverable, url: str = "", confirmed_disclosure: bool = False, link: CreatorLink | None = None
) -> Deliverable:
    """The creator says a handed-in piece is now published (after a factual check, or approval),
    with its public link if it differs from the one handed in."""
    locked(deliverable)
    if deliverable.status == DeliverableStatus.PUBLISHED:
        return deliverable  # said twice (a double click, a re-sent form): once is enough
    if deliverable.handed_in_at is None:
        raise ValidationError({"deliverable": "Hand the piece in first."})
    if deliverable.review_state not in PUBLISHABLE:
        raise ValidationError({"deliverable": f"Not yet: {deliverable.get_review_state_display().lower()}."})
    _publish(deliverable, _checked_url(url) if url else deliverable.url, confirmed_disclosure=confirmed_disclosure)
    deliverable.save()
    timeline_note(
        deliverable.partnership, ActivityKind.DELIVERABLE, None, f"Published by the creator: {deliverable.title}",
        deliverable.url,
    )  # fmt: skip
    return deliverable


@transaction.atomic
def deliverable_review(*, deliverable: Deliverable, actor, decision: str, note: str = "") -> Deliverable:
    """The brand answers a hand-in as its review rights allow: under a factual check it marks the
    facts checked with corrections the creator may take or leave; under approval it approves or
    asks for changes (saying which)."""
    require_editor(actor, deliverable)
    locked(deliverable)
    rights = deliverable.agreement.brand_review_rights if deliverable.agreement_id else ReviewRights.NONE
    allowed = REVIEW_DECISIONS.get(rights, {})
    waiting = {
        ReviewRights.FACTUAL_CHECK: ReviewState.AWAITING_CHECK,
        ReviewRights.APPROVAL: ReviewState.AWAITING_APPROVAL,
    }
    if decision not in allowed:
        if not allowed:
            reason = "The agreement gives the brand no review of this piece."
        else:
            reason = f"Under these terms the brand may only: {', '.join(allowed)}."
        raise ValidationError({"decision": reason})
    if deliverable.review_state != waiting[rights]:
        raise ValidationError({"decision": "This piece is not waiting for the brand."})
    note = (note or "").strip()[:5000]
    if decision == "request_changes" and not note:
        raise ValidationError({"note": "Say what should change."})
    deliverable.review_state = allowed[decision]
    deliverable.review_note, deliverable.reviewed_at, deliverable.reviewed_by = note, timezone.now(), actor
    deliverable.save(update_fields=["review_state", "review_note", "reviewed_at", "reviewed_by"])
    summary = f"{deliverable.get_review_state_display()}: {deliverable.title}"
    timeline_note(deliverable.partnership, ActivityKind.DELIVERABLE, actor, summary, note)
    return deliverable

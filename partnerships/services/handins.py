"""The creator's work, handed in through their link, and the brand's review of it (issue 21).

What happens to a handed-in piece is decided by the agreement it falls under, never by the
manager at the time: with review rights "none" it is published as it is; "factual check" asks the
brand for corrections the creator may take or leave; "approval" asks the brand to approve it first.
The creator has no account, so these services take the link used (for the audit) instead of a
user; the brand's side takes the acting manager and checks their role.

Disclosure: a published piece under an agreement requiring it is checked. A Reddit post is read
(``partnerships.tasks.check_disclosure``, queued after the commit that published it, and again when
a manager asks); a piece elsewhere waits for the creator's tick (``deliverable_confirm_disclosure``).
A missing disclosure is told to both sides: a timeline entry, a task for the partnership's owner,
the state on the partnership page and on the creator's.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crm.background import enqueue_after_commit
from crm.validators import validate_web_url
from partnerships import signals
from partnerships.disclosure_reddit import Reading, ShareLink, is_reddit_link, reddit_link
from partnerships.guards import require_editor
from partnerships.models import (
    ActivityKind,
    Agreement,
    AgreementStatus,
    CreatorLink,
    Deliverable,
    DeliverableStatus,
    DisclosureState,
    Partnership,
    ReviewRights,
    ReviewState,
    Task,
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
CONFIRMED_BY_THE_CREATOR = "The creator confirmed the post discloses the partnership."
# A manager's "Check again" queues at most one reading of a post in this many seconds.
CHECK_AGAIN_SECONDS = 60
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
    try:
        reddit_link(url)
    except ShareLink:
        # A share link names no post until Reddit redirects it, so the disclosure check could not read it.
        raise ValidationError(
            {field: "This is a Reddit share link: open it and paste the post's own address (…/comments/…)."}
        ) from None
    return url


def disclosure_is_read(deliverable: Deliverable) -> bool:
    """Whether this piece's disclosure is checked by reading the post (a published Reddit link under
    an agreement requiring disclosure), rather than by the creator's tick."""
    agreement = deliverable.agreement
    return (
        deliverable.status == DeliverableStatus.PUBLISHED
        and agreement is not None
        and agreement.disclosure_required
        and is_reddit_link(deliverable.url)
    )


def _queue_disclosure_check(deliverable: Deliverable) -> None:
    """Read the post once this transaction commits (the task finds the row it reads; a rollback
    queues nothing). The task is given the link read, so a reading of a link since replaced is
    dropped."""
    from partnerships.tasks import check_disclosure  # the tasks module imports the services

    enqueue_after_commit(check_disclosure, deliverable.pk, deliverable.url)


def _agreement_of(partnership: Partnership, deliverable: Deliverable | None) -> Agreement | None:
    """The terms a piece is handed in under: those it was planned under, or the version that
    replaced them (a counter-proposal accepted since); for a new piece, or one whose terms were
    cancelled, the agreement in force."""
    agreement = deliverable.agreement if deliverable is not None and deliverable.agreement_id else None
    seen = set()
    while agreement is not None and agreement.status == AgreementStatus.SUPERSEDED and agreement.pk not in seen:
        seen.add(agreement.pk)
        agreement = agreement.replaced_by.order_by("-pk").first()
    if agreement is not None and agreement.status not in (AgreementStatus.SUPERSEDED, AgreementStatus.CANCELLED):
        return agreement
    from partnerships.selectors import agreement_in_force

    return agreement_in_force(list(partnership.agreements.all()), timezone.localdate())


def _publish(deliverable: Deliverable, url: str, *, confirmed_disclosure: bool) -> bool:
    """Mark it published now, and say what is known of its disclosure (``_disclosure_on_publication``).
    True if the post is to be read: the caller queues that once the row is saved."""
    deliverable.status = DeliverableStatus.PUBLISHED
    deliverable.published_at = deliverable.published_at or timezone.now()
    _disclosure_on_publication(deliverable, url, confirmed_disclosure=confirmed_disclosure)
    tell_after_commit(signals.deliverable_published, deliverable=deliverable)
    return deliverable.disclosure_state == DisclosureState.NOT_CHECKED and is_reddit_link(url)


def _disclosure_on_publication(deliverable: Deliverable, url: str, *, confirmed_disclosure: bool) -> None:
    """What is known of a piece's disclosure once it is published at ``url``: not required; waiting
    for the reading of a Reddit post (a tick does not replace reading it); confirmed by the
    creator's tick (now, or earlier for this same link); or waiting for that tick."""
    agreement = deliverable.agreement
    ticked_before = deliverable.disclosure_state == DisclosureState.CONFIRMED and deliverable.url == url
    deliverable.url = url
    if agreement is None or not agreement.disclosure_required:
        deliverable.disclosure_state = DisclosureState.NOT_REQUIRED
        deliverable.disclosure_checked_at, deliverable.disclosure_evidence = None, ""
    elif is_reddit_link(url):
        deliverable.disclosure_state = DisclosureState.NOT_CHECKED
        deliverable.disclosure_checked_at, deliverable.disclosure_evidence = None, ""
    elif confirmed_disclosure or ticked_before:
        deliverable.disclosure_state = DisclosureState.CONFIRMED
        deliverable.disclosure_checked_at = deliverable.disclosure_checked_at if ticked_before else timezone.now()
        deliverable.disclosure_evidence = CONFIRMED_BY_THE_CREATOR
    else:
        deliverable.disclosure_state = DisclosureState.NOT_CHECKED
        deliverable.disclosure_checked_at, deliverable.disclosure_evidence = None, ""


def disclosure_after_publication(deliverable: Deliverable, *, url_before: str) -> None:
    """For a piece a manager marked published (``services.deliverable_set_status``), inside its
    transaction and after it saved: the disclosure state that follows, and the reading of a Reddit
    post queued. ``url_before``: the link before the change (a tick holds only for the same link).
    Not a second publication: a piece already checked at this link keeps what was found."""
    if deliverable.status != DeliverableStatus.PUBLISHED:
        return
    read_already = deliverable.disclosure_state in (
        DisclosureState.FOUND, DisclosureState.MISSING, DisclosureState.UNREADABLE
    )  # fmt: skip
    if read_already and url_before == deliverable.url:
        return
    url = deliverable.url
    deliverable.url = url_before
    _disclosure_on_publication(deliverable, url, confirmed_disclosure=False)
    deliverable.save(update_fields=["disclosure_state", "disclosure_checked_at", "disclosure_evidence"])
    if deliverable.disclosure_state == DisclosureState.NOT_CHECKED and is_reddit_link(url):
        _queue_disclosure_check(deliverable)


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
        if _same_hand_in(deliverable, url, note):
            return deliverable  # sent twice (a double tap, a re-sent form): once is enough
        if deliverable.status in (DeliverableStatus.PUBLISHED, DeliverableStatus.CANCELLED):
            raise ValidationError({"deliverable": f"This piece is {deliverable.get_status_display().lower()}."})
    else:
        title = (title or "").strip()[:300]
        if not title:
            raise ValidationError({"title": "Say what the piece is (a few words)."})
        # The partnership's row is the turnstile: of twenty identical hand-ins at once, the first
        # creates the piece and the others find it.
        locked(partnership)
        earlier = [
            piece
            for piece in partnership.deliverables.filter(title=title, url=url, handed_in_at__isnull=False)
            if _same_hand_in(piece, url, note)
        ]
        if earlier:
            return earlier[0]
        deliverable = Deliverable(partnership=partnership, title=title)
    agreement = _agreement_of(partnership, deliverable)
    if agreement is None:
        raise ValidationError({"deliverable": "There are no terms to hand work in under yet."})
    deliverable.agreement = agreement
    deliverable.handed_in_at = timezone.now()
    deliverable.creator_note = note
    deliverable.review_state = REVIEW_ON_HAND_IN.get(agreement.brand_review_rights, ReviewState.AWAITING_APPROVAL)
    deliverable.review_note, deliverable.reviewed_at, deliverable.reviewed_by = "", None, None
    to_read = False
    if deliverable.review_state == ReviewState.NOT_NEEDED:
        to_read = _publish(deliverable, url, confirmed_disclosure=confirmed_disclosure)
    else:
        if confirmed_disclosure and agreement.disclosure_required and not is_reddit_link(url):
            _record_tick(deliverable)  # ticked when handing in: kept when it is published at this link
        elif deliverable.url != url and deliverable.disclosure_state == DisclosureState.CONFIRMED:
            deliverable.disclosure_state, deliverable.disclosure_evidence = DisclosureState.NOT_CHECKED, ""
            deliverable.disclosure_checked_at = None  # the tick was for the link handed in before
        deliverable.url = url
        deliverable.status = DeliverableStatus.IN_PROGRESS
    deliverable.full_clean(exclude=["partnership", "agreement", "community", "reviewed_by"])
    deliverable.save()
    if to_read:
        _queue_disclosure_check(deliverable)
    summary = f"Handed in by the creator: {deliverable.title}"
    body = "\n".join(part for part in (deliverable.get_review_state_display(), url, note) if part)
    timeline_note(partnership, ActivityKind.DELIVERABLE, None, summary, body)
    return deliverable


def _same_hand_in(deliverable: Deliverable, url: str, note: str) -> bool:
    """Whether this hand-in is the one already recorded for the piece, and nothing has happened to
    it since that a new hand-in would answer (the brand asking for changes)."""
    return (
        deliverable.handed_in_at is not None
        and deliverable.url == url
        and deliverable.creator_note == note
        and deliverable.review_state != ReviewState.CHANGES_REQUESTED
        and deliverable.status != DeliverableStatus.CANCELLED
    )


def _record_tick(deliverable: Deliverable) -> None:
    deliverable.disclosure_state = DisclosureState.CONFIRMED
    deliverable.disclosure_checked_at = timezone.now()
    deliverable.disclosure_evidence = CONFIRMED_BY_THE_CREATOR


@transaction.atomic
def deliverable_publish(
    *, deliverable: Deliverable, url: str = "", confirmed_disclosure: bool = False, link: CreatorLink | None = None
) -> Deliverable:
    """The creator says a handed-in piece is now published (after a factual check, or approval),
    with its public link if it differs from the one handed in."""
    locked(deliverable)
    if deliverable.status == DeliverableStatus.PUBLISHED:
        return deliverable  # said twice (a double click, a re-sent form): once is enough
    if deliverable.status == DeliverableStatus.CANCELLED:
        # The brand cancelled it: the creator's form (kept open, or re-sent) must not bring it back
        # as published, nor make a fee on publication owed.
        raise ValidationError({"deliverable": "This piece was cancelled."})
    if deliverable.handed_in_at is None:
        raise ValidationError({"deliverable": "Hand the piece in first."})
    if deliverable.review_state not in PUBLISHABLE:
        raise ValidationError({"deliverable": f"Not yet: {deliverable.get_review_state_display().lower()}."})
    to_read = _publish(
        deliverable, _checked_url(url) if url else deliverable.url, confirmed_disclosure=confirmed_disclosure
    )
    deliverable.save()
    if to_read:
        _queue_disclosure_check(deliverable)
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


@transaction.atomic
def deliverable_confirm_disclosure(*, deliverable: Deliverable, link: CreatorLink | None = None) -> Deliverable:
    """The creator's tick: the piece (on a platform the product cannot read) discloses the
    partnership. Recorded with when; a Reddit post is read instead, so its tick is refused."""
    locked(deliverable)
    agreement = deliverable.agreement
    if deliverable.handed_in_at is None or not deliverable.url:
        raise ValidationError({"deliverable": "Hand the piece in first."})
    if agreement is None or not agreement.disclosure_required:
        raise ValidationError({"deliverable": "These terms ask for no disclosure."})
    if is_reddit_link(deliverable.url):
        raise ValidationError({"deliverable": "A Reddit post is checked by reading it: no tick is needed."})
    if deliverable.disclosure_state == DisclosureState.CONFIRMED:
        return deliverable  # ticked twice: once is enough
    _record_tick(deliverable)
    deliverable.save(update_fields=["disclosure_state", "disclosure_checked_at", "disclosure_evidence"])
    summary = f"Disclosure confirmed by the creator: {deliverable.title}"
    timeline_note(deliverable.partnership, ActivityKind.DELIVERABLE, None, summary, deliverable.url)
    return deliverable


@transaction.atomic
def deliverable_check_disclosure_again(*, deliverable: Deliverable, actor) -> bool:
    """A manager asks for the post to be read again (after the creator edited it, or Reddit was
    down). True if a reading was queued; False if one was queued in the last minute already (twenty
    clicks read the post once)."""
    require_editor(actor, deliverable)
    locked(deliverable)
    if not disclosure_is_read(deliverable):
        raise ValidationError(
            {"deliverable": "Only a published Reddit post whose terms ask for disclosure can be read."}
        )
    if not cache.add(f"disclosure-check-again:{deliverable.pk}", True, CHECK_AGAIN_SECONDS):
        return False
    _queue_disclosure_check(deliverable)
    return True


def disclosure_reading_wanted(deliverable: Deliverable, url: str) -> bool:
    """Whether a reading of ``url`` still answers for this piece: still published there, under
    terms asking for disclosure (a reading of a link since replaced, or of a piece since cancelled,
    is dropped)."""
    return deliverable.url == url and disclosure_is_read(deliverable)


MISSING_TASK = "Disclosure missing: {title}"
CHANGED = {
    DisclosureState.FOUND: "Disclosure found",
    DisclosureState.MISSING: "No disclosure found",
    DisclosureState.UNREADABLE: "Disclosure could not be checked",
}


@transaction.atomic
def deliverable_disclosure_record(*, deliverable: Deliverable, url: str, reading: Reading) -> Deliverable:
    """Record what reading the post at ``url`` found. A change is noted in the timeline; a missing
    disclosure gives the partnership's owner a task (one open at a time), which a disclosure found
    later closes."""
    locked(deliverable)
    if not disclosure_reading_wanted(deliverable, url):
        return deliverable
    before = deliverable.disclosure_state
    deliverable.disclosure_state = reading.state
    deliverable.disclosure_evidence = reading.evidence[:300]
    deliverable.disclosure_checked_at = timezone.now()
    deliverable.save(update_fields=["disclosure_state", "disclosure_evidence", "disclosure_checked_at"])
    partnership = deliverable.partnership
    if before != reading.state:
        summary = f"{CHANGED[reading.state]}: {deliverable.title}"
        timeline_note(partnership, ActivityKind.DELIVERABLE, None, summary, f"{reading.evidence}\n{url}")
    title = MISSING_TASK.format(title=deliverable.title)[:300]
    open_tasks = Task.objects.filter(partnership=partnership, title=title, completed_at__isnull=True)
    if reading.state == DisclosureState.MISSING and not open_tasks.exists():
        Task.objects.create(
            organization=partnership.brand.organization, partnership=partnership, creator=partnership.creator,
            title=title, assignee=partnership.owner, due_on=timezone.localdate(),
            notes=f"{reading.evidence} Ask the creator to add the disclosure, then check again.\n{url}",
        )  # fmt: skip
    elif reading.state == DisclosureState.FOUND:
        open_tasks.update(completed_at=timezone.now())
    return deliverable

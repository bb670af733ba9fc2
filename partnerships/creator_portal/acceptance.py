"""What a creator decides through their link: accepting a version of the terms (a click-signature)
or proposing changes to it; and the brand's answer to a proposal.

A signature records the typed full name, the time, the address, the user agent and the exact text
of the terms shown with its SHA-256, in AgreementAcceptance and in the agreement's own history, so
what was accepted can be proven later. The creator has no account: these services take the link
used, and check the agreement belongs to that link's partnership.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from partnerships.creator_portal import terms as shown
from partnerships.creator_portal.links import creator_link_used
from partnerships.creator_portal.terms import TERM_NAMES
from partnerships.guards import require_editor
from partnerships.models import (
    ActivityKind,
    Agreement,
    AgreementAcceptance,
    AgreementStatus,
    CounterProposal,
    CreatorLink,
    CreatorLinkUse,
)
from partnerships.services._shared import locked, timeline_note
from partnerships.services.agreements import agreement_new_version, agreement_rules_check, agreement_signature_follows

ACCEPTABLE = (AgreementStatus.DRAFT, AgreementStatus.SENT)
# What a creator may propose changes to: the terms in force or on offer, never an old version.
PROPOSABLE = (AgreementStatus.DRAFT, AgreementStatus.SENT, AgreementStatus.SIGNED)
TERMS_CHANGED = "The terms changed since you opened the page: read them again below, then accept."
MAX_NOTE = 5000


def _of_link(link: CreatorLink, agreement: Agreement) -> None:
    # The same refusal for another partnership's agreement as for none: a link learns nothing of
    # agreements it does not open.
    if link is None or not link.is_usable or agreement.partnership_id != link.partnership_id:
        raise ValidationError({"agreement": "There is no such proposal behind this link."})


@transaction.atomic
def agreement_accept(
    *, link: CreatorLink, agreement: Agreement, full_name: str, terms_sha256: str, address: str | None = None,
    user_agent: str = "",
) -> AgreementAcceptance:  # fmt: skip
    """The creator accepts the version of the terms they read: ``terms_sha256`` is the hash of the
    text the page showed, and must equal the terms now. Records the signature, moves the version to
    signed (superseding the signed version it replaces) and tells listeners after commit.

    Twenty identical accepts at once make one signature: the agreement's row is locked, and the
    ones after the first find it signed and get the same acceptance back.
    """
    _of_link(link, agreement)
    # The version it replaces is locked first, as cancelling it does (then its waiting versions):
    # an accept and a cancellation at once take turns instead of deadlocking, and whichever comes
    # second sees what the first did.
    replaced = Agreement.objects.select_for_update().filter(pk=agreement.replaces_id).first()
    locked(agreement)
    full_name = " ".join((full_name or "").split())[:200]
    existing = AgreementAcceptance.objects.filter(agreement=agreement).first()
    if existing is not None:
        if existing.terms_sha256 == terms_sha256:
            return existing  # the same click again (a double tap, a re-sent form)
        raise ValidationError({"agreement": "These terms were already accepted."})
    # A version waiting when the brand cancelled the agreement it changes is cancelled with it
    # (agreement_update_terms); one left waiting from before that rule must not sign it again.
    if agreement.status not in ACCEPTABLE or (replaced is not None and replaced.status == AgreementStatus.CANCELLED):
        raise ValidationError({"agreement": "This version is no longer on offer: the page shows the current one."})
    if not full_name:
        raise ValidationError({"full_name": "Type your full name to accept."})
    text, digest = shown.terms_text(agreement), shown.terms_sha256(agreement)
    if terms_sha256 != digest:
        raise ValidationError({"terms_sha256": TERMS_CHANGED})
    acceptance = AgreementAcceptance.objects.create(
        agreement=agreement, link=link, full_name=full_name, accepted_at=timezone.now(), address=address or None,
        user_agent=(user_agent or "")[:300], terms_text=text, terms_sha256=digest,
    )  # fmt: skip
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = timezone.localdate()
    agreement._history_user = None
    agreement._change_reason = _accepted_reason(full_name, digest)
    agreement.save(update_fields=["status", "signed_on"])
    creator_link_used(link=link, action=CreatorLinkUse.Action.ACCEPTED, address=address, user_agent=user_agent)
    timeline_note(
        agreement.partnership, ActivityKind.AGREEMENT, None, f"The creator accepted the terms: {full_name}",
        f"Agreement #{agreement.pk}, signed through their link. Terms SHA-256: {digest}",
    )  # fmt: skip
    agreement_signature_follows(agreement, acceptance)
    return acceptance


# The history's change reason is a column of 100 characters (django-simple-history): a longer one
# fails the signature on PostgreSQL. The name in full is in the acceptance and on the timeline.
CHANGE_REASON_LENGTH = 100


def _accepted_reason(full_name: str, digest: str) -> str:
    """ "Accepted by <name> through their link (terms SHA-256 <first 16>…)", the name shortened to fit."""
    before, after = "Accepted by ", f" through their link (terms SHA-256 {digest[:16]}…)"
    room = CHANGE_REASON_LENGTH - len(before) - len(after)
    name = full_name if len(full_name) <= room else full_name[: room - 1] + "…"
    return before + name + after


def _parsed(agreement: Agreement, term: str, value):
    """``value`` (text from a form, or a JSON value) as the term's field reads it; the error names
    the term."""
    if term not in Agreement.CREATOR_TERM_FIELDS:
        raise ValidationError({"term": "Choose one of the terms of the agreement."})
    field = Agreement._meta.get_field(term)
    if isinstance(value, str):
        value = value.strip()
        if field.get_internal_type() == "BooleanField":
            value = {"yes": True, "no": False}.get(value.lower(), value)
        elif field.choices:
            # The words the page shows for a choice are accepted as well as its value.
            by_words = {str(label).lower(): choice for choice, label in field.flatchoices}
            value = by_words.get(value.lower(), value)
        elif value == "" and field.null:
            value = None
    try:
        value = field.to_python(value)
        if value is None and not field.null:
            raise ValidationError("Give a value.")
        field.validate(value, agreement)
        field.run_validators(value)
    except ValidationError as error:
        label = TERM_NAMES.get(term, field.verbose_name.capitalize())
        raise ValidationError({term: [f"{label}: {message}" for message in error.messages]}) from None
    return value


def _stored(value):
    """A proposed value as JSON keeps it (and ``_parsed`` reads back)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _changes_asked(changes) -> list[dict]:
    if isinstance(changes, dict):
        changes = [{"term": term, "value": value, "note": ""} for term, value in changes.items()]
    if not isinstance(changes, list | tuple) or not all(isinstance(change, dict) for change in changes):
        raise ValidationError({"changes": "Say which term to change, and to what."})
    return list(changes)


@transaction.atomic
def counter_proposal_create(
    *, link: CreatorLink, agreement: Agreement, changes, note: str = "", address: str | None = None,
    user_agent: str = "",
) -> CounterProposal:  # fmt: skip
    """The creator proposes changes to a version of the terms: ``changes`` is a list of
    {"term", "value", "note"} (or a {term: value} mapping). Each value is read and checked as the
    agreement's field reads it (the error names the term), and the changed terms together are
    checked against the agreement's rules. A proposal identical to one still open is not made
    twice: the open one is returned."""
    _of_link(link, agreement)
    locked(agreement)
    if agreement.status not in PROPOSABLE:
        raise ValidationError({"agreement": "This version is no longer on offer: the page shows the current one."})
    proposed, seen = [], set()
    trial = Agreement.objects.get(pk=agreement.pk)
    for change in _changes_asked(changes):
        term = change.get("term", "")
        if term in seen:
            raise ValidationError({term: "Propose each term once."})
        seen.add(term)
        value = _parsed(agreement, term, change.get("value"))
        if Agreement.term_change_line(term, getattr(agreement, term), value) is None:
            continue  # what the agreement already says
        setattr(trial, term, value)
        proposed.append(
            {"term": term, "value": _stored(value), "note": str(change.get("note") or "").strip()[:MAX_NOTE]}
        )
    if not proposed:
        raise ValidationError({"value": "Propose a value different from what the terms say now."})
    agreement_rules_check(trial)
    note = (note or "").strip()[:MAX_NOTE]
    for open_one in agreement.counter_proposals.filter(status=CounterProposal.Status.OPEN):
        if open_one.changes == proposed and open_one.note == note:
            return open_one  # sent twice: the brand answers it once
    proposal = CounterProposal.objects.create(agreement=agreement, link=link, changes=proposed, note=note)
    creator_link_used(link=link, action=CreatorLinkUse.Action.PROPOSED, address=address, user_agent=user_agent)
    timeline_note(
        agreement.partnership, ActivityKind.AGREEMENT, None, "The creator proposed a change to the terms",
        "\n".join(proposal_lines(proposal, agreement)) + (f"\n{note}" if note else ""),
    )  # fmt: skip
    return proposal


def proposal_lines(proposal: CounterProposal, agreement: Agreement | None = None) -> list[str]:
    """Each proposed term as "Term: old → new (note)", against the version it was made on."""
    agreement = agreement or proposal.agreement
    lines = []
    for change in proposal.changes:
        term = change["term"]
        try:
            new = _parsed(agreement, term, change["value"])
        except ValidationError:
            new = change["value"]
        line = Agreement.term_change_line(term, getattr(agreement, term), new) or f"{term}: {change['value']}"
        lines.append(line + (f" ({change['note']})" if change.get("note") else ""))
    return lines


def _decided(proposal: CounterProposal, actor, status: str, note: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, actor, timezone.now()
    proposal.decision_note = (note or "").strip()[:MAX_NOTE]


def _open(proposal: CounterProposal, actor) -> None:
    require_editor(actor, proposal.agreement)
    locked(proposal)
    if proposal.status != CounterProposal.Status.OPEN:
        raise ValidationError(
            {"proposal": f"This proposal was already answered ({proposal.get_status_display().lower()})."}
        )


@transaction.atomic
def counter_proposal_accept(*, proposal: CounterProposal, actor, note: str = "") -> Agreement:
    """The brand takes a proposal into a new draft version of the terms (which the creator then
    accepts again through their link). Returns the new version."""
    _open(proposal, actor)
    agreement = proposal.agreement
    changes = {change["term"]: _parsed(agreement, change["term"], change["value"]) for change in proposal.changes}
    version = agreement_new_version(agreement=agreement, actor=actor, **changes)
    _decided(proposal, actor, CounterProposal.Status.ACCEPTED, note)
    proposal.new_agreement = version
    proposal.save()
    body = [f"New draft #{version.pk}; the creator accepts it through their link.", proposal.decision_note]
    timeline_note(
        agreement.partnership, ActivityKind.AGREEMENT, actor, "The creator's proposal taken into a new version",
        "\n".join(filter(None, body)),
    )  # fmt: skip
    return version


@transaction.atomic
def counter_proposal_decline(*, proposal: CounterProposal, actor, note: str = "") -> CounterProposal:
    """The brand declines a proposal, saying why (the creator reads the note on their page)."""
    _open(proposal, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why, for the creator."})
    _decided(proposal, actor, CounterProposal.Status.DECLINED, note)
    proposal.save()
    timeline_note(
        proposal.agreement.partnership, ActivityKind.AGREEMENT, actor, "The creator's proposal declined",
        proposal.decision_note,
    )  # fmt: skip
    return proposal

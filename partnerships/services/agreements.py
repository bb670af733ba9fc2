"""Writes to agreements: written, renewed, their terms changed. Each is checked against the
agreement's rules, audited (history and timeline) and told to webhooks once committed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import Activity, ActivityKind, Agreement, AgreementStatus, Partnership
from partnerships.services._shared import locked, tell_after_commit, timeline_note

CREATIVE_CONTROL_FIELDS = Agreement.CREATIVE_CONTROL_FIELDS
TERM_FIELDS = Agreement.TERM_FIELDS

# The term each agreement rule is about: a refusal names it, as a form or an API client expects.
RULE_FIELDS = {
    "agreement_ends_after_it_starts": "ends_on",
    "editorial_control_excludes_brand_approval": "brand_review_rights",
    "affiliate_share_is_a_percentage": "affiliate_share_percent",
    "compensation_is_not_negative": "compensation_amount",
    "review_rights_are_known": "brand_review_rights",
}


def _refuse_unknown_terms(names) -> None:
    unknown = set(names) - set(TERM_FIELDS)
    if unknown:
        raise ValidationError({name: "Not a term of an agreement." for name in sorted(unknown)})


def _period(agreement: Agreement) -> str:
    return f"{agreement.starts_on:%Y-%m-%d} – {agreement.ends_on:%Y-%m-%d}" if agreement.ends_on else "open-ended"


def _note_agreement(agreement: Agreement, actor, summary: str, body: str) -> Activity:
    """An agreement event in its partnership's timeline."""
    return timeline_note(agreement.partnership, ActivityKind.AGREEMENT, actor, summary, body)


def agreement_rules_check(agreement: Agreement) -> None:
    """Check ``agreement`` (unsaved changes included) against the agreement rules; the
    ValidationError names the term each refusal is about."""
    try:
        agreement.full_clean(exclude=["partnership", "renewal_of", "replaces", "created_by"])
    except ValidationError as error:
        errors = {field: list(messages) for field, messages in error.message_dict.items()}
        field_of = {
            str(rule.get_violation_error_message()): RULE_FIELDS.get(rule.name, "__all__")
            for rule in Agreement._meta.constraints
        }
        for message in errors.pop("__all__", []):
            errors.setdefault(field_of.get(message, "__all__"), []).append(message)
        raise ValidationError(errors) from None


# Under a signed agreement the terms never change: only these may still be set (ending it, the
# brand's own notes). Any other change is a new version the creator accepts again.
CHANGEABLE_WHEN_SIGNED = ("status", "notes")
FIXED = (AgreementStatus.SIGNED, AgreementStatus.SUPERSEDED)
NEW_VERSION_ADVICE = (
    "These terms are signed, so they never change: write a new version "
    "(“Change these terms” does) and the creator accepts it again."
)


def refuse_changes_to_signed_terms(agreement: Agreement, changes: dict) -> None:
    """Refuse (ValidationError naming each term) ``changes`` that a signed or superseded
    ``agreement`` cannot take: all but its cancellation and the internal notes. A value equal to
    the stored one is no change. The admin's form asks this before the service does."""
    if agreement.status not in FIXED:
        return
    refused = {}
    for name, value in changes.items():
        if Agreement.term_change_line(name, getattr(agreement, name), value) is None:
            continue  # the same value sent again (a form sends every field): no change
        if name == "status" and value == AgreementStatus.CANCELLED and agreement.status == AgreementStatus.SIGNED:
            continue
        if name in CHANGEABLE_WHEN_SIGNED and name != "status":
            continue
        refused[name] = (
            NEW_VERSION_ADVICE
            if agreement.status == AgreementStatus.SIGNED
            else ("This version was replaced by a newer one: its terms no longer change.")
        )
    if refused:
        raise ValidationError(refused)


def agreement_signature_follows(agreement: Agreement, acceptance=None) -> None:
    """What signing a version does besides its status: the version it replaces is superseded (in
    the same transaction), and listeners are told once committed."""
    replaced = agreement.replaces
    if replaced is not None and replaced.status == AgreementStatus.SIGNED:
        locked(replaced)
        replaced.status = AgreementStatus.SUPERSEDED
        replaced._change_reason = f"Replaced by a newer version (agreement #{agreement.pk}), now signed"
        replaced.save(update_fields=["status"])
    tell_after_commit(signals.agreement_signed, agreement=agreement, acceptance=acceptance)


@transaction.atomic
def agreement_update_terms(*, agreement: Agreement, actor=None, **changes) -> list[str]:
    """Change an agreement's terms; returns the changes as "field: old → new" lines.

    The change is audited twice over: the agreement's history records who and when (django-simple-
    history), and the partnership's timeline says what, in words. Raises ValidationError (naming
    the field) for an unknown field or values the agreement's rules refuse. A signed agreement's
    terms never change (only its cancellation and the internal notes): ``agreement_new_version``.
    A manager marking it signed by hand is told to listeners as a signature without acceptance.
    """
    require_editor(actor, agreement)
    _refuse_unknown_terms(changes)
    if agreement.pk is not None:
        locked(agreement)  # judged against the terms as they are now, not as a page read them
    refuse_changes_to_signed_terms(agreement, changes)
    was = agreement.status
    before = {name: getattr(agreement, name) for name in changes}
    for name, value in changes.items():
        setattr(agreement, name, value)
    agreement_rules_check(agreement)
    changed = {
        name: line
        for name in changes
        if (line := Agreement.term_change_line(name, before[name], getattr(agreement, name))) is not None
    }
    if not changed:
        return []
    lines = list(changed.values())
    agreement._history_user = actor
    if agreement.status == AgreementStatus.SIGNED and was != AgreementStatus.SIGNED:
        agreement._change_reason = "Marked signed by a manager (no acceptance through the creator's link)"
    agreement.save()
    control = any(name in CREATIVE_CONTROL_FIELDS for name in changed)
    _note_agreement(
        agreement,
        actor,
        "Creative-control terms changed" if control else "Agreement terms changed",
        "\n".join(lines),
    )
    tell_after_commit(signals.agreement_updated, agreement=agreement, changes=lines)
    if agreement.status == AgreementStatus.SIGNED and was != AgreementStatus.SIGNED:
        agreement_signature_follows(agreement)
    if agreement.status == AgreementStatus.CANCELLED and was != AgreementStatus.CANCELLED:
        _cancel_waiting_versions(agreement, actor)
    return lines


def _cancel_waiting_versions(agreement: Agreement, actor) -> None:
    """A cancelled agreement takes with it the new version still waiting for the creator: it was a
    change to terms the brand has now ended, and accepting it through the link would sign them
    again."""
    for version in agreement.replaced_by.select_for_update().filter(
        status__in=(AgreementStatus.DRAFT, AgreementStatus.SENT)
    ):
        version.status = AgreementStatus.CANCELLED
        version._history_user = actor
        version._change_reason = f"The agreement it would change (#{agreement.pk}) was cancelled"
        version.save(update_fields=["status"])
        _note_agreement(
            version, actor, "New version of the terms cancelled",
            f"Agreement #{agreement.pk}, which it would change, was cancelled.",
        )  # fmt: skip


@transaction.atomic
def agreement_renew(*, agreement: Agreement, actor=None, starts_on, ends_on=None, **changes) -> Agreement:
    """A new agreement for the next period, with the same terms unless ``changes`` say otherwise;
    the old one is kept as it was (the partnership page shows every period)."""
    require_editor(actor, agreement)
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
    agreement_rules_check(renewal)
    renewal._history_user = actor
    renewal.save()
    _note_agreement(renewal, actor, f"Agreement renewed ({_period(renewal)})", renewal.creative_control.summary)
    tell_after_commit(signals.agreement_created, agreement=renewal)
    return renewal


@transaction.atomic
def agreement_create(
    *, partnership: Partnership, actor=None, renewal_of: Agreement | None = None, **terms
) -> Agreement:
    """A partnership's first (or another) agreement; checked against the agreement rules, noted
    in the timeline with its creative-control terms. ``renewal_of``: the earlier agreement of the
    same partnership that this one follows (``agreement_renew`` copies its terms instead)."""
    require_editor(actor, partnership)
    _refuse_unknown_terms(terms)
    if renewal_of is not None and renewal_of.partnership_id != partnership.pk:
        raise ValidationError({"renewal_of": "This agreement belongs to another partnership."})
    agreement = Agreement(partnership=partnership, created_by=actor, renewal_of=renewal_of, **terms)
    agreement_rules_check(agreement)
    agreement._history_user = actor
    agreement.save()
    status = agreement.get_status_display().lower()
    _note_agreement(
        agreement, actor, f"Agreement written ({_period(agreement)}, {status})", agreement.creative_control.summary
    )
    tell_after_commit(signals.agreement_created, agreement=agreement)
    if agreement.status == AgreementStatus.SIGNED:
        # Written as signed (agreed outside the product): no acceptance to show.
        agreement_signature_follows(agreement)
    return agreement


# Versions a new one may replace: a live draft or offer, or the signed terms.
REPLACEABLE = (AgreementStatus.DRAFT, AgreementStatus.SENT, AgreementStatus.SIGNED)


def waiting_version(agreement: Agreement) -> Agreement | None:
    """The new version of ``agreement`` that waits for the creator's acceptance, if any."""
    waiting = (AgreementStatus.DRAFT, AgreementStatus.SENT)
    return agreement.replaced_by.filter(status__in=waiting).order_by("-pk").first()


def version_changes(agreement: Agreement, version: Agreement) -> list[str]:
    """What ``version`` changes in ``agreement``'s terms, in the timeline's words ("Term: old → new")."""
    return [
        line
        for name in Agreement.CREATOR_TERM_FIELDS
        if (line := Agreement.term_change_line(name, getattr(agreement, name), getattr(version, name))) is not None
    ]


@transaction.atomic
def agreement_new_version(*, agreement: Agreement, actor=None, **changes) -> Agreement:
    """A new draft version of ``agreement`` (same partnership and period) with ``changes`` to the
    creator's terms, for the creator to accept again; checked by the same rules as any agreement.

    A signed version stays in force until the new one is accepted (then it is superseded); a draft
    or offer being replaced is superseded at once, so the creator cannot accept the old wording.
    One new version at a time: a second, while one waits for the creator, is refused.
    """
    require_editor(actor, agreement)
    _refuse_unknown_terms(changes)
    not_terms = sorted(set(changes) - set(Agreement.CREATOR_TERM_FIELDS) - {"notes"})
    if not_terms:
        raise ValidationError(
            {name: "A new version starts as a draft: set this once it is agreed." for name in not_terms}
        )
    locked(agreement)  # twenty identical requests: one new version, the others refused below
    if agreement.status not in REPLACEABLE:
        raise ValidationError(
            {"__all__": f"This version is {agreement.get_status_display().lower()}: change the current one."}
        )
    version = Agreement(
        partnership=agreement.partnership,
        renewal_of=agreement.renewal_of,
        replaces=agreement,
        created_by=actor,
        status=AgreementStatus.DRAFT,
        **{name: getattr(agreement, name) for name in Agreement.CREATOR_TERM_FIELDS},
        notes=agreement.notes,
    )
    for name, value in changes.items():
        setattr(version, name, value)
    lines = version_changes(agreement, version)
    if not lines:
        raise ValidationError({"__all__": "A new version needs at least one term to differ from this one."})
    agreement_rules_check(version)
    # Checked after the terms, so a refusal of the terms themselves says what is wrong with them.
    waiting = waiting_version(agreement)
    if waiting is not None:
        raise ValidationError(
            {"__all__": f"A new version (#{waiting.pk}) is already waiting for the creator: change that one."}
        )
    version._history_user = actor
    version._change_reason = f"New version of agreement #{agreement.pk}"
    version.save()
    if agreement.status != AgreementStatus.SIGNED:
        agreement.status = AgreementStatus.SUPERSEDED
        agreement._history_user = actor
        agreement._change_reason = f"Replaced by the new version #{version.pk}"
        agreement.save(update_fields=["status"])
    _note_agreement(
        version, actor, f"New version of the terms ({_period(version)}, draft)",
        "\n".join(lines) + "\nThe creator accepts it through their link; until then the terms in force stay.",
    )  # fmt: skip
    tell_after_commit(signals.agreement_created, agreement=version)
    return version

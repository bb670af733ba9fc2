"""Writes to agreements: written, renewed, their terms changed. Each is checked against the
agreement's rules, audited (history and timeline) and told to webhooks once committed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from partnerships import signals
from partnerships.guards import require_editor
from partnerships.models import Activity, ActivityKind, Agreement, AgreementStatus, Partnership
from partnerships.services._shared import tell_after_commit, timeline_note

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
    require_editor(actor, agreement)
    _refuse_unknown_terms(changes)
    before = {name: getattr(agreement, name) for name in changes}
    for name, value in changes.items():
        setattr(agreement, name, value)
    _checked(agreement)
    changed = {
        name: line
        for name in changes
        if (line := Agreement.term_change_line(name, before[name], getattr(agreement, name))) is not None
    }
    if not changed:
        return []
    lines = list(changed.values())
    agreement._history_user = actor
    agreement.save()
    control = any(name in CREATIVE_CONTROL_FIELDS for name in changed)
    _note_agreement(
        agreement,
        actor,
        "Creative-control terms changed" if control else "Agreement terms changed",
        "\n".join(lines),
    )
    tell_after_commit(signals.agreement_updated, agreement=agreement, changes=lines)
    return lines


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
    _checked(renewal)
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
    _checked(agreement)
    agreement._history_user = actor
    agreement.save()
    status = agreement.get_status_display().lower()
    _note_agreement(
        agreement, actor, f"Agreement written ({_period(agreement)}, {status})", agreement.creative_control.summary
    )
    tell_after_commit(signals.agreement_created, agreement=agreement)
    return agreement

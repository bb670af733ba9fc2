"""Personal data of creators: everything held about one (export), and erasing it on request.

Discovery data (accounts, what they wrote, their standing in communities) is shared by every
organization; partnership records (agreements, deliverables, notes, tasks) belong to the
organization that keeps them. An export therefore holds the shared part and the caller's own
organizations' records (an operator's: every organization's).

Erasure removes what identifies the person and what they wrote: account names and ids, profile
links, reach, the texts, titles and links of their posts and comments, the words their scores
quoted, the creator's name and bio. What remains is anonymous: that an account took part, when,
how often and with whom (so a community's figures and past measurements still add up), and the
organizations' own partnership records, which point at "Erased creator #N". Each account is
remembered by a fingerprint only (ErasedAccount): imports skip what it writes from then on, until
an operator re-approves it.

Their names were also copied along the way: into the organizations' notes, tasks and agreements
about them, stored brand measurements, the admin's log of changes, and (through ``creator_erased``,
which the API app listens to) webhook payloads and answers kept for idempotency keys. Each copy has
the names replaced by "Erased creator #N" in the same transaction (crm/redaction.py).
"""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from crm import tenancy
from crm.models import Organization
from crm.redaction import redact_column
from influencers.models import (
    Creator,
    ErasedAccount,
    ErasureRequest,
    ErasureStatus,
    Identity,
    Interaction,
    MemberScore,
    Membership,
    MemberTerm,
    account_fingerprint,
)
from insight.services import insight_forget
from partnerships import signals
from partnerships.models import (
    Activity,
    Agreement,
    BrandMeasurement,
    CreatorNote,
    Deliverable,
    Partnership,
    ReferralLink,
    Task,
)
from partnerships.models.outreach import ContactAddress, Direction, DoNotContact, Message

ERASED_HANDLE = "[erased]"


def can_erase(user) -> bool:
    """Erasing reaches every organization's records of a person, so operators erase (confirming a
    request, or on a request that reached them directly); no organization does it alone."""
    return bool(user and user.is_authenticated and user.is_superuser)


def organizations_that_may_request_erasure(user) -> set[int]:
    """Where ``user`` may pass a person's erasure request on: the organizations they own; a write
    API key's own organization (an agency's data-protection process runs through it). Managers
    and viewers ask an owner; read keys cannot."""
    if not user or not user.is_authenticated:
        return set()
    api_key = getattr(user, "api_key", None)  # the API's caller behind a key (api.authentication)
    if api_key is not None:
        return {api_key.organization_id} if api_key.can_write else set()
    return tenancy.owned_organization_ids(user)


# --- export ---------------------------------------------------------------------------------
def creator_personal_data(*, creator: Creator, organization_ids: set[int] | None) -> dict:
    """Everything held about ``creator``, as JSON-ready data (dates as ISO 8601 once encoded with
    DjangoJSONEncoder). ``organization_ids``: whose partnership records to include (None: all)."""
    identities = Identity.objects.filter(creator=creator)
    accounts = []
    for identity in identities.order_by("platform", "handle"):
        memberships = []
        for membership in Membership.objects.filter(identity=identity).select_related("community"):
            scores = MemberScore.objects.filter(membership=membership).order_by("run__started_at")
            memberships.append({
                "community": membership.community.key, "community_name": membership.community.name,
                "first_seen_at": membership.first_seen_at, "last_seen_at": membership.last_seen_at,
                "posts": membership.post_count, "replies": membership.reply_count,
                "reactions": membership.reaction_count, "is_moderator": membership.is_moderator,
                "rankings": list(scores.values(
                    "run__started_at", "rank", "score", "consistency", "embeddedness", "alignment", "reasons", "reach"
                )),
            })  # fmt: skip
        accounts.append({
            "platform": identity.platform, "account_id": identity.external_id, "handle": identity.handle,
            "display_name": identity.display_name, "profile_url": identity.profile_url, "reach": identity.reach,
            "reach_kind": identity.reach_kind, "is_bot": identity.is_bot, "first_stored_at": identity.created_at,
            "communities": memberships,
        })  # fmt: skip
    written = Interaction.objects.filter(author__in=identities).order_by("posted_at")
    partnerships = Partnership.objects.filter(creator=creator).select_related("brand__organization", "owner")
    if organization_ids is not None:
        partnerships = partnerships.filter(brand__organization__in=organization_ids)
    return {
        "exported_at": timezone.now(),
        "creator": {
            "id": creator.pk,
            "display_name": creator.display_name,
            "bio": creator.bio,
            "created_at": creator.created_at,
            "updated_at": creator.updated_at,
        },  # fmt: skip
        "accounts": accounts,
        "written": list(
            written.values(
                "community__platform",
                "community__external_id",
                "external_id",
                "kind",
                "posted_at",
                "edited_at",
                "title",
                "text",
                "url",
                "score",
                "is_removed",
            )
        ),  # fmt: skip
        "partnerships": [_partnership_record(partnership) for partnership in partnerships.order_by("pk")],
        # Notes and tasks about the person outside any partnership (before one began).
        "notes": list(
            _scoped(Activity.objects.filter(creator=creator, partnership=None), organization_ids)
            .values(
                "organization__name",
                "kind",
                "occurred_at",
                "summary",
                "body",
            )
            .order_by("occurred_at")
        ),
        "tasks": list(
            _scoped(Task.objects.filter(creator=creator, partnership=None), organization_ids)
            .values(
                "organization__name",
                "title",
                "notes",
                "due_on",
                "completed_at",
                "created_at",
            )
            .order_by("pk")
        ),
        # What each organization noted about the person (its own view: notes, not a fit, a suspected bot).
        "organization_notes": list(
            _scoped(CreatorNote.objects.filter(creator=creator), organization_ids)
            .values(
                "organization__name", "note", "not_a_fit", "suspected_bot", "bot_reason", "created_at", "updated_at"
            )
            .order_by("pk")
        ),  # fmt: skip
        "scope": "every organization"
        if organization_ids is None
        else "the shared discovery data and your organizations' own records; other organizations keep theirs",
    }


def _scoped(queryset, organization_ids):
    return queryset if organization_ids is None else queryset.filter(organization__in=organization_ids)


def _partnership_record(partnership: Partnership) -> dict:
    return {
        "organization": partnership.brand.organization.name, "brand": partnership.brand.name,
        "stage": partnership.stage, "started_on": partnership.started_on, "ended_on": partnership.ended_on,
        "close_reason": partnership.close_reason, "notes": partnership.notes,
        "owner": partnership.owner.get_username() if partnership.owner else None,
        "created_at": partnership.created_at,
        "agreements": list(Agreement.objects.filter(partnership=partnership).order_by("pk").values()),
        "deliverables": list(Deliverable.objects.filter(partnership=partnership).order_by("pk").values(
            "title", "kind", "status", "due_on", "published_at", "url", "community__name", "notes",
        )),
        "activities": list(Activity.objects.filter(partnership=partnership).order_by("occurred_at").values(
            "kind", "occurred_at", "summary", "body", "from_stage", "to_stage",
        )),
        "tasks": list(Task.objects.filter(partnership=partnership).order_by("pk").values(
            "title", "notes", "due_on", "completed_at", "created_at",
        )),
        "referral_links": list(ReferralLink.objects.filter(partnership=partnership).order_by("pk").values(
            "code", "destination_url", "created_at",
        )),
    }  # fmt: skip


# --- erasure --------------------------------------------------------------------------------
@transaction.atomic
def erasure_request_file(
    *, creator: Creator, organization: Organization, actor=None, requested_through: str = "", note: str = ""
) -> tuple[ErasureRequest, bool]:
    """File (once) an organization's request to erase ``creator``; an operator confirms it.

    Returns the request and whether it was filed now: the same request sent again, or twenty times
    at once, while one is open is that one (the open request is unique per creator and organization),
    and a note sent with it is added to that one's, not lost.
    """
    Organization.objects.select_for_update().get(pk=organization.pk)  # the same request at once takes turns
    existing = ErasureRequest.objects.filter(
        creator=creator, organization=organization, status=ErasureStatus.REQUESTED
    ).first()
    if existing is not None:
        if note.strip() and note.strip() not in existing.note:
            existing.note = "\n\n".join(text for text in (existing.note, note.strip()) if text)
            existing.save(update_fields=["note"])
        return existing, False
    request = ErasureRequest.objects.create(
        creator=creator, organization=organization, requested_by=actor, requested_through=requested_through[:200],
        note=note,
    )  # fmt: skip
    return request, True


@transaction.atomic
def erasure_request_confirm(*, request: ErasureRequest, actor) -> dict:
    """An operator confirms: the creator is erased, and every open request for them is closed."""
    if not can_erase(actor):
        raise PermissionDenied("Only an operator confirms an erasure.")
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureStatus.REQUESTED:
        raise ValidationError({"status": f"This request is {request.get_status_display().lower()} already."})
    return creator_erase(
        creator=request.creator, actor=actor,
        requested_through=f"{request.organization}, {request.requested_through}".strip(", "),
    )  # fmt: skip


@transaction.atomic
def erasure_request_decline(*, request: ErasureRequest, actor, reason: str) -> ErasureRequest:
    """An operator declines, saying why (the organization reads it): e.g. the person could not be
    told apart from another account, or asked for a different account."""
    if not can_erase(actor):
        raise PermissionDenied("Only an operator declines an erasure request.")
    if not reason.strip():
        raise ValidationError({"decision_note": "Say why the request is declined: the organization reads it."})
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureStatus.REQUESTED:
        raise ValidationError({"status": f"This request is {request.get_status_display().lower()} already."})
    request.status, request.decided_by, request.decided_at = ErasureStatus.DECLINED, actor, timezone.now()
    request.decision_note = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


@transaction.atomic
def creator_erase(*, creator: Creator, actor=None, requested_through: str = "") -> dict:
    """Erase what identifies ``creator`` and what they wrote (see the module's note); returns counts."""
    identities = list(Identity.objects.select_for_update().filter(creator=creator))
    names = {creator.display_name} | {
        value for identity in identities for value in (identity.handle, identity.display_name, identity.external_id)
    }
    names.discard(ERASED_HANDLE)
    # The addresses organizations wrote to them at appear in timeline lines ("Email to …").
    names |= set(ContactAddress.objects.filter(creator=creator).values_list("email", flat=True))
    names |= set(Message.objects.filter(creator=creator, direction=Direction.IN).values_list("from_address", flat=True))
    names.discard("")
    for identity in identities:
        if hasattr(identity, "erasure"):
            continue  # erased before (an account linked to two creators' requests): already anonymous
        erasure, _ = ErasedAccount.objects.update_or_create(
            platform=identity.platform,
            fingerprint=account_fingerprint(identity.platform, identity.external_id),
            defaults={
                "identity": identity,
                "erased_by": actor,
                "requested_through": requested_through[:200],
                "reapproved_at": None,
                "reapproved_by": None,
            },  # fmt: skip
        )
        identity.external_id = f"erased-{erasure.pk}"
        identity.handle = ERASED_HANDLE
        identity.display_name = identity.profile_url = identity.reach_kind = ""
        identity.reach = identity.reach_updated_at = None
        identity.is_deleted = True  # never ranks again, like any deleted account
        identity.save()
    texts = Interaction.objects.filter(author__in=identities).exclude(title="", text="", url="")
    written = list(texts.values_list("pk", "community_id", "external_id", "kind"))
    texts_erased = texts.update(title="", text="", url="")
    # Community insight quotes members: their sentences and thread titles leave it too.
    insight_forget(
        community_ids={community for _, community, _, _ in written},
        interaction_ids={pk for pk, _, _, _ in written},
        thread_ids={external_id for _, _, external_id, kind in written if kind == "post"},
    )
    scores = MemberScore.objects.filter(membership__identity__in=identities).exclude(reasons=[], details={})
    scores_cleared = scores.update(reasons=[], details={})
    # Their words as Discover searches them ("talks about") go too, not at the next ranking.
    MemberTerm.objects.filter(membership__identity__in=identities).delete()
    creator.display_name = f"Erased creator #{creator.pk}"
    creator.bio = ""
    creator.save(update_fields=["display_name", "bio", "updated_at"])
    _redact_copies(creator, names)
    # Organizations' notes about the person are about them and nothing else: they go, with their history.
    CreatorNote.objects.filter(creator=creator).delete()
    CreatorNote.history.filter(creator_id=creator.pk).delete()
    # Outreach: every organization's address for them and their own words in replies go. A
    # do-not-contact mark stays: it protects them, and says nothing but "do not write".
    ContactAddress.objects.filter(creator=creator).delete()
    Message.objects.filter(creator=creator, direction=Direction.IN).update(
        subject="", body="", from_address="", from_name="", message_id="", in_reply_to="", references=""
    )
    Message.objects.filter(creator=creator, direction=Direction.OUT).update(to_address="")
    DoNotContact.objects.filter(creator=creator).update(note="")
    # Every organization's open request for this person is answered by it.
    ErasureRequest.objects.filter(creator=creator, status=ErasureStatus.REQUESTED).update(
        status=ErasureStatus.ERASED, decided_by=actor, decided_at=timezone.now()
    )
    return {"creator": creator.pk, "accounts_erased": len(identities), "texts_erased": texts_erased,
            "rankings_cleared": scores_cleared}  # fmt: skip


def _redact_copies(creator: Creator, names: set[str]) -> None:
    """Replace the creator's names in every copy kept outside the erased records themselves."""
    replacement = creator.display_name
    partnerships = Partnership.objects.filter(creator=creator)
    copies = [
        (partnerships, ("notes", "close_reason")),
        (Activity.objects.filter(creator=creator), ("summary", "body")),
        (Activity.objects.filter(partnership__in=partnerships), ("summary", "body")),
        (Task.objects.filter(creator=creator), ("title", "notes")),
        (Task.objects.filter(partnership__in=partnerships), ("title", "notes")),
        (Agreement.objects.filter(partnership__in=partnerships), ("notes",)),
        (Agreement.history.filter(partnership__in=partnerships), ("notes",)),
        (Deliverable.objects.filter(partnership__in=partnerships), ("title", "notes")),
        (BrandMeasurement.objects.all(), ("document",)),
        # What was written to them ("Hi Anna"), and where their replies were matched by name.
        (Message.objects.filter(creator=creator), ("subject", "body", "from_name")),
        (Message.objects.filter(partnership__in=partnerships), ("subject", "body", "from_name")),
        (ErasureRequest.objects.filter(creator=creator), ("note", "requested_through")),
        # "Recent actions" and each object's history page show the name the object had then.
        (LogEntry.objects.all(), ("object_repr", "change_message")),
    ]
    for queryset, fields in copies:
        for field in fields:
            redact_column(queryset, field, names, replacement)
    signals.creator_erased.send(sender=Creator, creator=creator, names=names, replacement=replacement)


def erased_account_reapprove(*, account: ErasedAccount, actor=None) -> ErasedAccount:
    """Let imports bring the account in again (as a new, ordinary account: what was erased stays erased)."""
    account.reapproved_at = timezone.now()
    account.reapproved_by = actor
    account.save(update_fields=["reapproved_at", "reapproved_by"])
    return account

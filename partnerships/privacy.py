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
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm import tenancy
from influencers.models import (
    Creator,
    ErasedAccount,
    Identity,
    Interaction,
    MemberScore,
    Membership,
    account_fingerprint,
)
from insight.services import insight_forget
from partnerships.models import Activity, Agreement, Deliverable, Partnership, ReferralLink, Task

ERASED_HANDLE = "[erased]"


def can_erase(user) -> bool:
    """Erasing reaches every organization's view of a person: operators, organization owners and
    write API keys (an agency's data-protection process) may; managers and viewers may not."""
    from api.authentication import ApiKeyPrincipal

    if not user or not user.is_authenticated:
        return False
    if isinstance(user, ApiKeyPrincipal):
        return user.api_key.can_write
    return user.is_superuser or bool(tenancy.owned_organization_ids(user))


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
def creator_erase(*, creator: Creator, actor=None, requested_through: str = "") -> dict:
    """Erase what identifies ``creator`` and what they wrote (see the module's note); returns counts."""
    identities = list(Identity.objects.select_for_update().filter(creator=creator))
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
    creator.display_name = f"Erased creator #{creator.pk}"
    creator.bio = ""
    creator.save(update_fields=["display_name", "bio", "updated_at"])
    return {"creator": creator.pk, "accounts_erased": len(identities), "texts_erased": texts_erased,
            "rankings_cleared": scores_cleared}  # fmt: skip


def erased_account_reapprove(*, account: ErasedAccount, actor=None) -> ErasedAccount:
    """Let imports bring the account in again (as a new, ordinary account: what was erased stays erased)."""
    account.reapproved_at = timezone.now()
    account.reapproved_by = actor
    account.save(update_fields=["reapproved_at", "reapproved_by"])
    return account

"""What the creator's page and the manager's link panel show, read in a fixed number of queries.

The creator's page reads only through the link's partnership: another partnership of the same
creator, the brand's internal notes (agreement, partnership, creator notes) and anything of other
organizations are never read, so they cannot be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from partnerships.creator_portal.acceptance import proposal_lines
from partnerships.creator_portal.terms import TERM_NAMES, Term, agreement_terms, terms_sha256
from partnerships.disclosure_reddit import is_reddit_link
from partnerships.models import (
    Agreement,
    AgreementStatus,
    CounterProposal,
    CreatorLink,
    Deliverable,
    DeliverableStatus,
    Payment,
    ReferralEventKind,
    ReferralLink,
)
from partnerships.selectors import agreement_in_force

# The terms a creator may propose a change to, as the form offers them.
PROPOSABLE_TERMS = [(name, TERM_NAMES.get(name, name)) for name in Agreement.CREATOR_TERM_FIELDS]


@dataclass
class ShownAgreement:
    agreement: Agreement
    terms: list[Term]
    sha256: str


@dataclass
class PortalPage:
    link: CreatorLink
    brand_name: str
    creator_name: str
    offer: ShownAgreement | None  # a version waiting for the creator's acceptance
    in_force: ShownAgreement | None  # the signed terms that apply
    proposals: list[CounterProposal]
    deliverables: list[Deliverable]
    referral_links: list[ReferralLink]
    payments: list[Payment]
    owed: dict = field(default_factory=dict)  # currency → amount not yet paid (cancelled ones left out)


def _shown(agreement: Agreement | None) -> ShownAgreement | None:
    return None if agreement is None else ShownAgreement(agreement, agreement_terms(agreement), terms_sha256(agreement))


def portal_page(*, link: CreatorLink) -> PortalPage:
    """Everything on the creator's page, for ``link``'s partnership only (six queries)."""
    partnership = link.partnership
    agreements = list(Agreement.objects.filter(partnership=partnership).order_by("-starts_on", "-pk"))
    in_force = agreement_in_force(agreements, timezone.localdate())
    if in_force is not None and in_force.status != AgreementStatus.SIGNED:
        in_force = None  # a draft is an offer, not terms in force
    waiting = [a for a in agreements if a.status in (AgreementStatus.DRAFT, AgreementStatus.SENT)]
    offer = max(waiting, key=lambda a: (a.starts_on, a.pk)) if waiting else None
    proposals = list(
        CounterProposal.objects.filter(agreement__partnership=partnership)
        .select_related("agreement")
        .order_by("-proposed_at")[:20]
    )
    for proposal in proposals:
        proposal.lines = proposal_lines(proposal)
    deliverables = list(
        Deliverable.objects.filter(partnership=partnership)
        .exclude(status=DeliverableStatus.CANCELLED)
        .select_related("community", "agreement")
        .order_by("due_on", "pk")
    )
    for deliverable in deliverables:
        # A Reddit post is read for its disclosure; a piece elsewhere asks the creator's tick.
        deliverable.is_reddit = is_reddit_link(deliverable.url)
    links = list(
        ReferralLink.objects.filter(partnership=partnership)
        .annotate(
            clicks=Count("events", filter=Q(events__kind=ReferralEventKind.CLICK)),
            signups=Count("events", filter=Q(events__kind=ReferralEventKind.SIGNUP)),
            sales=Count("events", filter=Q(events__kind=ReferralEventKind.SALE)),
        )
        .order_by("code")
    )
    payments = list(Payment.objects.filter(agreement__partnership=partnership).order_by("due_on", "pk"))
    owed: dict[str, object] = {}
    for payment in payments:
        if payment.status in ("due", "approved"):
            owed[payment.currency] = owed.get(payment.currency, 0) + payment.amount
    return PortalPage(
        link=link, brand_name=partnership.brand.name, creator_name=partnership.creator.display_name,
        offer=_shown(offer), in_force=_shown(in_force), proposals=proposals, deliverables=deliverables,
        referral_links=links, payments=payments, owed=owed,
    )  # fmt: skip


@dataclass
class LinkPanel:
    """The manager's view of the creator's link and of what the creator proposed."""

    link: CreatorLink | None
    uses: list
    proposals: list[CounterProposal]


def creator_link_panel(*, partnership) -> LinkPanel:
    """The partnership's live link (or the last one), its latest uses, and the open proposals with
    each term old → new (three queries)."""
    link = CreatorLink.objects.filter(partnership=partnership).select_related("revoked_by", "created_by").first()
    uses = list(link.uses.order_by("-at")[:20]) if link is not None else []
    proposals = list(
        CounterProposal.objects.filter(agreement__partnership=partnership, status=CounterProposal.Status.OPEN)
        .select_related("agreement")
        .order_by("proposed_at")
    )
    for proposal in proposals:
        proposal.lines = proposal_lines(proposal)
    return LinkPanel(link=link, uses=uses, proposals=proposals)

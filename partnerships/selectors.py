"""Reads of partnership data for the pages, each in a fixed number of queries however much it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from crm import tenancy
from influencers.models import Community, MemberScore, RankingStatus
from partnerships.measurement import in_words
from partnerships.models import (
    END_STAGES,
    PIPELINE_ORDER,
    Activity,
    Agreement,
    AgreementStatus,
    CreativeControl,
    Deliverable,
    Partnership,
    ReferralEventKind,
    ReferralLink,
    Stage,
    Task,
    creative_control_of,
)  # fmt: skip

BOARD_STAGES = [*PIPELINE_ORDER, *END_STAGES]


@dataclass
class NextTask:
    title: str
    due_on: date | None


@dataclass
class Card:
    """What a board card shows, as plain values: 2,000 of them are built per page."""

    pk: int
    stage: str
    creator_id: int
    creator: str
    brand: str
    owner: str = ""
    community_id: int | None = None  # the community it concerns first
    community: str = ""
    rank: int | None = None
    ranked_members: int | None = None
    score: float | None = None
    trend: float | None = None  # score now minus score in the run before
    next_task: NextTask | None = None
    editorial_control: bool | None = None  # None: no agreement in force
    review_rights: str = ""

    @property
    def overdue(self) -> bool:
        return bool(self.next_task and self.next_task.due_on and self.next_task.due_on < timezone.localdate())

    @property
    def trend_direction(self) -> str | None:
        """Whether the creator's score rose, fell or held since the run before (None: one run only)."""
        if self.trend is None:
            return None
        if self.trend > 0.005:
            return "up"
        return "down" if self.trend < -0.005 else "flat"

    @property
    def control(self) -> CreativeControl:
        """The creative-control badge: who decides what is published."""
        return creative_control_of(editorial_control=self.editorial_control, review_rights=self.review_rights)


@dataclass
class Column:
    stage: str
    label: str
    cards: list[Card] = field(default_factory=list)
    cards_html: str = ""  # filled by the view (partnerships.board_html)

    @property
    def count(self) -> int:
        return len(self.cards)


def agreement_in_force(agreements, today: date) -> Agreement | None:
    """The agreement whose terms apply now: a signed one covering today; else the latest signed one;
    else the latest one neither cancelled nor replaced by a newer version (a draft being
    negotiated). A renewal drafted for next year does not replace the terms that apply today."""
    live = [a for a in agreements if a.status not in (AgreementStatus.CANCELLED, AgreementStatus.SUPERSEDED)]
    newest_first = sorted(live, key=lambda a: (a.starts_on, a.pk), reverse=True)
    signed = [a for a in newest_first if a.status == AgreementStatus.SIGNED]
    for agreement in signed:
        if agreement.starts_on <= today and (agreement.ends_on is None or today <= agreement.ends_on):
            return agreement
    if signed:
        return signed[0]
    return newest_first[0] if newest_first else None


def partnerships_visible_to(user) -> QuerySet[Partnership]:
    return tenancy.scope_to_user(Partnership.objects.all(), user)


def pipeline_board(
    *, user, brand_id: int | None = None, owner_id: int | None = None, community_id: int | None = None, search: str = ""
) -> list[Column]:
    """The pipeline board: a column per stage, cards with what a manager needs at a glance.

    Six queries whatever the number of cards (a test holds it to that).
    """
    partnerships = partnerships_visible_to(user).order_by("-stage_changed_at", "-pk")
    if brand_id:
        partnerships = partnerships.filter(brand_id=brand_id)
    if owner_id:
        partnerships = partnerships.filter(owner_id=owner_id)
    if community_id:
        partnerships = partnerships.filter(communities__id=community_id)
    if search:
        partnerships = partnerships.filter(
            Q(creator__display_name__icontains=search) | Q(creator__identities__handle__icontains=search)
        ).distinct()
    cards = {}
    for pk, stage, creator_id, creator, brand, first, last, username in partnerships.values_list(
        "pk", "stage", "creator_id", "creator__display_name", "brand__name", "owner__first_name",
        "owner__last_name", "owner__username",
    ):  # fmt: skip
        owner = f"{first or ''} {last or ''}".strip() or (username or "")  # no owner: all three None
        cards[pk] = Card(pk, stage, creator_id, creator, brand, owner)
    ids = list(cards)

    # The community each partnership concerns first (alphabetically: stable from page to page),
    # named as every page names it (Community.label), built once per community.
    links = Partnership.communities.through.objects.filter(partnership_id__in=ids).order_by("community__name")
    labels: dict[int, str] = {}
    for partnership_id, community_id, name, platform, external_id in links.values_list(
        "partnership_id", "community_id", "community__name", "community__platform", "community__external_id"
    ):
        card = cards[partnership_id]
        if card.community_id is None:
            if community_id not in labels:
                labels[community_id] = Community(name=name, platform=platform, external_id=external_id).label
            card.community_id, card.community = community_id, labels[community_id]

    _attach_ranks(cards.values())

    open_tasks = Task.objects.filter(partnership_id__in=ids, completed_at__isnull=True).order_by("due_on", "pk")
    for partnership_id, title, due_on in open_tasks.values_list("partnership_id", "title", "due_on"):
        card = cards[partnership_id]
        if card.next_task is None:
            card.next_task = NextTask(title, due_on)

    # The agreement in force (see agreement_in_force) of each partnership.
    by_partnership: dict[int, list[Agreement]] = {}
    for agreement in Agreement.objects.filter(partnership_id__in=ids).only(
        "partnership_id", "status", "starts_on", "ends_on", "creator_keeps_editorial_control", "brand_review_rights"
    ):  # fmt: skip
        by_partnership.setdefault(agreement.partnership_id, []).append(agreement)
    today = timezone.localdate()
    for partnership_id, agreements in by_partnership.items():
        agreement = agreement_in_force(agreements, today)
        if agreement is not None:
            card = cards[partnership_id]
            card.editorial_control, card.review_rights = (
                agreement.creator_keeps_editorial_control, agreement.brand_review_rights,
            )  # fmt: skip

    columns = {stage: Column(stage, Stage(stage).label) for stage in BOARD_STAGES}
    for card in cards.values():
        columns[card.stage].cards.append(card)
    return list(columns.values())


def _attach_ranks(cards) -> None:
    """Current rank and trend of each card's creator in its community: one query for the two
    newest scores of every membership concerned."""
    wanted = {(card.creator_id, card.community_id): card for card in cards if card.community_id}
    if not wanted:
        return
    creator_ids = {creator for creator, _ in wanted}
    community_ids = {community for _, community in wanted}
    scores = (
        MemberScore.objects.filter(
            membership__identity__creator_id__in=creator_ids,
            membership__community_id__in=community_ids,
            run__status=RankingStatus.COMPLETED,
        )
        .annotate(
            creator_id=F("membership__identity__creator_id"),
            community_id=F("membership__community_id"),
            recent=Window(RowNumber(), partition_by=[F("membership_id")], order_by=F("run__window_end").desc()),
            ranked_members=F("run__ranked_members"),
        )
        .filter(recent__lte=2)
        .order_by("membership_id", "recent")
        .values("membership_id", "creator_id", "community_id", "rank", "score", "recent", "ranked_members")
    )
    by_membership: dict[int, dict[int, dict]] = {}
    for row in scores:
        by_membership.setdefault(row["membership_id"], {})[row["recent"]] = row
    for runs in by_membership.values():
        latest = runs.get(1)
        card = wanted.get((latest["creator_id"], latest["community_id"])) if latest else None
        if card is None or (card.rank is not None and card.rank <= latest["rank"]):
            continue  # a creator with several accounts in one community: their best-placed one
        card.rank, card.score, card.ranked_members = latest["rank"], latest["score"], latest["ranked_members"]
        card.trend = latest["score"] - runs[2]["score"] if 2 in runs else None


@dataclass
class TermChange:
    when: object
    who: object
    agreement: Agreement
    lines: list[str]
    creative_control: bool
    reason: str = ""  # why, when the history says (a signature through the creator's link, a new version)


@dataclass
class PartnershipPage:
    partnership: Partnership
    agreements: list[Agreement]
    current: Agreement | None
    term_changes: list[TermChange]
    deliverables: list
    tasks: list
    referral_links: list
    timeline: list
    renewals: int
    days_running: int | None
    waiting_version: Agreement | None = None  # a new version of the terms in force, not yet accepted


def _term_changes(agreements: list[Agreement]) -> list[TermChange]:
    """Every change to agreements' terms after they were written, from their history, newest first:
    who, when and old → new for each term."""
    by_id = {a.pk: a for a in agreements}
    history = Agreement.history.filter(id__in=list(by_id)).select_related("history_user").order_by("id", "history_date")
    changes, previous = [], {}
    for record in history:
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None:
            continue
        lines, control = [], False
        for name in Agreement.TERM_FIELDS:
            if (line := Agreement.term_change_line(name, getattr(before, name), getattr(record, name))) is not None:
                lines.append(line)
                control = control or name in Agreement.CREATIVE_CONTROL_FIELDS
        reason = record.history_change_reason or ""
        if lines or reason:
            changes.append(
                TermChange(record.history_date, record.history_user, by_id[record.id], lines, control, reason)
            )
    return sorted(changes, key=lambda change: change.when, reverse=True)


def partnership_page(*, user, pk: int) -> PartnershipPage:
    """Everything on a partnership's page, in a fixed number of queries. Raises
    Partnership.DoesNotExist outside the user's organizations."""
    partnership = (
        partnerships_visible_to(user)
        .select_related("brand__organization", "creator", "owner")
        .prefetch_related("communities", "creator__identities")
        .get(pk=pk)
    )
    agreements = list(
        Agreement.objects.filter(partnership=partnership)
        .select_related("created_by", "acceptance")
        .annotate(deliverable_count=Count("deliverables"))
        .order_by("-starts_on", "-pk")
    )
    current = agreement_in_force(agreements, timezone.localdate())
    links = ReferralLink.objects.filter(partnership=partnership).annotate(
        clicks=Count("events", filter=Q(events__kind=ReferralEventKind.CLICK)),
        signups=Count("events", filter=Q(events__kind=ReferralEventKind.SIGNUP)),
        sales=Count("events", filter=Q(events__kind=ReferralEventKind.SALE)),
    )
    started = partnership.started_on
    return PartnershipPage(
        partnership=partnership,
        agreements=agreements,
        current=current,
        term_changes=_term_changes(agreements),
        deliverables=list(
            Deliverable.objects.filter(partnership=partnership)
            .select_related("community", "agreement")
            .order_by("due_on", "pk")
        ),
        tasks=list(
            Task.objects.filter(partnership=partnership).select_related("assignee").order_by("completed_at", "due_on")
        ),
        referral_links=list(links.order_by("code")),
        timeline=list(
            Activity.objects.filter(partnership=partnership).select_related("actor").order_by("-occurred_at", "-pk")
        ),
        renewals=sum(1 for a in agreements if a.renewal_of_id),
        days_running=(timezone.localdate() - started).days if started else None,
        waiting_version=next(
            (
                a
                for a in agreements
                if current is not None
                and a.replaces_id == current.pk
                and a.status in (AgreementStatus.DRAFT, AgreementStatus.SENT)
            ),
            None,
        ),
    )


@dataclass
class TaskGroup:
    title: str
    tasks: list = field(default_factory=list)


def my_tasks(*, user) -> list[TaskGroup]:
    """The open follow-ups assigned to ``user`` in their organizations: overdue first, then due
    today, this week, later, and without a date. One query."""
    today = timezone.localdate()
    groups = {key: TaskGroup(title) for key, title in (
        ("overdue", "Overdue"), ("today", "Due today"), ("week", "Due in the next 7 days"), ("later", "Later"),
        ("undated", "No due date"),
    )}  # fmt: skip
    tasks = (
        tenancy.scope_to_user(Task.objects.all(), user)
        .filter(assignee=user, completed_at__isnull=True)
        .select_related("partnership__brand", "partnership__creator", "creator")
        .order_by("due_on", "pk")
    )
    for task in tasks:
        if task.due_on is None:
            key = "undated"
        elif task.due_on < today:
            key = "overdue"
        elif task.due_on == today:
            key = "today"
        elif (task.due_on - today).days <= 7:
            key = "week"
        else:
            key = "later"
        groups[key].tasks.append(task)
    return list(groups.values())


# --- the brand page's words -------------------------------------------------------------------
def communities_by_key(*, keys) -> dict[str, Community]:
    """The communities a measurement document names by key (``reddit:fountainpens``), so a page can
    say them as ``Community.label`` and link them. One query; unknown keys are left out."""
    wanted = Q(pk__in=[])
    for key in set(keys):
        platform, _, external_id = key.partition(":")
        wanted |= Q(platform=platform, external_id=external_id)
    return {community.key: community for community in Community.objects.filter(wanted)}


@dataclass
class ChangeSaid:
    """One before/after comparison of a brand's partnership, said in sentences; ``change`` keeps the
    figures (ratios and their intervals) for the details."""

    creator: str
    event: str
    at: str
    community: Community | None
    community_key: str
    change: dict
    mentions: str
    recommendations: str
    tone: str


def before_after_said(*, partnerships: list, communities: dict[str, Community]) -> list[ChangeSaid]:
    """Each partnership's before/after comparisons (a brand measurement's rows) as sentences."""
    said = []
    for partnership in partnerships:
        for change in partnership.changes:
            when = "after"  # the row names the event: "after as before", "12 before, 25 after"
            said.append(
                ChangeSaid(
                    creator=partnership.creator, event=change.get("event", ""), at=(change.get("at") or "")[:10],
                    community=communities.get(change.get("community", "")), community_key=change.get("community", ""),
                    change=change,
                    mentions=in_words.count_change_said(change.get("mentions"), what="mentions", when=when),
                    recommendations=in_words.count_change_said(
                        change.get("organic_recommendations"), what="organic recommendations", when=when
                    ),
                    tone=in_words.tone_change_said(change.get("sentiment_in_absence"), when=when),
                )
            )  # fmt: skip
    return said

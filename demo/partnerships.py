"""The demo's CRM: two organizations, their people, brands, and partnerships in every stage."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from crm.models import Organization, OrganizationMember, Role
from influencers.models import Community, Creator, Identity
from partnerships.models import (
    PIPELINE_ORDER,
    Activity,
    ActivityKind,
    Agreement,
    AgreementStatus,
    Brand,
    CommunityStance,
    CompensationType,
    Deliverable,
    DeliverableStatus,
    DisclosureState,
    FeeSchedule,
    ObservationNote,
    Partnership,
    ReadinessCheck,
    ReadinessItem,
    ReferralEvent,
    ReferralEventKind,
    ReferralLink,
    ReviewRights,
    Stage,
    Task,
    UsageRights,
)
from partnerships.referrals import referral_click_record

ORGANIZATIONS = [
    ("demo-brand", "Demo Brand Team", True),
    ("demo-agency", "Demo Community Agency", True),
]
# username, organization slug, role. Only "demo" can log in (its password is printed by make demo).
PEOPLE = [
    ("demo", "demo-brand", Role.MANAGER, "Dana", "Demo"),
    ("alex.owner", "demo-brand", Role.OWNER, "Alex", "Okafor"),
    ("vic.viewer", "demo-brand", Role.VIEWER, "Vic", "Varga"),
    ("sam.agency", "demo-agency", Role.MANAGER, "Sam", "Sato"),
]
BRANDS = [
    # org, slug, name, aliases, products, website, community external id, stance
    (
        "demo-brand",
        "inkwell-nib",
        "Inkwell & Nib",
        ["Inkwell", "Inkwell and Nib", "I&N"],
        ["Midnight Sheen ink", "Scribe EF"],
        "https://inkwell-nib.example",
        "fountainpens",
        "partnered",
    ),
    (
        "demo-brand",
        "crumb-co",
        "Crumb & Co.",
        ["Crumb Co", "Crumb flour"],
        ["Crumb Rye", "Crumb Strong White"],
        "https://crumb-co.example",
        "704112345678901234",
        "contributing",
    ),
    (
        "demo-agency",
        "ridgeline-gear",
        "Ridgeline Gear",
        ["Ridgeline"],
        ["Ridgeline Vest 8L", "Ridgeline Trail 2"],
        "https://ridgeline-gear.example",
        "T03TRAILRUN",
        "observing",
    ),
    (
        "demo-agency",
        "hopsmith",
        "Hopsmith",
        ["Hopsmith kits"],
        ["Hopsmith Starter Kit"],
        "https://hopsmith.example",
        "https://forum.homebrewers.example",
        "partnered",
    ),
]


@dataclass(frozen=True)
class PlannedPartnership:
    brand: str
    community: str
    handle: str
    creator_name: str
    stage: str
    owner: str


PENS, BREAD, TRAILS, BREW = "fountainpens", "704112345678901234", "T03TRAILRUN", "https://forum.homebrewers.example"
PLANNED = [
    PlannedPartnership("inkwell-nib", PENS, "nibmeister", "Noah Meister", Stage.DISCOVERED, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "sheen_queen", "Sheena Quinn", Stage.OBSERVING, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "vintage_vac", "Victor Vaccaro", Stage.ENGAGING, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "paper_trail_pat", "Pat Trail", Stage.OUTREACH, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "ef_enthusiast", "Efe Osei", Stage.NEGOTIATING, "alex.owner"),
    PlannedPartnership("inkwell-nib", PENS, "inky_fingers", "Ivy Lambert", Stage.ACTIVE, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "blotter_bill", "Bill Blott", Stage.RENEWAL, "demo"),
    PlannedPartnership("inkwell-nib", PENS, "converter_carla", "Carla Conti", Stage.ENDED, "alex.owner"),
    PlannedPartnership("inkwell-nib", PENS, "sailor_sam", "Sam Seaborne", Stage.DECLINED, "demo"),
    PlannedPartnership("crumb-co", BREAD, "CrumbShotCarl", "Carl Brotman", Stage.OBSERVING, "demo"),
    PlannedPartnership("crumb-co", BREAD, "HydroHannah", "Hannah Hyde", Stage.ACTIVE, "demo"),
    PlannedPartnership("crumb-co", BREAD, "BannetonBen", "Ben Bannister", Stage.OUTREACH, "alex.owner"),
    PlannedPartnership("crumb-co", BREAD, "LevainLena", "Ivy Lambert", Stage.DISCOVERED, "demo"),
    PlannedPartnership("ridgeline-gear", TRAILS, "maya.vert", "Maya Verhoeven", Stage.OBSERVING, "sam.agency"),
    PlannedPartnership("ridgeline-gear", TRAILS, "jonas.ultra", "Gus Moreau", Stage.ENGAGING, "sam.agency"),
    PlannedPartnership("ridgeline-gear", TRAILS, "priya.trails", "Priya Raman", Stage.NEGOTIATING, "sam.agency"),
    PlannedPartnership("hopsmith", BREW, "hopwise", "Hope Wiseman", Stage.ACTIVE, "sam.agency"),
    PlannedPartnership("hopsmith", BREW, "krausen_kate", "Kate Krause", Stage.RENEWAL, "sam.agency"),
    PlannedPartnership("hopsmith", BREW, "mashmaster", "Marco Mash", Stage.ENDED, "sam.agency"),
]

DECLINE_REASON = "Creator prefers to stay independent of brands in this community for now."
END_REASON = "Seasonal collaboration completed; both sides happy, revisit next year."


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _people(password: str) -> dict[str, object]:
    User = get_user_model()
    organizations = {}
    for slug, name, observe_first in ORGANIZATIONS:
        organizations[slug], _ = Organization.objects.get_or_create(
            slug=slug, defaults={"name": name, "require_observation_before_outreach": observe_first}
        )
    users = {}
    for username, org_slug, role, first, last in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": True,
                "email": f"{username}@{org_slug}.example",
            },
        )
        if created:
            if username == "demo":
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        OrganizationMember.objects.get_or_create(
            organization=organizations[org_slug], user=user, defaults={"role": role}
        )
        users[username] = user
    return {"organizations": organizations, "users": users}


def _history(partnership: Partnership, planned: PlannedPartnership, *, today: date, actor) -> None:
    """Backdated stage-change entries walking the pipeline up to the current stage."""
    if planned.stage in (Stage.ENDED, Stage.DECLINED):
        path_end = Stage.ACTIVE if planned.stage == Stage.ENDED else Stage.OUTREACH
    else:
        path_end = planned.stage
    path = PIPELINE_ORDER[: PIPELINE_ORDER.index(path_end) + 1]
    if planned.stage in (Stage.ENDED, Stage.DECLINED):
        path.append(planned.stage)
    start = today - timedelta(days=21 * len(path))
    previous = ""
    for step, stage in enumerate(path):
        when = _at(start + timedelta(days=21 * step), hour=9 + step % 7)
        summary = (
            "Added to the pipeline" if not previous else (f"Moved from {Stage(previous).label} to {Stage(stage).label}")
        )
        Activity.objects.create(
            organization=partnership.brand.organization,
            partnership=partnership,
            creator=partnership.creator,
            kind=ActivityKind.STAGE_CHANGE,
            actor=actor,
            occurred_at=when,
            summary=summary,
            from_stage=previous,
            to_stage=stage,
        )
        previous = stage
        partnership.stage_changed_at = when
        if stage == Stage.ACTIVE and partnership.started_on is None:
            partnership.started_on = when.date()
        if stage in (Stage.ENDED, Stage.DECLINED):
            partnership.ended_on = when.date()
    notes = [
        (ActivityKind.NOTE, "Consistently answers beginners' questions; never pushes products."),
        (ActivityKind.MESSAGE, "Sent a friendly hello after their guide; no pitch."),
        (ActivityKind.CALL, "Intro call: they want to keep full say over what they post."),
    ]
    for offset, (kind, summary) in enumerate(notes[: max(1, len(path) - 2)]):
        Activity.objects.create(
            organization=partnership.brand.organization,
            partnership=partnership,
            creator=partnership.creator,
            kind=kind,
            actor=actor,
            occurred_at=_at(start + timedelta(days=10 + 21 * offset), hour=15),
            summary=summary,
        )
    partnership.save()


def _agreements(partnership: Partnership, *, today: date, actor, approval: bool) -> list[Agreement]:
    stage = partnership.stage
    if stage not in (Stage.NEGOTIATING, Stage.ACTIVE, Stage.RENEWAL, Stage.ENDED):
        return []
    terms = {
        "compensation_type": CompensationType.FEE_AND_AFFILIATE if not approval else CompensationType.FLAT_FEE,
        "compensation_amount": Decimal("400.00") if not approval else Decimal("1200.00"),
        "currency": "EUR",  # the brands report their sales in euros
        "fee_schedule": FeeSchedule.ON_PUBLICATION if approval else FeeSchedule.ON_SIGNATURE,
        "brief_goals": (
            "Show the community how the product holds up in everyday use, in your own words; "
            "answer members' questions about it as you already do."
        ),
        "brief_will_not_ask": (
            "No scripts or talking points, no posting schedule, no deleting or softening criticism, "
            "no asking members to buy."
        ),
        "disclosure_phrase": "Sponsored by",
        "affiliate_share_percent": Decimal("10.00") if not approval else None,
        "creator_keeps_editorial_control": not approval,
        "brand_review_rights": ReviewRights.APPROVAL if approval else ReviewRights.FACTUAL_CHECK,
        "disclosure_required": True,
        "disclosure_method": "“Sponsored by” in the first line and the platform's paid-partnership label",
        "usage_rights": UsageRights.ORGANIC_RESHARE,
        "usage_rights_days": 90,
        "created_by": actor,
    }
    started = partnership.started_on or today - timedelta(days=30)
    if stage == Stage.NEGOTIATING:
        return [
            Agreement.objects.create(
                partnership=partnership,
                status=AgreementStatus.SENT,
                starts_on=today + timedelta(days=14),
                ends_on=today + timedelta(days=194),
                **{**terms, "brand_review_rights": ReviewRights.NONE},
            )
        ]
    first = Agreement.objects.create(
        partnership=partnership,
        status=AgreementStatus.SIGNED,
        starts_on=started,
        ends_on=started + timedelta(days=180),
        signed_on=started - timedelta(days=3),
        **terms,
    )
    if stage != Stage.RENEWAL:
        return [first]
    renewal = Agreement.objects.create(
        partnership=partnership,
        renewal_of=first,
        status=AgreementStatus.DRAFT,
        starts_on=first.ends_on + timedelta(days=1),
        ends_on=first.ends_on + timedelta(days=366),
        notes="Renewal for a year; creator asked for no review at all this time.",
        **{
            **terms,
            "brand_review_rights": ReviewRights.NONE,
            "compensation_type": CompensationType.AFFILIATE_SHARE,
            "compensation_amount": None,
            "affiliate_share_percent": Decimal("12.50"),
        },
    )
    return [first, renewal]


def _deliverables(partnership, agreements, community, *, today: date) -> None:
    if not agreements or partnership.stage == Stage.NEGOTIATING:
        return
    agreement = agreements[0]
    start = agreement.starts_on
    plan = [
        ("Honest long-term review after three months", Deliverable.Kind.REVIEW, 20),
        ("Beginner's guide, written their own way", Deliverable.Kind.THREAD, 60),
        ("Live Q&A with the community", Deliverable.Kind.AMA, 120),
    ]
    for title, kind, offset in plan:
        due = start + timedelta(days=offset)
        # An ended collaboration published what it did before it ended; others up to today.
        published = offset < 100 if partnership.stage == Stage.ENDED else due < today
        Deliverable.objects.create(
            partnership=partnership,
            agreement=agreement,
            title=title,
            kind=kind,
            community=community,
            status=DeliverableStatus.PUBLISHED if published else DeliverableStatus.PLANNED,
            due_on=due,
            published_at=_at(due, 18) if published else None,
            url=f"{community.url.rstrip('/')}/demo-{partnership.pk}-{offset}" if published and community.url else "",
            # The demo's posts are not on Reddit to be read: they are recorded as read and disclosed.
            **(
                {
                    "disclosure_state": DisclosureState.FOUND,
                    "disclosure_evidence": "Sponsored by",
                    "disclosure_checked_at": _at(due, 19),
                }
                if published
                else {}
            ),  # fmt: skip
        )


def _tasks(partnership, *, today: date, assignee, creator_of_task) -> None:
    if partnership.stage in (Stage.ENDED, Stage.DECLINED):
        return
    plan = {
        Stage.DISCOVERED: ("Read their last 20 posts before deciding", 3),
        Stage.OBSERVING: ("Note how the community reacts to their guides", -2),
        Stage.ENGAGING: ("Reply to their weekly thread (as ourselves, no pitch)", 1),
        Stage.OUTREACH: ("Follow up on intro message", -4),
        Stage.NEGOTIATING: ("Answer their question about usage rights", 0),
        Stage.ACTIVE: ("Check in: anything they need for the next post?", 6),
        Stage.RENEWAL: ("Send renewal terms with no review clause", 2),
    }
    title, days = plan[partnership.stage]
    Task.objects.create(
        organization=partnership.brand.organization,
        partnership=partnership,
        creator=partnership.creator,
        title=title,
        assignee=assignee,
        due_on=today + timedelta(days=days),
        created_by=creator_of_task,
    )
    Task.objects.create(
        organization=partnership.brand.organization,
        partnership=partnership,
        creator=partnership.creator,
        title="Log first impressions in the notes",
        assignee=assignee,
        due_on=today - timedelta(days=20),
        completed_at=_at(today - timedelta(days=21), 16),
        created_by=creator_of_task,
    )


def load(
    *,
    communities: dict[str, Community],
    identities_by_community: dict[str, dict[str, Identity]],
    today: date,
    username: str,
    password: str,
) -> None:
    people = _people(password)
    organizations, users = people["organizations"], people["users"]
    brands = {}
    for org_slug, slug, name, aliases, products, website, community_id, stance in BRANDS:
        brand, _ = Brand.objects.get_or_create(
            organization=organizations[org_slug],
            slug=slug,
            defaults={"name": name, "aliases": aliases, "product_terms": products, "website": website},
        )
        CommunityStance.objects.get_or_create(
            brand=brand,
            community=communities[community_id],
            defaults={
                "stance": stance,
                "since": today - timedelta(days=120),
                "notes": "Started by lurking for a month; the weekly threads are the heart of it.",
            },
        )
        _observe(brand, communities[community_id], stance, today, users)
        brands[slug] = brand

    for index, planned in enumerate(PLANNED):
        identity = identities_by_community[planned.community][planned.handle]
        creator = identity.creator
        if creator is None:
            creator = Creator.objects.create(display_name=planned.creator_name)
            identity.creator = creator
            identity.save(update_fields=["creator"])
        brand = brands[planned.brand]
        partnership, created = Partnership.objects.get_or_create(
            brand=brand,
            creator=creator,
            defaults={
                "stage": planned.stage,
                "owner": users[planned.owner],
                "close_reason": DECLINE_REASON
                if planned.stage == Stage.DECLINED
                else (END_REASON if planned.stage == Stage.ENDED else ""),
            },
        )
        if not created:
            continue
        community = communities[planned.community]
        partnership.communities.add(community)
        owner = users[planned.owner]
        _history(partnership, planned, today=today, actor=owner)
        agreements = _agreements(partnership, today=today, actor=owner, approval=index == 16)
        _deliverables(partnership, agreements, community, today=today)
        _tasks(partnership, today=today, assignee=owner, creator_of_task=owner)
        if partnership.stage in (Stage.ACTIVE, Stage.RENEWAL):
            handle_slug = planned.handle.replace("_", "-").replace(".", "-").lower()
            link = ReferralLink.objects.create(
                partnership=partnership,
                code=f"{handle_slug}-{brand.slug}",
                destination_url=brand.website,
                label=f"{creator.display_name}'s link",
            )
            _referral_events(link, index=index, today=today)


def _referral_events(link: ReferralLink, *, index: int, today: date) -> None:
    """A few weeks of clicks (through the same service as /r/<code>), and the sign-ups and sales the
    brand reported, with its own order ids."""
    rng = random.Random(f"referrals:{index}")
    started = link.partnership.started_on or today - timedelta(days=30)
    days = max(1, (today - started).days)
    for visitor in range(rng.randint(40, 120)):
        moment = _at(started + timedelta(days=rng.randrange(days)), hour=rng.randint(7, 22))
        agent = f"Mozilla/5.0 demo visitor {visitor}"
        referral_click_record(link=link, address=f"198.51.100.{visitor % 250}", user_agent=agent, at=moment)
    for number in range(rng.randint(6, 14)):
        kind = ReferralEventKind.SALE if number % 3 == 0 else ReferralEventKind.SIGNUP
        sale = kind == ReferralEventKind.SALE
        ReferralEvent.objects.create(
            link=link, kind=kind, occurred_at=_at(started + timedelta(days=rng.randrange(days)), hour=12),
            external_id=f"demo-{link.code}-{number}",
            amount=Decimal(rng.choice(["18.00", "24.50", "32.00", "45.90"])) if sale else None,
            currency="EUR" if sale else "",
        )  # fmt: skip


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "brands": Brand.objects.count(),
        "partnerships": Partnership.objects.count(),
        "agreements": Agreement.objects.count(),
        "deliverables": Deliverable.objects.count(),
        "activities": Activity.objects.count(),
        "tasks": Task.objects.count(),
        "referral_links": ReferralLink.objects.count(),
        "referral_events": ReferralEvent.objects.count(),
    }


# What a brand's team noted while observing: brands that speak now went through the whole checklist
# before they did; the one still observing is half-way.
OBSERVATIONS = [
    (62, "Read the rules and the wiki. Links to shops are removed within the hour; the weekly threads are pinned."),
    (48, "Members answer beginners fast, and with photos. Nobody says 'content' or 'amazing deal'."),
    (33, "The same questions come back every week; a clear answer with pictures would be welcomed."),
    (9, "A member asked the moderators about brands: they want disclosure in every post, no exceptions."),
]


def _observe(brand, community, stance: str, today: date, users: dict) -> None:
    if ObservationNote.objects.filter(brand=brand, community=community).exists():
        return
    writer = users.get("demo")
    speaking = stance != "observing"
    for days_ago, text in OBSERVATIONS if speaking else OBSERVATIONS[2:]:
        days = days_ago + (120 if speaking else 0)
        note = ObservationNote.objects.create(
            brand=brand, community=community, text=text, written_by=writer, observed_on=today - timedelta(days=days)
        )
        # Written on the day it was seen (readiness counts from when the log was started).
        ObservationNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(days=days))
    items = ReadinessItem.values if speaking else ["rules", "vocabulary", "norms"]
    for item in items:
        ReadinessCheck.objects.get_or_create(
            brand=brand, community=community, item=item, defaults={"checked_by": writer}
        )

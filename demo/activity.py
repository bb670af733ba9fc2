"""Generate a community's conversation with real structure, for the demo data set.

Plain records, no ORM: who the members are (regulars who answer each other week after week, a
core who help newcomers, drive-by askers, promoters nobody answers, a bot, a celebrity whose
posts draw crowds but who never answers, deleted accounts) and what they said to whom, when.
Deterministic for a given seed, so loading twice produces the same external ids.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WEEKS = 26
# How much people write at each local hour: little at night, a lunchtime bump, busy evenings.
DAY_CURVE = [1.0, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.0, 2.0, 2.0, 2.2, 2.6, 2.3, 2.2, 2.3, 2.5, 3.0, 3.5, 4.0,
             4.2, 3.8, 3.0, 2.0]  # fmt: skip


@dataclass(frozen=True)
class CommunitySpec:
    platform: str
    external_id: str
    name: str
    url: str
    description: str
    topic_tags: list[str]
    norms_notes: str
    jargon: list[str]  # the community's own words
    things: list[str]  # what members ask about
    shop_url: str  # where its promoters send people
    handles: list[str]
    reach_kind: str = ""
    brand_talk: list[str] = field(default_factory=list)  # members speaking of the community's brand
    # What newcomers ask again and again, each theme in several phrasings (the insight page groups them).
    questions: list[list[str]] = field(default_factory=list)
    timezone: str = "UTC"  # where most members live: they write in its evenings, sleep in its nights
    elsewhere: tuple[int, float] = (0, 0.0)  # hours from it where some members live, and their share


@dataclass
class Member:
    handle: str
    role: str  # core, regular, driveby, promoter, bot, celebrity, deleted
    reach: int | None = None


@dataclass
class Message:
    external_id: str
    kind: str  # post, comment, reaction
    author: str
    posted_at: datetime
    thread_id: str
    parent_id: str = ""
    target: str = ""
    title: str = ""
    text: str = ""
    score: int = 0


@dataclass
class CommunityActivity:
    members: list[Member] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


QUESTION_OPENERS = [
    "Quick question about {thing}:",
    "Newbie here, need advice on {thing}.",
    "Has anyone compared options for {thing}?",
    "Struggling with {thing} this week.",
    "What would you recommend for {thing}?",
]
QUESTION_BODIES = [
    "I keep running into {j1} problems and I'm not sure if it's the {j2} or me.",
    "Budget is tight. Is {j1} worth it, or should I start with {j2}?",
    "Everything I read about {j1} contradicts itself. How do you handle {j2}?",
    "Tried {j1} twice now and got different results both times. Any tips?",
]
ASKING_BODIES = [
    "Any advice appreciated, thanks in advance.",
    "Sorry if this has been asked a hundred times.",
    "Photos in the comments if that helps.",
    "Still new to all of this, so be gentle.",
    "",
]
ANSWERS = [
    "Had the same issue. It was the {j1} for me; once I sorted the {j2} it went away.",
    "Start simple: get the {j1} right first, then worry about {j2}. Took me months to learn that.",
    "Don't overthink it. {j1} is forgiving, {j2} less so. Post a photo and we'll have a look.",
    "Seconding this. I wrote up my {j1} routine in the wiki last year, it covers {j2} too.",
    "Check the {j2} before anything else. Nine times out of ten that's what causes it with {j1}.",
    "I'd go the other way and try {j1} first. Happy to walk you through it in the weekly thread.",
]
FOLLOW_UPS = [
    "That fixed it, thank you! The {j1} was the culprit.",
    "Thanks, trying the {j1} approach tonight and will report back.",
    "Great tip about {j2}, hadn't thought of that.",
]
BANTER = [
    "Ha, the eternal {j1} debate. I'm team {j2} forever.",
    "This is why I love this place. Also +1 on the {j1} advice.",
    "Adding to this: {j2} changed everything for me once I had the {j1} dialed in.",
]
GUIDE_TITLES = [
    "Weekly {thing} thread: share what you're working on",
    "My notes after a year of {thing}",
    "A beginner's guide to {j1} and {j2}",
]
GUIDE_BODIES = [
    "Collected everything I learned about {j1} and {j2} over the year. Corrections welcome.",
    "Post your {j1} progress below. Bonus points for {j2} photos.",
]
PROMO = [
    "Check out my shop {url} — 20% off everything {thing} this week only!!",
    "Best {thing} deals online, link in bio: {url}",
    "I sell premium {thing} at {url}, DM me for a discount code.",
]
DRIVEBY_POSTS = [
    "First post! Just bought my first {thing}, thoughts?",
    "Is this the right place to ask about {thing}?",
]
CELEBRITY_POSTS = [
    "Tried {thing} for my channel today. What do you all think of it?",
    "Giving away three {thing} to celebrate 200k subscribers!",
]
BOT_TEXT = "Reminder: please read the community rules and search before posting. I am a bot."


def _fill(template: str, rng: random.Random, spec: CommunitySpec) -> str:
    j1, j2 = rng.sample(spec.jargon, 2)
    return template.format(thing=rng.choice(spec.things), j1=j1, j2=j2, url=spec.shop_url)


def _cast(spec: CommunitySpec, rng: random.Random) -> list[Member]:
    """Assign roles to the community's handles: a small core, regulars, and a long tail."""
    handles = list(spec.handles)
    members = []
    with_reach = spec.reach_kind != ""

    def reach(low, high):
        return rng.randint(low, high) if with_reach else None

    roles = [
        ("core", 5, (800, 12_000)),
        ("regular", 7, (200, 6_000)),
        ("promoter", 2, (50, 900)),
        ("bot", 1, (1, 10)),
        ("celebrity", 1, (180_000, 260_000)),
    ]
    for role, count, (low, high) in roles:
        for _ in range(count):
            members.append(Member(handles.pop(0), role, reach(low, high)))
    members.extend(Member(handle, "driveby", reach(1, 3_000)) for handle in handles)
    members.append(Member("[deleted]", "deleted"))
    return members


def generate(spec: CommunitySpec, *, end: datetime, seed: int = 7) -> CommunityActivity:
    """A half-year of weekly conversation ending at ``end``."""
    rng = random.Random(f"{seed}:{spec.platform}:{spec.external_id}")
    members = _cast(spec, rng)
    by_role: dict[str, list[Member]] = {}
    for member in members:
        by_role.setdefault(member.role, []).append(member)
    core, regulars = by_role["core"], by_role["regular"]
    drivebys, promoters = by_role["driveby"], by_role["promoter"]
    bot, celebrity = by_role["bot"][0], by_role["celebrity"][0]

    activity = CommunityActivity(members=members)
    counter = 0
    # Talk of the brand, drawn from its own generator so the rest of the conversation stays as it
    # was; it grows towards the end, as partnerships start.
    talk = random.Random(f"{seed}:talk:{spec.platform}:{spec.external_id}")

    # Newcomers' questions come from the community's own recurring themes, drawn from their own
    # generator too; some themes grow over the half-year, as real ones do.
    asking = random.Random(f"{seed}:questions:{spec.platform}:{spec.external_id}")

    def question(template_title: str, template_body: str, week: int) -> tuple[str, str]:
        if not spec.questions or asking.random() < 0.15:
            return template_title, template_body
        weights = [1 + (i % 3) * week / WEEKS for i in range(len(spec.questions))]
        return asking.choice(asking.choices(spec.questions, weights=weights)[0]), asking.choice(ASKING_BODIES)

    def with_talk(text: str, week: int) -> str:
        if spec.brand_talk and talk.random() < 0.03 + 0.12 * (week / WEEKS) ** 2:
            return f"{text} {talk.choice(spec.brand_talk)}"
        return text

    def emit(**fields) -> Message:
        nonlocal counter
        counter += 1
        message = Message(external_id=f"{spec.platform[:2]}{counter:06d}", **fields)
        activity.messages.append(message)
        return message

    # The hour of the day each thread starts, from its own generator (the rest stays as it was):
    # in the community's time zone, or a few hours off for members who live elsewhere.
    clock = random.Random(f"{seed}:clock:{spec.platform}:{spec.external_id}")
    zone = ZoneInfo(spec.timezone)
    shift, share = spec.elsewhere
    away = {m.handle: shift if clock.random() < share else 0 for m in members}

    start = end - timedelta(weeks=WEEKS)
    for week in range(WEEKS):
        week_start = start + timedelta(weeks=week)

        def moment(day_min=0.0, day_max=6.5, week_start=week_start, who: Member | None = None):
            day, minute = rng.uniform(day_min, day_max), rng.randint(0, 59)
            local_day = (week_start + timedelta(days=int(day))).astimezone(zone)
            midnight = local_day.replace(hour=0, minute=0, second=0, microsecond=0)
            hour = clock.choices(range(24), weights=DAY_CURVE)[0] - (away[who.handle] if who else 0)
            when = midnight + timedelta(hours=hour, minutes=minute)
            return min(when, end - timedelta(hours=12))  # nothing in the future of the data set

        def awake(when: datetime, who: Member) -> datetime:
            """A reply written at night is written in the morning instead (later, never earlier)."""
            local = when.astimezone(zone) + timedelta(hours=away[who.handle])
            if local.hour < 7:
                when += timedelta(hours=7 - local.hour + clock.randint(0, 3))
            return when

        threads = []
        # Newcomers' questions: the core and regulars answer them, the asker thanks them.
        askers = rng.sample(drivebys, k=min(len(drivebys), rng.randint(4, 7)))
        for asker in askers:
            title = _fill(rng.choice(QUESTION_OPENERS), rng, spec)
            threads.append((asker, *question(title, _fill(rng.choice(QUESTION_BODIES), rng, spec), week)))
        # Regulars and core members start guides and weekly threads of their own.
        for author in rng.sample(core + regulars, k=2):
            threads.append(
                (author, _fill(rng.choice(GUIDE_TITLES), rng, spec), _fill(rng.choice(GUIDE_BODIES), rng, spec))
            )
        # Some regulars skip weeks; only the core shows up nearly every week.
        present = [m for m in core if rng.random() < 0.9] + [m for m in regulars if rng.random() < 0.6]

        for author, title, body in threads:
            when = moment(0, 6, who=author)
            post = emit(
                kind="post",
                author=author.handle,
                posted_at=when,
                thread_id="",
                title=title,
                text=body,
                score=rng.randint(1, 40),
            )
            post.thread_id = post.external_id
            if rng.random() < 0.7:
                emit(
                    kind="comment",
                    author=bot.handle,
                    posted_at=when + timedelta(minutes=1),
                    thread_id=post.external_id,
                    parent_id=post.external_id,
                    target=author.handle,
                    text=BOT_TEXT,
                    score=1,
                )
            repliers = [m for m in present if m.handle != author.handle]
            for replier in rng.sample(repliers, k=min(len(repliers), rng.randint(1, 4))):
                when = awake(when + timedelta(minutes=rng.randint(10, 600)), replier)
                answer = emit(
                    kind="comment",
                    author=replier.handle,
                    posted_at=when,
                    thread_id=post.external_id,
                    parent_id=post.external_id,
                    target=author.handle,
                    text=with_talk(_fill(rng.choice(ANSWERS), rng, spec), week),
                    score=rng.randint(2, 60),
                )
                # Conversations go both ways: the asker or another regular answers back.
                if author.role != "driveby" or rng.random() < 0.6:
                    when = awake(when + timedelta(minutes=rng.randint(5, 300)), author)
                    template = FOLLOW_UPS if author.role == "driveby" else BANTER
                    emit(
                        kind="comment",
                        author=author.handle,
                        posted_at=when,
                        thread_id=post.external_id,
                        parent_id=answer.external_id,
                        target=replier.handle,
                        text=with_talk(_fill(rng.choice(template), rng, spec), week),
                        score=rng.randint(1, 20),
                    )
                if rng.random() < 0.35:
                    other = rng.choice([m for m in present if m.handle != replier.handle] or [author])
                    when = awake(when + timedelta(minutes=rng.randint(5, 300)), other)
                    emit(
                        kind="comment",
                        author=other.handle,
                        posted_at=when,
                        thread_id=post.external_id,
                        parent_id=answer.external_id,
                        target=replier.handle,
                        text=with_talk(_fill(rng.choice(BANTER), rng, spec), week),
                        score=rng.randint(1, 15),
                    )
                if spec.platform != "reddit" and rng.random() < 0.5:
                    fan = rng.choice(present + [author])
                    if fan.handle != replier.handle:
                        emit(
                            kind="reaction",
                            author=fan.handle,
                            posted_at=when + timedelta(minutes=3),
                            thread_id=post.external_id,
                            parent_id=answer.external_id,
                            target=replier.handle,
                            text="👍",
                        )
            # Promoters reply to everything; nobody answers them.
            for promoter in promoters:
                if rng.random() < 0.4:
                    emit(
                        kind="comment",
                        author=promoter.handle,
                        posted_at=when + timedelta(minutes=30),
                        thread_id=post.external_id,
                        parent_id=post.external_id,
                        target=author.handle,
                        text=_fill(rng.choice(PROMO), rng, spec),
                        score=rng.randint(-8, 0),
                    )

        # Once in a while a famous account drops in; crowds answer, it never answers back.
        if week % 9 == 4:
            when = moment(who=celebrity)
            post = emit(
                kind="post",
                author=celebrity.handle,
                posted_at=when,
                thread_id="",
                title=_fill(rng.choice(CELEBRITY_POSTS), rng, spec),
                text="",
                score=rng.randint(400, 2500),
            )
            post.thread_id = post.external_id
            for fan in rng.sample(drivebys, k=min(len(drivebys), 25)):
                emit(
                    kind="comment",
                    author=fan.handle,
                    posted_at=awake(when + timedelta(minutes=rng.randint(1, 900)), fan),
                    thread_id=post.external_id,
                    parent_id=post.external_id,
                    target=celebrity.handle,
                    text=rng.choice(["Love this!", "So cool", "Congrats!!", "Pick me!"]),
                    score=rng.randint(0, 30),
                )
        # Deleted accounts leave their old comments behind.
        if week % 5 == 2 and threads:
            emit(
                kind="comment",
                author="[deleted]",
                posted_at=moment(),
                thread_id=activity.messages[-1].thread_id,
                parent_id=activity.messages[-1].thread_id,
                text="[removed]",
            )
    return activity

"""Generate a synthetic subreddit with planted roles, as a Reddit dump (RS + RC lines), and its labels.

    python benchmarks/generate_community.py OUT_DIR [--members 600] [--weeks 52] [--seed 1] [--mix default]

Roles (what each one looks like in the data, not how the ranking scores it):
- embedded: present most weeks for the whole year, answer questions from many different members,
  answer back when answered, speak the community's jargon;
- regular: present in a third of the weeks, a few comments, answer back sometimes;
- lurker: a handful of comments in one to four weeks;
- celebrity: a few posts that draw floods of replies, never answers;
- spammer: replies to every thread with a link to their shop, answered by no one;
- broadcaster: a weekly on-topic post, never in a conversation;
- newcomer: very active and conversational for one or two weeks, then gone;
- ring: accounts that answer only each other, all year, pointing at one shop;
- bot: comments on every thread with a template (named like a person, so only behaviour gives it away);
- [deleted]: comments whose author is gone.
Writes RS_<name>.ndjson, RC_<name>.ndjson and labels_<name>.json ({handle: role}).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

JARGON = (
    "nib sheen shimmer converter feed tines swatch flex piston ebonite cartridge tipping baystate "
    "eyedropper sac burgundy iroshizuku diamine noodler pilot lamy sailor platinum vanishing "
    "demonstrator broad stub italic grind inkwell blotting rhodia tomoe loupe micromesh "
    "shading dry-time saturated sheening vintage restoration nibmeister"
).split()
GENERAL = (
    "the a i you it is was that this to and of for in on with have has just really think would "
    "could should about what when how which my your me we they them there here one some more very "
    "good great nice best better new old time day week year people thing things work works worked "
    "try tried use used looks look feel feels know want need like also much still only even"
).split()
QUESTION_OPENERS = ["Anyone know", "How do I", "Which", "Is it normal that", "What's the best", "Help:"]
SHOP = "https://inkdealz-outlet.example/shop"
RING_SHOP = "https://penpal-collective.example/store"


@dataclass
class Person:
    handle: str
    role: str
    active_weeks: set[int] = field(default_factory=set)
    jargon: float = 0.3
    answers_back: float = 0.0


def sentence(rng: random.Random, jargon_share: float, words: int) -> str:
    out = [rng.choice(JARGON) if rng.random() < jargon_share else rng.choice(GENERAL) for _ in range(words)]
    return " ".join(out).capitalize() + "."


def cast(rng: random.Random, members: int, weeks: int, mix: str) -> list[Person]:
    """Who is in the community. ``mix`` changes the proportions (held-out families of communities)."""
    share = {"embedded": 0.04, "regular": 0.16}
    traps = {"celebrity": 2, "spammer": 3, "broadcaster": 2, "newcomer": 4, "ring": 8, "bot": 1}
    if mix == "adversarial":  # more and bigger traps, fewer embedded members
        share = {"embedded": 0.03, "regular": 0.12}
        traps = {"celebrity": 4, "spammer": 8, "broadcaster": 4, "newcomer": 10, "ring": 14, "bot": 2}
    elif mix == "tight":  # a small, close-knit community: many regulars
        share = {"embedded": 0.06, "regular": 0.3}
    people: list[Person] = []
    counter = iter(range(10**6))

    stems = ["ink", "pen", "nib", "paper", "blue", "quill", "ward", "sam", "jo", "kit"]

    def handle(prefix: str) -> str:
        return f"{rng.choice(stems)}_{prefix}{next(counter)}"

    n_embedded = max(5, round(members * share["embedded"]))
    n_regular = round(members * share["regular"])
    n_traps = sum(traps.values())
    n_lurkers = max(0, members - n_embedded - n_regular - n_traps)
    for _ in range(n_embedded):
        missed = set(rng.sample(range(weeks), k=rng.randint(0, weeks // 7)))
        people.append(Person(handle("e"), "embedded", set(range(weeks)) - missed, rng.uniform(0.35, 0.5), 0.75))
    for _ in range(n_regular):
        active = set(rng.sample(range(weeks), k=rng.randint(weeks // 5, weeks // 2)))
        people.append(Person(handle("r"), "regular", active, rng.uniform(0.2, 0.4), 0.35))
    for _ in range(n_lurkers):
        active = set(rng.sample(range(weeks), k=rng.randint(1, 4)))
        people.append(Person(handle("l"), "lurker", active, rng.uniform(0.1, 0.3), 0.2))
    for _ in range(traps["celebrity"]):
        people.append(Person(handle("c"), "celebrity", set(rng.sample(range(weeks), k=3)), 0.3, 0.0))
    for _ in range(traps["spammer"]):
        people.append(Person(handle("s"), "spammer", set(range(weeks)), 0.1, 0.0))
    for _ in range(traps["broadcaster"]):
        people.append(Person(handle("b"), "broadcaster", set(range(weeks)), 0.5, 0.0))
    for _ in range(traps["newcomer"]):
        begin = rng.randrange(weeks - 2)
        people.append(Person(handle("n"), "newcomer", {begin, begin + 1}, 0.4, 0.8))
    for _ in range(traps["ring"]):
        people.append(Person(handle("g"), "ring", set(range(weeks)), 0.25, 0.9))
    for _ in range(traps["bot"]):
        people.append(Person(handle("h"), "bot", set(range(weeks)), 0.2, 0.0))
    return people


def generate(out_dir: Path, *, members: int = 600, weeks: int = 52, seed: int = 1, mix: str = "default") -> dict:
    rng = random.Random(seed)
    people = cast(rng, members, weeks, mix)
    by_role = defaultdict(list)
    for person in people:
        by_role[person.role].append(person)
    name = f"planted_{mix}_{members}_{seed}"
    subreddit = name
    start = 1_704_067_200  # 2024-01-01
    submissions, comments = [], []
    ids = iter(range(1, 10**9))

    def post(author: Person | str, week: int, title: str, body: str, url: str = "") -> dict:
        n = next(ids)
        created = start + week * 604_800 + rng.randint(0, 604_000)
        handle = author if isinstance(author, str) else author.handle
        thing = {"id": f"s{n:x}", "subreddit": subreddit, "author": handle, "created_utc": created,
                 "title": title, "selftext": body, "is_self": not url, "url": url or
                 f"https://www.reddit.com/r/{subreddit}/comments/s{n:x}/", "score": rng.randint(1, 50),
                 "permalink": f"/r/{subreddit}/comments/s{n:x}/x/", "edited": False}  # fmt: skip
        submissions.append(thing)
        return {"name": f"t3_s{n:x}", "author": handle, "link": f"t3_s{n:x}", "created": created, "week": week}

    def reply(author: Person | str, to: dict, body: str, delay: int | None = None) -> dict:
        n = next(ids)
        created = to["created"] + (delay if delay is not None else rng.randint(300, 3 * 86_400))
        handle = author if isinstance(author, str) else author.handle
        comments.append({"id": f"c{n:x}", "subreddit": subreddit, "author": handle, "created_utc": created,
                         "body": body, "parent_id": to["name"], "link_id": to["link"],
                         "score": rng.randint(-2, 30), "edited": False})  # fmt: skip
        week = min(weeks - 1, (created - start) // 604_800)
        return {"name": f"t1_c{n:x}", "author": handle, "link": to["link"], "created": created, "week": week}

    conversational = [p for p in people if p.role in ("embedded", "regular", "lurker", "newcomer")]
    person_of = {p.handle: p for p in people}

    def converse(thing: dict, person: Person, depth: int = 0) -> None:
        """``person`` answers ``thing``; its author may answer back, and so on."""
        answer = reply(person, thing, sentence(rng, person.jargon, rng.randint(8, 30)))
        author = person_of.get(thing["author"])
        if author and author.role != "ring" and depth < 4 and rng.random() < author.answers_back:
            if author.role in ("embedded", "regular", "newcomer", "lurker"):
                converse(answer, author, depth + 1)

    for week in range(weeks):
        active = [p for p in conversational if week in p.active_weeks]
        threads = []
        # Questions and discussions from the conversational members.
        for person in active:
            starts = {"embedded": 0.3, "regular": 0.25, "lurker": 0.5, "newcomer": 0.8}[person.role]
            if rng.random() < starts:
                title = f"{rng.choice(QUESTION_OPENERS)} {rng.choice(JARGON)} {rng.choice(GENERAL)}?"
                threads.append(post(person, week, title, sentence(rng, person.jargon, rng.randint(10, 40))))
        for person in by_role["broadcaster"]:
            threads.append(post(person, week, f"Weekly {rng.choice(JARGON)} {rng.choice(JARGON)} roundup",
                                sentence(rng, 0.5, 60)))  # fmt: skip
        for person in by_role["celebrity"]:
            if week in person.active_weeks:
                threads.append(post(person, week, f"My {rng.choice(JARGON)} collection", sentence(rng, 0.3, 20)))
        if not threads:
            continue
        # Conversation: each active member answers a few threads or comments of different people.
        for person in active:
            count = {"embedded": (3, 8), "regular": (1, 3), "lurker": (1, 1), "newcomer": (8, 15)}[person.role]
            for _ in range(rng.randint(*count)):
                thread = rng.choice(threads)
                if thread["author"] != person.handle:
                    converse(thread, person)
        # Floods of replies to celebrities, replies to broadcasters, that go unanswered (from members
        # active that week: the generator must not invent presence the labels do not describe).
        for thread in threads:
            author = person_of.get(thread["author"])
            if author and author.role == "celebrity":
                for fan in rng.sample(active, k=min(len(active), rng.randint(60, 150))):
                    reply(fan, thread, sentence(rng, fan.jargon, rng.randint(3, 12)))
            elif author and author.role == "broadcaster":
                for reader in rng.sample(active, k=min(len(active), rng.randint(2, 6))):
                    reply(reader, thread, sentence(rng, reader.jargon, rng.randint(5, 15)))
        # Spammers and the bot reply to threads; nobody answers them.
        for spammer in by_role["spammer"]:
            for thread in rng.sample(threads, k=min(len(threads), 10)):
                reply(spammer, thread, f"Great {rng.choice(JARGON)}! Best prices at {SHOP} use code INK20")
        for bot in by_role["bot"]:
            for thread in threads:
                reply(bot, thread, "Reminder: please flair your post and read the rules in the sidebar.", 60)
        # The ring answers only itself, all year, pointing at its shop.
        ring = by_role["ring"]
        for person in ring:
            own = post(person, week, f"{rng.choice(JARGON)} haul", f"{sentence(rng, 0.25, 15)} {RING_SHOP}")
            for other in rng.sample([p for p in ring if p is not person], k=min(len(ring) - 1, 4)):
                answer = reply(other, own, f"{sentence(rng, 0.25, 10)} Got mine at {RING_SHOP} too")
                reply(person, answer, sentence(rng, 0.25, 8))
        # Deleted accounts.
        for thread in rng.sample(threads, k=min(len(threads), 3)):
            reply("[deleted]", thread, "[deleted]")

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"RS": out_dir / f"RS_{name}.ndjson", "RC": out_dir / f"RC_{name}.ndjson"}
    for key, things in (("RS", submissions), ("RC", comments)):
        with files[key].open("w") as out:
            for thing in sorted(things, key=lambda t: t["created_utc"]):
                out.write(json.dumps(thing) + "\n")
    labels = {p.handle: p.role for p in people}
    (out_dir / f"labels_{name}.json").write_text(json.dumps(labels, indent=0))
    return {"community": f"reddit:{subreddit.lower()}", "files": [str(f) for f in files.values()], "labels": labels,
            "interactions": len(submissions) + len(comments)}  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--members", type=int, default=600)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=["default", "adversarial", "tight"], default="default")
    options = parser.parse_args(argv)
    made = generate(options.out_dir, members=options.members, weeks=options.weeks, seed=options.seed, mix=options.mix)
    print(f"{made['community']}: {made['interactions']:,} interactions -> {', '.join(made['files'])}")


if __name__ == "__main__":
    main()

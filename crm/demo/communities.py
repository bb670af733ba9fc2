"""The demo's four communities, one per platform, with their own vocabulary and people."""

from __future__ import annotations

import random

from crm.demo.activity import CommunitySpec

_ADJECTIVES = [
    "quiet",
    "lucky",
    "rusty",
    "sunny",
    "misty",
    "brave",
    "curious",
    "sleepy",
    "urban",
    "wild",
    "gentle",
    "clever",
    "late",
    "early",
    "happy",
    "salty",
    "north",
    "tiny",
]
_NOUNS = [
    "otter",
    "falcon",
    "maple",
    "river",
    "comet",
    "badger",
    "pine",
    "harbor",
    "fox",
    "lantern",
    "meadow",
    "pebble",
    "heron",
    "cedar",
    "willow",
    "sparrow",
    "canyon",
    "ember",
]


def _drive_by_handles(seed: str, count: int, style: str) -> list[str]:
    rng = random.Random(seed)
    handles: list[str] = []
    while len(handles) < count:
        adjective, noun, number = rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.randint(1, 999)
        handle = {
            "reddit": f"{adjective}_{noun}{number}",
            "discord": f"{adjective}{noun.capitalize()}",
            "slack": f"{adjective}.{noun}",
            "discourse": f"{adjective}{noun}{number}",
        }[style]
        if handle not in handles:
            handles.append(handle)
    return handles


# Core (5), regulars (7), promoters (2), bot (1), celebrity (1); drive-by handles are generated.
FOUNTAIN_PENS = CommunitySpec(
    platform="reddit",
    external_id="fountainpens",
    name="r/fountainpens",
    url="https://www.reddit.com/r/fountainpens/",
    description="Fountain pens, inks and paper: reviews, repairs, and help for beginners.",
    topic_tags=["stationery", "fountain pens", "ink"],
    norms_notes=(
        "No affiliate links or shop spam (rule 3); reviews must disclose free samples. Beginners are "
        "welcomed in the weekly Ask Anything thread. Photos of ink sheen do well."
    ),
    jargon=[
        "nib",
        "feed",
        "converter",
        "sheen",
        "shimmer ink",
        "EF nib",
        "Tomoe River paper",
        "piston filler",
        "hard starts",
        "nib smoothing",
        "ink window",
        "wet writer",
        "flex nib",
    ],
    things=[
        "a first fountain pen",
        "shimmer inks",
        "paper that doesn't feather",
        "nib tuning",
        "a daily carry pen",
        "cleaning an old piston filler",
    ],
    shop_url="https://cheap-pens-outlet.example/deals",
    handles=[
        "inky_fingers",
        "nibmeister",
        "sheen_queen",
        "vintage_vac",
        "paper_trail_pat",
        "ef_enthusiast",
        "blotter_bill",
        "converter_carla",
        "sailor_sam",
        "lamy_lou",
        "ink_swatch_ivy",
        "pelikan_pete",
        "pen_deals_4u",
        "bestinkshop",
        "AutoModerator",
        "TechReviewsMega",
    ]
    + _drive_by_handles("fountainpens", 55, "reddit"),
    reach_kind="karma",
    brand_talk=[
        "I'd recommend Inkwell for a first bottle, it flows well in everything I own.",
        "Inkwell Midnight Sheen is gorgeous on Tomoe River paper.",
        "My Inkwell bottle arrived cracked and support took two weeks to answer. Not impressed.",
        "Inkwell & Nib inks are fine but a bit pricey for what they are.",
        "Has anyone tried the Scribe EF from Inkwell? Looking at it for daily notes.",
        "Can't go wrong with Inkwell blue-black for work.",
        "The Inkwell sample set is a cheap way to find out what you like.",
        "I&N's new shimmer clogged my converter, had to flush it twice.",
    ],
)

SOURDOUGH = CommunitySpec(
    platform="discord",
    external_id="704112345678901234",
    name="Sourdough Society",
    url="https://discord.gg/sourdough-society",
    description="A Discord server for home bakers: starters, crumb shots, troubleshooting.",
    topic_tags=["baking", "sourdough", "bread"],
    norms_notes=(
        "Post crumb shots in #crumb-shots only. Self-promotion only in #show-and-sell on Fridays. "
        "Be kind to first loaves."
    ),
    jargon=[
        "levain",
        "starter",
        "autolyse",
        "bulk ferment",
        "crumb",
        "hydration",
        "banneton",
        "stretch and fold",
        "oven spring",
        "ear",
        "poke test",
        "discard",
    ],
    things=[
        "a sluggish starter",
        "high-hydration dough",
        "getting an ear",
        "a dense crumb",
        "rye flour",
        "overnight proofing",
    ],
    shop_url="https://bread-gadgets.example/shop",
    handles=[
        "LevainLena",
        "CrumbShotCarl",
        "HydroHannah",
        "BannetonBen",
        "StarterSteve",
        "AutolyseAmy",
        "sheen_queen",  # also on r/fountainpens: the admin suggests linking the two
        "RyeRoberto",
        "DiscardDana",
        "OvenSpringOli",
        "EarEnvy",
        "FoldFrankie",
        "BreadDealsBot",
        "SourdoughStore",
        "Carl-bot",
        "FamousBakerTV",
    ]
    + _drive_by_handles("sourdough", 50, "discord"),
    brand_talk=[
        "Crumb flour gives me a much more open crumb than the supermarket stuff.",
        "Try Crumb Rye if your starter is sluggish, it woke mine right up.",
        "Crumb Co shipping was slow this month and the bag was half crushed.",
        "Crumb Strong White is great for baguettes, hands down.",
        "Is Crumb Co worth the price difference? Honest answers please.",
        "Switched from Crumb flour back to my local mill, honestly can't taste a difference.",
    ],
)

TRAIL_RUNNERS = CommunitySpec(
    platform="slack",
    external_id="T03TRAILRUN",
    name="Trail Runners Collective",
    url="https://trailrunners-collective.slack.com",
    description="A Slack workspace for trail and ultra runners: races, training, gear, routes.",
    topic_tags=["running", "trail", "ultra"],
    norms_notes=(
        "Gear questions in #gear, race reports in #race-reports. Brands may post once a month in "
        "#sponsors and must answer questions there themselves."
    ),
    jargon=[
        "vert",
        "DNF",
        "fastpacking",
        "aid station",
        "taper",
        "tempo run",
        "zone 2",
        "drop bag",
        "technical descent",
        "rock plate",
        "stack height",
        "fueling plan",
    ],
    things=[
        "a first 50k",
        "shoes for muddy trails",
        "a fueling plan",
        "hill repeats",
        "night running",
        "a running vest",
    ],
    shop_url="https://discount-run-gear.example",
    handles=[
        "maya.vert",
        "jonas.ultra",
        "priya.trails",
        "leo.fastpack",
        "ruth.dnf",
        "sam.taper",
        "kai.zone2",
        "nora.dropbag",
        "eli.descent",
        "zoe.tempo",
        "ben.aid",
        "ava.vest",
        "gear.deals",
        "run.shop",
        "standup-bot",
        "kilian.famous",
    ]
    + _drive_by_handles("trailrunners", 45, "slack"),
    brand_talk=[
        "The Ridgeline Vest 8L bounced a lot on descents for me.",
        "Ridgeline is solid for the price, my vest survived two ultras.",
        "Anyone running in the Ridgeline Trail 2? Sizing question.",
        "Love my Ridgeline vest, the pockets fit a full soft flask.",
        "Ridgeline customer service replaced a torn strap for free, good experience.",
    ],
)

HOMEBREWERS = CommunitySpec(
    platform="discourse",
    external_id="https://forum.homebrewers.example",
    name="Homebrewers Forum",
    url="https://forum.homebrewers.example",
    description="A Discourse forum for home brewers: recipes, equipment, fermentation science.",
    topic_tags=["homebrewing", "beer", "fermentation"],
    norms_notes=(
        "Search before asking; recipes go in the Recipes category with full grain bill. Vendors "
        "need a Vendor badge to post offers."
    ),
    jargon=[
        "wort",
        "mash tun",
        "original gravity",
        "dry hopping",
        "krausen",
        "pitch rate",
        "yeast starter",
        "cold crash",
        "sparge",
        "IBU",
        "attenuation",
        "BIAB",
    ],
    things=[
        "a stuck fermentation",
        "a first all-grain batch",
        "hazy IPA recipes",
        "kegging",
        "water chemistry",
        "lager temperatures",
    ],
    shop_url="https://brew-bargains.example",
    handles=[
        "grainfather_gus",
        "hopwise",
        "krausen_kate",
        "mashmaster",
        "yeastie_boy",
        "biab_barb",
        "sparge_steve",
        "cold_crash_cody",
        "gravity_grace",
        "ibu_ian",
        "wort_walt",
        "lager_lin",
        "brewdeals",
        "hopshop_online",
        "system",
        "celebrity_brewer",
    ]
    + _drive_by_handles("homebrewers", 45, "discourse"),
    brand_talk=[
        "Started with the Hopsmith Starter Kit and it taught me a lot.",
        "Hopsmith kits are overpriced, you can buy the same gear separately for less.",
        "I'd recommend Hopsmith for a first batch, the instructions are clear.",
        "My Hopsmith fermenter lid never sealed properly, avoid the old version.",
        "Hopsmith's yeast was fresh and took off in six hours.",
        "Does the Hopsmith kit include a hydrometer?",
    ],
)

COMMUNITIES = [FOUNTAIN_PENS, SOURDOUGH, TRAIL_RUNNERS, HOMEBREWERS]


def identity_external_id(spec: CommunitySpec, handle: str) -> str:
    """A plausible platform account id for a demo handle (stable across runs)."""
    if spec.platform == "reddit":
        return handle.lower()
    if spec.platform == "discord":
        return str(100_000_000_000_000_000 + random.Random(handle).randint(0, 10**17))
    if spec.platform == "slack":
        return "U" + format(random.Random(handle).getrandbits(40), "010X")
    return f"{spec.external_id}/u/{handle}"


def profile_url(spec: CommunitySpec, handle: str) -> str:
    if spec.platform == "reddit":
        return f"https://www.reddit.com/user/{handle}/"
    if spec.platform == "discourse":
        return f"{spec.external_id}/u/{handle}"
    return ""

"""The demo's four communities, one per platform, with their own vocabulary and people."""

from __future__ import annotations

import random

from demo.activity import CommunitySpec

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
    timezone="America/New_York",
    elsewhere=(6, 0.3),
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
    questions=[
        [
            "Best first fountain pen under $30?",
            "Looking for my first fountain pen, what should I get?",
            "Starter pen recommendations for a student?",
            "First fountain pen: Lamy Safari or Pilot Metropolitan?",
        ],
        [
            "Which ink won't feather on cheap copy paper?",
            "My ink bleeds through office paper, any fix?",
            "Feathering on notebook paper, is it the ink or the paper?",
            "Ink that behaves on bad paper at work?",
        ],
        [
            "How do I fix a scratchy nib?",
            "New pen writes scratchy, can I smooth the nib myself?",
            "Nib feels like sandpaper, send it back or tune it?",
            "Is micromesh safe for smoothing a nib?",
        ],
        [
            "How do I clean a pen that sat with ink for a year?",
            "Best way to flush dried ink out of a piston filler?",
            "Is dish soap okay for cleaning fountain pens?",
            "Cleaning an old pen: ammonia solution or just water?",
        ],
        [
            "Are shimmer inks safe for my vintage pens?",
            "Shimmer ink clogged my pen, how do I get the particles out?",
            "Which pens can handle shimmer ink?",
            "Do shimmer inks ruin converters?",
        ],
        [
            "Why does my pen hard start every morning?",
            "Pen skips and hard starts after a day, what causes it?",
            "Hard starts with a new EF nib, ink or pen?",
            "How do I stop my pen drying out overnight?",
        ],
    ],
)

SOURDOUGH = CommunitySpec(
    timezone="Europe/London",
    elsewhere=(-5, 0.25),
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
    questions=[
        [
            "My starter isn't rising after a week, what am I doing wrong?",
            "Starter stopped doubling, is it dead?",
            "How often should I feed my starter when it's cold?",
            "Starter smells like nail polish remover, normal?",
        ],
        [
            "Why is my crumb so dense and gummy?",
            "Gummy crumb even after a long bake, underproofed?",
            "Tight crumb every time, how do I get an open crumb?",
            "Dense loaf with big holes at the top, what happened?",
        ],
        [
            "How do I shape without the dough sticking to everything?",
            "High hydration dough too sticky to shape, tips?",
            "Shaping a batard: my loaves spread flat, why?",
            "How tight should the shaping be?",
        ],
        [
            "Dutch oven or baking steel for the first loaf?",
            "Do I need a Dutch oven to bake sourdough?",
            "Steam without a Dutch oven, what works?",
            "Best cheap Dutch oven for bread?",
        ],
        [
            "How long should bulk fermentation take at 20°C?",
            "How do I know when bulk fermentation is done?",
            "Overproofed or underproofed? Here's my crumb shot",
            "Cold retard overnight: before or after shaping?",
        ],
    ],
)

TRAIL_RUNNERS = CommunitySpec(
    timezone="America/Denver",
    elsewhere=(1, 0.15),
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
    questions=[
        [
            "Which trail shoes for muddy winter runs?",
            "Shoe recommendation for rocky technical trails?",
            "Road shoes on trails: is it really that bad?",
            "Best trail shoes for wide feet?",
        ],
        [
            "How do I train for my first 50k?",
            "First ultra training plan: how many miles a week?",
            "Back-to-back long runs for a 50k, worth it?",
            "How long before a 50k should the longest run be?",
        ],
        [
            "What do you eat during a long run?",
            "Gels upset my stomach, what else works on long runs?",
            "How many calories per hour in an ultra?",
            "Real food or gels for a 6-hour race?",
        ],
        [
            "Knee pain on downhills, what helps?",
            "How do I run downhill without trashing my quads?",
            "IT band pain after long descents, any fixes?",
            "Poles for steep descents: worth carrying?",
        ],
        [
            "Which running vest for races with mandatory gear?",
            "Hydration vest or belt for two-hour runs?",
            "Vest bouncing on descents, how do you fit it?",
            "Soft flasks or bladder in a running vest?",
        ],
    ],
)

HOMEBREWERS = CommunitySpec(
    timezone="America/Chicago",
    elsewhere=(7, 0.2),
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
    questions=[
        [
            "Fermentation stuck at 1.030, how do I restart it?",
            "My airlock stopped bubbling after two days, is it done?",
            "Stuck fermentation: add more yeast or wait?",
            "Gravity hasn't moved in a week, what now?",
        ],
        [
            "Why does my beer taste like green apples?",
            "Off-flavour like cardboard after bottling, oxidation?",
            "Buttery taste in my ale, diacetyl? How do I fix it?",
            "Homebrew tastes like bandaids, what went wrong?",
        ],
        [
            "Do I need temperature control for my first brews?",
            "How do I keep fermentation cool in summer without a fridge?",
            "Swamp cooler or heat belt for fermenting ale?",
            "What fermentation temperature for a pale ale?",
        ],
        [
            "Bottles are flat after three weeks, what happened?",
            "How much priming sugar for bottling a stout?",
            "Bottle bombs: how do I avoid overcarbonation?",
            "Kegging vs bottling for a beginner?",
        ],
        [
            "All-grain or extract for a first batch?",
            "Is brew in a bag good enough for all-grain?",
            "What equipment do I need to start all-grain?",
            "Mash temperature: how much does it matter?",
        ],
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

"""Write a synthetic Reddit comments dump (RC_*.ndjson.zst) shaped like Arctic Shift's.

    python benchmarks/generate_reddit_dump.py OUT.ndjson.zst [--comments 1000000] [--seed 1]

Heavy-tailed authors (a few very active, most posting once or twice), threads of varying size,
replies to earlier comments of the same thread, a sprinkling of [deleted] authors and bots, and
the field set of 2023+ dumps (about 40 keys a line, as real lines carry).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from pathlib import Path

import zstandard

WORDS = (
    "nib ink paper sheen feed converter flex fine medium broad cartridge piston vintage restore "
    "smooth scratchy wet dry flow shimmer swatch bottle brand review daily carry question help "
    "thanks agree tried works great issue clean water soak flush"
).split()


def line(
    rng: random.Random, n: int, thread: int, parent: str, author: str, created: int, subreddit: str, extra: str = ""
) -> str:
    body = " ".join(rng.choices(WORDS, k=rng.randint(6, 60)))
    if extra:
        body = f"{body}. {extra}"
    return json.dumps({
        "all_awardings": [], "archived": False, "associated_award": None, "author": author,
        "author_flair_background_color": None, "author_flair_css_class": None, "author_flair_richtext": [],
        "author_flair_template_id": None, "author_flair_text": None, "author_flair_type": "text",
        "author_fullname": None if author == "[deleted]" else f"t2_{abs(hash(author)) % 10**8:x}",
        "author_patreon_flair": False, "author_premium": False, "body": body, "can_gild": True,
        "collapsed": False, "collapsed_reason": None, "comment_type": None, "controversiality": 0,
        "created_utc": created, "distinguished": None, "edited": False if rng.random() < 0.95 else created + 600,
        "gilded": 0, "gildings": {}, "id": f"c{n:07x}", "is_submitter": False, "link_id": f"t3_s{thread:06x}",
        "locked": False, "no_follow": True, "parent_id": parent,
        "permalink": f"/r/{subreddit}/comments/s{thread:06x}/x/c{n:07x}/",
        "retrieved_on": created + 86400, "score": rng.randint(-3, 120), "send_replies": True,
        "stickied": False, "subreddit": subreddit, "subreddit_id": "t5_2rbwp",
        "subreddit_name_prefixed": f"r/{subreddit}",
        "subreddit_type": "public", "top_awarded_type": None, "total_awards_received": 0, "treatment_tags": [],
    }, separators=(",", ":"))  # fmt: skip


ASKING = [
    "What {a} would you recommend for {b}?", "How do I fix {a} with my {b}?", "Is {a} worth it for {b}?",
    "Why does my {a} keep {b}?", "Any tips on {a} and {b}", "Which {a} for a beginner who likes {b}?",
    "Help: {a} problem after {b}", "Should I worry about {a} when {b}?",
]  # fmt: skip
TELLING = ["My new {a} arrived, {b} included", "Finally restored a {a}: {b}", "{a} review after a month of {b}"]


def submission(rng: random.Random, thread: int, author: str, created: int, subreddit: str) -> str:
    """A thread's first post: most ask something (a few templates over the same words)."""
    a, b = rng.sample(WORDS, 2)
    title = rng.choice(ASKING if rng.random() < 0.6 else TELLING).format(a=a, b=b)
    return json.dumps({
        "author": author, "created_utc": created, "id": f"s{thread:06x}", "title": title[:1].upper() + title[1:],
        "selftext": " ".join(rng.choices(WORDS, k=rng.randint(10, 80))), "is_self": True,
        "permalink": f"/r/{subreddit}/comments/s{thread:06x}/x/", "score": rng.randint(0, 300),
        "num_comments": 0, "subreddit": subreddit, "subreddit_id": "t5_2rbwp", "url": "",
        "link_flair_text": None, "over_18": False, "stickied": False, "locked": False,
    }, separators=(",", ":"))  # fmt: skip


def generate(
    path: Path, *, comments: int, seed: int = 1, subreddits: tuple[str, ...] = ("fountainpens", "pens"),
    talk: tuple[str, ...] = (), talk_rate: float = 0.0, submissions: bool = False,
) -> int:  # fmt: skip
    """Write the dump; with two subreddits 80 % of comments go to the first, with more they share
    evenly. ``talk``: sentences appended to a ``talk_rate`` share of comments (brand mentions, for
    the measurement benchmark), drawn from their own generator so the rest stays as without.
    ``submissions``: also each thread's first post (a line of its own, drawn from its own generator:
    the comments stay as without)."""
    rng = random.Random(seed)
    talk_rng = random.Random(f"{seed}:talk")
    post_rng = random.Random(f"{seed}:posts")
    authors = ["".join(rng.choices(string.ascii_lowercase + "_", k=rng.randint(5, 14))) + str(i) for i in range(50_000)]
    # Zipf-like activity: a few authors write much of the conversation.
    cumulative, total = [], 0.0
    for rank in range(len(authors)):
        total += 1 / (rank + 1) ** 0.9
        cumulative.append(total)
    compressor = zstandard.ZstdCompressor(level=3, write_checksum=True)
    written = 0
    start = 1_672_531_200  # 2023-01-01
    with path.open("wb") as raw, compressor.stream_writer(raw) as out:
        thread, in_thread, thread_ids = 0, 0, []
        for n in range(comments):
            if in_thread <= 0:
                thread, in_thread, thread_ids = thread + 1, int(rng.paretovariate(1.2) * 8), []
            in_thread -= 1
            parent = f"t1_{rng.choice(thread_ids)}" if thread_ids and rng.random() < 0.6 else f"t3_s{thread:06x}"
            author = (
                "[deleted]"
                if rng.random() < 0.02
                else ("AutoModerator" if rng.random() < 0.01 else rng.choices(authors, cum_weights=cumulative)[0])
            )
            created = start + n * 30 + rng.randint(0, 29)
            if len(subreddits) <= 2:
                subreddit = subreddits[0] if len(subreddits) == 1 or rng.random() < 0.8 else subreddits[-1]
            else:
                subreddit = subreddits[thread % len(subreddits)]  # a thread stays in its subreddit
            if submissions and not thread_ids and parent.startswith("t3_"):  # the thread's first comment
                poster = post_rng.choices(authors, cum_weights=cumulative)[0]
                out.write((submission(post_rng, thread, poster, created - 60, subreddit) + "\n").encode())
            extra = talk_rng.choice(talk) if talk and talk_rng.random() < talk_rate else ""
            out.write((line(rng, n, thread, parent, author, created, subreddit, extra) + "\n").encode())
            thread_ids.append(f"c{n:07x}")
            written += 1
    return written


def import_generated(subreddit: str, *, comments: int, submissions: bool = False):
    """For the benchmarks (Django set up, migrated): a one-subreddit dump, generated once into the
    temporary folder and imported through the ingest service. Returns the community and seconds."""
    import tempfile
    import time

    from influencers.connectors import open_source
    from influencers.ingest.runs import sync_run_create
    from influencers.ingest.service import run_ingest
    from influencers.models import Community

    posts = "_posts" if submissions else ""
    dump = Path(tempfile.gettempdir()) / f"RC_{subreddit}_{comments}{posts}.ndjson.zst"
    if not dump.exists():
        generate(dump, comments=comments, subreddits=(subreddit,), submissions=submissions)
    started = time.monotonic()
    sync_run = sync_run_create(source="reddit-dump", arguments={"paths": [str(dump)]})
    run_ingest(sync_run=sync_run, items=open_source("reddit-dump", sync_run.arguments))
    return Community.objects.get(platform="reddit", external_id=subreddit), time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    count = generate(options.out, comments=options.comments, seed=options.seed)
    print(f"wrote {count:,} comments to {options.out} ({options.out.stat().st_size / 2**20:.1f} MiB compressed)")


if __name__ == "__main__":
    sys.exit(main())

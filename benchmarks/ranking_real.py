"""Benchmark: does the ranking find the members real communities trust, better than counting?

    .venv/bin/python benchmarks/ranking_real.py [--shared ../shared] [--no-ablation] [--top 10]

For each community in ../shared/real-communities (its README says what they are): the archive is
unpacked into a temporary folder and imported with `manage.py ingest` exactly as its README and
ours say a user would, then ranked through the same adapter as `manage.py rank`, on the whole
archive and on its last 365 days. The labels are the community's own (Discourse trust level 3 and
above, staff and project titles; Stack Exchange's Enthusiast and Fanatic badges), read from the
raw files by this script alone: the product never sees them.

Printed for the ranking and the four baselines (benchmarks/ranking_evaluation.py): precision@k
(k = labelled members active in the window), recall@20, recall@50, NDCG@50 and the labelled
members' mean rank; then the ablation: each component, and each measure inside a component, left
out in turn (graph.scoring.MEASURES), with what NDCG@50 and precision@k become. Runs on a
throw-away SQLite database unless DATABASE_URL names PostgreSQL (then a throw-away database
beside it).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ranking_evaluation import BASELINES, baseline_values, figures, order_by_value  # noqa: E402

SHARED = ROOT.parent / "shared"
RANKING = "ranking"
WINDOWS = ("whole archive", "last 365 days")
MIN_LABELLED = 8  # a window with fewer labelled members active says little (the rule)
ROLE_ACCOUNTS = {"system", "admin", "discobot"}  # never labelled (real-communities/README)


@dataclass(frozen=True)
class RealCommunity:
    name: str
    archive: str
    folder: str  # inside the archive
    ingest: tuple[str, ...]  # the command's arguments after `ingest`, {path} for the folder
    key: str  # PLATFORM:COMMUNITY, as `rank` names it
    labels: Callable[[Path], set[str]]  # labelled members' account ids (Identity.external_id)


def _discourse_labels(forum: str, titles: frozenset = frozenset()) -> Callable[[Path], set[str]]:
    """Members whose posts carry trust level 3 or more, staff flags or a project title."""

    def labels(folder: Path) -> set[str]:
        found = set()
        for file in folder.rglob("*.json"):
            document = json.loads(file.read_text())
            posts = document["post_stream"]["posts"] if "post_stream" in document else [document]
            for post in posts:
                username = post["username"]
                if username.lower() in ROLE_ACCOUNTS:
                    continue
                if (
                    (post.get("trust_level") or 0) >= 3
                    or post.get("moderator") or post.get("admin") or post.get("staff")
                    or post.get("user_title") in titles
                ):  # fmt: skip
                    found.add(f"{forum}/u/{username.lower()}")
        return found

    return labels


def _stackexchange_labels(site: str) -> Callable[[Path], set[str]]:
    """Holders of the Enthusiast (30 consecutive days) or Fanatic (100 days) badge."""

    def labels(folder: Path) -> set[str]:
        return {
            f"{site}/users/{row.get('UserId')}"
            for _, row in ElementTree.iterparse(folder / "Badges.xml")
            if row.tag == "row" and row.get("Name") in ("Enthusiast", "Fanatic") and row.get("UserId") != "-1"
        }

    return labels


URHO = "https://discourse.urho3d.io"
DELVING = "https://delvingbitcoin.org"
QC = "quantumcomputing.stackexchange.com"
COMMUNITIES = (
    RealCommunity(
        "Quantum Computing SE", "qc_se.tar.xz", "qc_se", ("stackexchange", "{path}", "--site", QC),
        f"stackexchange:{QC}", _stackexchange_labels(QC),
    ),
    RealCommunity(
        "Urho3D forum", "urho3d_topics.tar.xz", "urho3d_topics", ("discourse", "{path}", "--forum", URHO),
        f"discourse:{URHO}",
        _discourse_labels(URHO, frozenset(
            {"Urho3D Author", "Core developer", "Contributor", "Community repository maintainer", "Admin"}
        )),
    ),
    RealCommunity(
        "Delving Bitcoin", "delving_posts.tar.xz", "delving_posts", ("discourse", "{path}", "--forum", DELVING),
        f"discourse:{DELVING}", _discourse_labels(DELVING),
    ),
)  # fmt: skip


def unpack(archive: Path, into: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")


def import_community(spec: RealCommunity, shared: Path, work: Path):
    """Unpack, `ingest` as a user would, and return (community, labelled account ids)."""
    from django.core.management import call_command

    from influencers.models import Community
    from influencers.selectors import community_by_key

    folder = work / spec.folder
    if not folder.exists():
        unpack(shared / "real-communities" / spec.archive, work)
    arguments = [a.replace("{path}", str(folder)) for a in spec.ingest]
    call_command("ingest", *arguments, "--json", stdout=io.StringIO())
    community: Community = community_by_key(spec.key)
    return community, spec.labels(folder)


@dataclass
class Window:
    community: object
    label: str  # "whole archive" or "last 365 days"
    days: int
    data: object  # graph.scoring.CommunityData, loaded once and ranked many ways
    labelled: set  # labelled identity ids among the members the ranking ranks
    baselines: dict[str, list]  # baseline name → order of members
    names: dict


def window_days(community, label: str) -> int:
    """The whole archive's length in days, or 365."""
    from graph.adapter import ranking_window
    from influencers.models import Interaction

    if label != "whole archive":
        return 365
    first = Interaction.objects.filter(community=community).order_by("posted_at").first().posted_at
    _, end = ranking_window(community)
    return (end - first).days + 1


def load_window(community, labelled_accounts: set[str], label: str) -> Window:
    from graph.adapter import load_community, ranking_window
    from influencers.models import Identity

    days = window_days(community, label)
    start, end = ranking_window(community, days=days)
    data = load_community(community, start=start, end=end, language=community.language)
    ranked = {m for m, info in data.members.items() if info.can_rank and data.active_days.get(m)}
    names = {m: data.members[m].handle for m in ranked}
    labelled = set(
        Identity.objects.filter(pk__in=ranked, external_id__in=labelled_accounts).values_list("pk", flat=True)
    )
    values = baseline_values(community, start=start, end=end, members=ranked)
    orders = {name: order_by_value(values[name], ranked, names) for name in BASELINES}
    return Window(community, label, days, data, labelled, orders, names)


def ranking_order(window: Window, **options) -> list:
    from graph.scoring import rank

    return [r.member for r in rank(window.data, **options).results]


def rank_as_the_command_does(window: Window) -> list:
    """The ranking through `rank_community` (what `manage.py rank --days N` runs), snapshot kept."""
    from graph.adapter import rank_community

    _, ranking = rank_community(window.community, days=window.days)
    return [r.member for r in ranking.results]


COLUMNS = ("P@k", "R@20", "R@50", "NDCG@50", "mean rank")


def print_table(window: Window, name: str, orders: dict[str, list]) -> dict:
    print(f"\n{name}, {window.label} ({window.days:,} days): {len(window.names):,} members ranked, "
          f"{len(window.labelled)} labelled among them")  # fmt: skip
    print(f"  {'method':20}" + "".join(f"{c:>10}" for c in COLUMNS))
    result = {}
    for method, order in orders.items():
        result[method] = figures(order, window.labelled)
        row = result[method]
        print(f"  {method:20}" + "".join(f"{row[c]:10.3f}" if c != "mean rank" else f"{row[c]:10.1f}" for c in COLUMNS))
    return result


def print_top(window: Window, top: int) -> None:
    from graph.scoring import rank

    print(f"  top {top} (* labelled):")
    for r in rank(window.data).results[:top]:
        mark = "*" if r.member in window.labelled else " "
        print(f"   {r.rank:3} {mark} {r.handle[:22]:22} {r.score:.3f}  C {r.consistency:.2f} "
              f"E {r.embeddedness:.2f} A {r.alignment:.2f}  | {' '.join(r.reasons)[:150]}")  # fmt: skip


def ablation(windows: list[tuple[str, Window]]) -> None:
    """Each component and each measure left out in turn: NDCG@50 and P@k on every window that
    counts (at least MIN_LABELLED labelled members), and their mean."""
    from graph.scoring import MEASURES

    counted = [(name, w) for name, w in windows if len(w.labelled) >= MIN_LABELLED]
    variants = [("(nothing: the ranking)", frozenset())]
    for component, measures in MEASURES.items():
        variants.append((component, frozenset({component})))
        variants += [(f"  {component}.{m}", frozenset({f"{component}.{m}"})) for m in measures]
    heads = [f"{name[:12]} {w.label[:5]}" for name, w in counted]
    print("\nAblation: NDCG@50 / P@k with one part left out (windows with at least "
          f"{MIN_LABELLED} labelled members)")  # fmt: skip
    print(f"  {'left out':34}" + "".join(f"{h:>20}" for h in heads) + f"{'mean':>16}")
    for label, leave_out in variants:
        cells = [figures(ranking_order(w, leave_out=leave_out), w.labelled) for _, w in counted]
        mean_ndcg = statistics.fmean(c["NDCG@50"] for c in cells)
        mean_p = statistics.fmean(c["P@k"] for c in cells)
        print(f"  {label:34}" + "".join(f"{c['NDCG@50']:>13.3f} / {c['P@k']:.2f}" for c in cells)
              + f"{mean_ndcg:>9.3f} / {mean_p:.2f}")  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="the folder holding real-communities/")
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--top", type=int, default=0, help="print each window's top N with reasons")
    options = parser.parse_args(argv)
    if not (options.shared / "real-communities").is_dir():
        sys.exit(f"{options.shared / 'real-communities'} is not there: nothing to measure against")
    work = Path(tempfile.mkdtemp(prefix="ranking_real_"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'real.sqlite3'}")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    if os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        from throwaway import migrated_postgresql

        with migrated_postgresql("crm_rankreal"):
            run(options, work)
    else:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        run(options, work)


def run(options, work: Path) -> None:
    windows = []
    for spec in COMMUNITIES:
        community, accounts = import_community(spec, options.shared, work)
        for label in WINDOWS:
            if label != WINDOWS[0] and window_days(community, label) >= window_days(community, WINDOWS[0]):
                print(f"\n{spec.name}, {label}: the same window, the whole archive being shorter (see above)")
                continue
            window = load_window(community, accounts, label)
            orders = {RANKING: rank_as_the_command_does(window)} | window.baselines
            print_table(window, spec.name, orders)
            if options.top:
                print_top(window, options.top)
            windows.append((spec.name, window))
    if not options.no_ablation:
        ablation(windows)


if __name__ == "__main__":
    main()

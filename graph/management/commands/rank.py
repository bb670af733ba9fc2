"""python manage.py rank PLATFORM:COMMUNITY [--top N] [--json]: rank a community's members now."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time

from django.core.management.base import BaseCommand, CommandParser

from graph.adapter import NothingToRank, rank_community
from influencers.models import Community
from influencers.selectors import community_by_key


class Command(BaseCommand):
    help = (
        "Rank a community's members by consistent participation, embeddedness and alignment, keep the "
        "snapshot, and print the best first. Reach is shown beside the score, never used in it."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument(
            "community",
            metavar="COMMUNITY",
            help="reddit:fountainpens, r/fountainpens or the name the pages show (`manage.py communities` lists them)",
        )
        parser.add_argument("--top", type=int, default=20, help="how many members to print (default 20)")
        parser.add_argument("--json", action="store_true", help="print a JSON array, best first")
        parser.add_argument("--days", type=int, default=365, help="window length in days (default 365)")
        parser.add_argument(
            "--end", type=_end_of_day, metavar="YYYY-MM-DD",
            help="the window's last day (default: the community's newest activity)",
        )  # fmt: skip

    def handle(self, *args, **options):
        if options["top"] < 1:
            self._fail("--top must be at least 1")
        if options["days"] < 7:
            self._fail("--days must be at least 7")
        community = self._community(options["community"])
        try:
            run, ranking = rank_community(community, days=options["days"], end=options["end"])
        except NothingToRank as error:
            self._fail(str(error))
        results = ranking.results[: options["top"]]
        if options["json"]:
            self.stdout.write(json.dumps([_as_json(r, community) for r in results], indent=2))
            if run.message:
                self.stderr.write(run.message)
            return
        members = "1 member" if run.ranked_members == 1 else f"{run.ranked_members:,} members"
        self.stdout.write(
            f"{community.key}: {members} ranked over {run.window_start:%Y-%m-%d} → "
            f"{run.window_end:%Y-%m-%d} (ranking run #{run.pk}, {run.algorithm_version})"
        )
        if run.message:
            self.stdout.write(run.message)
        self.stdout.write(f"{'rank':>4}  {'member':<24} {'score':>5}  {'consistency':>11} {'embedded':>8} "
                          f"{'aligned':>7}  reach (not scored)")  # fmt: skip
        for r in results:
            reach = f"{r.reach:,} {r.reach_kind}".strip() if r.reach is not None else "—"
            self.stdout.write(
                f"{r.rank:>4}  {r.handle[:24]:<24} {r.score:5.2f}  {r.consistency:11.2f} {r.embeddedness:8.2f} "
                f"{r.alignment:7.2f}  {reach}"
            )
            for reason in r.reasons:
                self.stdout.write(f"{'':6}{reason}")

    def _community(self, key: str) -> Community:
        try:
            return community_by_key(key)
        except LookupError as error:
            self._fail(str(error))

    def _fail(self, message: str, status: int = 2):
        self.stderr.write(f"rank: {message}")
        sys.exit(status)


def _end_of_day(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day, time.max, tzinfo=UTC)


def _as_json(result, community: Community) -> dict:
    return {
        "rank": result.rank,
        "handle": result.handle,
        "platform": community.platform,
        "score": round(result.score, 4),
        "components": {
            "consistency": round(result.consistency, 4),
            "embeddedness": round(result.embeddedness, 4),
            "alignment": round(result.alignment, 4),
        },
        "reasons": result.reasons,
        "reach": result.reach,
        "reach_kind": result.reach_kind,
    }

"""python manage.py insight PLATFORM:COMMUNITY [--json]: what a community is like, computed now."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandParser

from influencers.selectors import community_by_key
from insight.adapter import NothingToRead, compute_insight, refresh_insight

SHADES = " .:-=+*#%@"  # the heatmap in a terminal: quiet to busy


class Command(BaseCommand):
    help = (
        "Compute a community's insight (its own words, formats, rhythms, recurring questions and norms) from "
        "its posts and replies, keep it, and print it."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument(
            "community",
            metavar="COMMUNITY",
            help="reddit:fountainpens, r/fountainpens or the name the pages show (`manage.py communities` lists them)",
        )
        parser.add_argument("--json", action="store_true", help="print the whole document as one JSON object")
        parser.add_argument(
            "--timezone",
            help="show rhythms in this time zone instead of the community's own (printed only, not kept)",
        )

    def handle(self, *args, **options):
        try:
            community = community_by_key(options["community"])
        except LookupError as error:
            self._fail(str(error))
        try:
            if options["timezone"]:  # a look in another zone: printed, not kept (the page shows the community's own)
                started = time.perf_counter()
                document = compute_insight(community, timezone=options["timezone"])
                document["seconds"] = round(time.perf_counter() - started, 2)
            else:
                document = refresh_insight(community).document
        except (NothingToRead, ValueError) as error:
            self._fail(str(error))
        if options["json"]:
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
            return
        self._print(document)

    def _print(self, d: dict) -> None:
        out = self.stdout.write
        basis, window = d["basis"], d["window"]
        period = f"{window['start'][:10]} → {window['end'][:10]}"
        out(f"{d['community']['name']} ({d['community']['key']}): {basis['messages']:,} posts and replies by "
            f"{basis['members']:,} members, {period} ({d['seconds']} s)")  # fmt: skip
        out("")
        for sentence in d["highlights"]:
            out(f"  • {sentence}")
        out("\nIts own words (score: how much more than in general language × how many members use it)")
        if not d["vocabulary"]:
            out(f"  none yet: no word used by {d['language_basis']['min_members']} members or more is rare elsewhere")
        for term in d["vocabulary"][:15]:
            out(f"  {term['term']:<24} {term['score']:6.2f}  {term['members']:>5} members")
            for example in term["examples"][:1]:
                out(f"      “{example['text']}”")
        if d["phrases"]:
            out("  phrases: " + ", ".join(p["term"] for p in d["phrases"][:10]))
        shift = d["vocabulary_shift"]
        if shift.get("rising"):
            out("  taken up lately: " + ", ".join(t["term"] for t in shift["rising"][:8]))
        if shift.get("fading"):
            out("  heard less lately: " + ", ".join(t["term"] for t in shift["fading"][:8]))
        self._print_rhythms(d["rhythms"])
        out("\nRecurring questions")
        for theme in d["questions"]["themes"][:10]:
            out(f"  {theme['count']:>5}  {theme['label']} ({theme['trend']})")
        if not d["questions"]["themes"]:
            out("  none found")
        norms = d["norms"]
        out("\nNorms")
        for finding in norms["findings"]:
            out(f"  {finding}")
        for rule in norms["guidelines"][:15]:
            out(f"  {rule.get('kind', 'rule')}: {rule.get('title', '')}")
        if not norms["findings"] and not norms["guidelines"]:
            out("  nothing stands out")

    def _print_rhythms(self, rhythms: dict) -> None:
        out = self.stdout.write
        out(f"\nWhen members talk ({rhythms['timezone']}; hours 0–23, darker is busier)")
        busiest = max((max(row) for row in rhythms["heatmap"]), default=0)
        for weekday, row in zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), rhythms["heatmap"], strict=True):
            shades = "".join(SHADES[min(9, round(9 * n / busiest))] if busiest else " " for n in row)
            out(f"  {weekday} |{shades}|")
        mix = rhythms["timezone_mix"]
        if mix.get("members_placed"):
            regions = ", ".join(f"{r['region']} {r['share']:.0%}" for r in mix["regions"] if r["members"])
            out(f"  where regular members probably live ({mix['members_placed']:,} placed): {regions}")

    def _fail(self, message: str, status: int = 2):
        self.stderr.write(f"insight: {message}")
        sys.exit(status)

"""python manage.py measure BRAND_SLUG | --all [--json] [--days N]: a brand's relationship metrics."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from partnerships.measurement.services import brand_measure
from partnerships.models import Brand


def _share(curve: list[dict], days: int) -> str:
    point = next((p for p in curve if p["days"] == days), None)
    if not point or point["share"] is None:
        return "—"
    return f"{point['share']:.0%} of {point['eligible']}"


class Command(BaseCommand):
    help = (
        "Measure a brand's relationships by depth: return engagement, organic referrals and how members "
        "speak of it when it is absent. Finds new mentions first, keeps the dated result."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument(
            "brand", nargs="?", metavar="BRAND_SLUG", help="a brand's slug (ORG/BRAND if several orgs use it)"
        )
        parser.add_argument("--all", action="store_true", help="every brand")
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument("--days", type=int, default=365, help="window length up to the latest activity")

    def handle(self, *args, **options):
        if options["days"] < 7:
            self._fail("--days must be at least 7")
        if options["all"] == bool(options["brand"]):
            self._fail("name one brand (BRAND_SLUG) or --all")
        brands = list(Brand.objects.select_related("organization").order_by("organization__slug", "slug"))
        if not options["all"]:
            brands = self._brand(options["brand"], brands)
        documents = [brand_measure(brand=brand, days=options["days"]).document for brand in brands]
        if options["json"]:
            payload = documents if options["all"] else documents[0]
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        for document in documents:
            self._print(document)

    def _brand(self, wanted: str, brands: list[Brand]) -> list[Brand]:
        org, _, slug = wanted.rpartition("/")
        matches = [b for b in brands if b.slug == slug and (not org or b.organization.slug == org)]
        if not matches:
            known = ", ".join(sorted({b.slug for b in brands})) or "none yet"
            self._fail(f"no brand {wanted!r} (brands: {known})")
        if len(matches) > 1:
            choices = ", ".join(f"{b.organization.slug}/{b.slug}" for b in matches)
            self._fail(f"several organizations have a brand {slug!r}: say which ({choices})")
        return matches

    def _print(self, d: dict) -> None:
        m, r, c = d["mentions"], d["referrals"], d["counts"]
        self.stdout.write(
            f"{d['brand']['name']} ({d['brand']['organization']}/{d['brand']['slug']}): "
            f"{d['window']['from'][:10]} → {d['window']['to'][:10]}, {c['communities']} communities, "
            f"{c['interactions']:,} interactions"
        )
        absent = m["sentiment_in_absence"]
        tone = f"{absent['mean']:+.2f}" if absent["mean"] is not None else "—"
        self.stdout.write(
            f"  mentions {m['total']:,}: {m['in_absence']:,} in the brand's absence (tone {tone} over "
            f"{absent['n']:,}), {m['with_brand_or_partners']:,} with the brand or its partners; "
            f"organic recommendations {m['organic_recommendations']:,}"
        )
        self.stdout.write(f"  referrals: {r['clicks']:,} clicks, {r['signups']:,} sign-ups, {r['sales']:,} sales")
        for p in d["partnerships"]:
            line = f"  · {p['creator']} ({p['stage']}"
            line += f", since {p['started_on']})" if p["started_on"] else ")"
            depth = p.get("depth")
            if depth and "return_engagement" in depth:
                before, after = depth["return_engagement"]["before_start"], depth["return_engagement"]["after_start"]
                if before and after:
                    line += (
                        f": back within 30 days {_share(before['curve'], 30)} before the start, "
                        f"{_share(after['curve'], 30)} after"
                    )
                for change in depth["before_after"]:
                    self.stdout.write(line)
                    line = (
                        f"      {change['event']} in {change['community']}: mentions {change['mentions']['verdict']}, "
                        f"recommendations {change['organic_recommendations']['verdict']}"
                    )
            elif depth and "note" in depth:
                line += f": {depth['note']}"
            self.stdout.write(line)
        self.stdout.write(f"  measured in {d['seconds']:.1f} s")

    def _fail(self, message: str, status: int = 2):
        self.stderr.write(f"measure: {message}")
        sys.exit(status)

"""python manage.py communities [--json]: what has been imported, and the name to give other commands."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from influencers.selectors import community_overview

COLUMNS = ("key", "name", "members", "interactions", "last activity", "last ranking")


class Command(BaseCommand):
    help = (
        "List the imported communities: the key other commands take (rank, insight), the name the pages "
        "show, members seen, interactions stored, the newest activity and the newest ranking."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("--json", action="store_true", help="print a JSON array, one object per community")

    def handle(self, *args, **options):
        rows = [_row(community) for community in community_overview()]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("No communities yet: import one with `manage.py ingest` (see `manage.py ingest --help`).")
            return
        self.stdout.write(_table(rows))
        self.stdout.write(
            f"{len(rows):,} {'community' if len(rows) == 1 else 'communities'}. Name one to other commands by its "
            "key or its name: `manage.py rank KEY`."
        )


def _row(community) -> dict:
    return {
        "key": community.key,
        "name": community.label,
        "platform": community.platform,
        "members": community.member_count,
        "interactions": community.interaction_count,
        "last_activity": community.last_activity_at.isoformat() if community.last_activity_at else None,
        "last_ranking": community.ranked_at.isoformat() if community.ranked_at else None,
        "ranked_members": community.ranked_members,
        "tracked": community.is_tracked,
    }


def _table(rows: list[dict]) -> str:
    """Plain text in aligned columns: names left, counts right, dates as YYYY-MM-DD."""
    cells = [
        (
            row["key"],
            row["name"],
            f"{row['members']:,}",
            f"{row['interactions']:,}",
            (row["last_activity"] or "—")[:10],
            f"{row['last_ranking'][:10]} ({row['ranked_members']:,} ranked)" if row["last_ranking"] else "never",
        )
        for row in rows
    ]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(COLUMNS)]
    right = {2, 3}  # counts

    def line(values) -> str:
        return "  ".join(
            value.rjust(widths[i]) if i in right else value.ljust(widths[i]) for i, value in enumerate(values)
        ).rstrip()

    return "\n".join([line(COLUMNS), line("-" * w for w in widths), *(line(values) for values in cells)])

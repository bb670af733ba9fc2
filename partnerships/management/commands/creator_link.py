"""python manage.py creator_link PARTNERSHIP_ID [--days N] | --revoke: a creator's private link."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from partnerships.creator_portal.links import MAX_DAYS, creator_link_issue, creator_link_revoke
from partnerships.models import CreatorLink, Partnership


class Command(BaseCommand):
    help = (
        "Make a private link for a partnership's creator (to read and accept the terms, hand in work and "
        "see payments) and print it once: only its fingerprint is kept, and any earlier link stops working. "
        "--revoke stops the live link instead. Managers do the same on the partnership page."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("partnership", type=int, metavar="PARTNERSHIP_ID", help="the partnership's id")
        parser.add_argument("--days", type=int, default=30, help=f"how long it works, 1 to {MAX_DAYS} (30)")
        parser.add_argument("--revoke", action="store_true", help="stop the live link; make none")

    def handle(self, *args, partnership: int, days: int, revoke: bool, **options):
        try:
            found = Partnership.objects.select_related("brand", "creator").get(pk=partnership)
        except Partnership.DoesNotExist:
            raise CommandError(f"No partnership {partnership}.") from None
        if revoke:
            live = CreatorLink.objects.filter(partnership=found, revoked_at__isnull=True).first()
            if live is None:
                self.stdout.write(f"{found} has no live link.")
                return
            creator_link_revoke(link=live, actor=None)
            self.stdout.write(f"The link for {found} no longer works.")
            return
        try:
            link, token = creator_link_issue(partnership=found, actor=None, days=days)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        url = (settings.PUBLIC_URL or "") + reverse("creator-link-open", args=[token])
        self.stdout.write(f"{found}: {url}")
        self.stdout.write(f"Works until {link.expires_at:%Y-%m-%d %H:%M} UTC. Shown once: copy it now.")

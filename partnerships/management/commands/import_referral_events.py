"""python manage.py import_referral_events PATH --org SLUG [--json]: sign-ups and sales from a CSV."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from crm.models import Organization
from partnerships.referrals import ReferralFileError, referral_events_import

MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Record sign-ups and sales reported by a brand: a CSV with the columns code, kind (signup or sale), "
        "occurred_at, external_id (the brand's order or account id) and optionally amount and currency. "
        "Importing the same file again records nothing twice."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--org", required=True, help="the organization whose referral codes these are")
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            self._fail(f"no organization {options['org']!r}")
        path: Path = options["path"]
        try:
            if path.stat().st_size > MAX_BYTES:
                self._fail(f"{path}: larger than {MAX_BYTES // 2**20} MiB; split it")
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            self._fail(f"{path}: no such file")
        except (IsADirectoryError, PermissionError) as error:
            self._fail(f"{path}: cannot be read ({error.strerror})")
        except UnicodeDecodeError:
            self._fail(f"{path}: not UTF-8 text (save the spreadsheet as CSV UTF-8)")
        try:
            summary = referral_events_import(organization=organization, text=text)
        except ReferralFileError as error:
            self._fail(f"{path}: {error}")
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), indent=2))
            return
        self.stdout.write(
            f"{summary.read:,} rows read: {summary.created:,} recorded, {summary.already_recorded:,} already "
            f"recorded, {summary.skipped:,} skipped"
        )
        for example in summary.skipped_examples:
            self.stdout.write(f"  line {example['line']}: {example['reason']}")

    def _fail(self, message: str, status: int = 2):
        self.stderr.write(f"import_referral_events: {message}")
        sys.exit(status)

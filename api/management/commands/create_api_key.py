"""python manage.py create_api_key --org SLUG [--scope read|write] [--name NAME]: prints the key once."""

import sys

from django.core.management.base import BaseCommand, CommandParser

from api.keys import api_key_create
from api.models import Scope
from crm.models import Organization


class Command(BaseCommand):
    help = "Create an API key for an organization and print it (only now: it is stored hashed)."

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ, help="read (default) or write")
        parser.add_argument("--name", default="", help="what will use it, e.g. 'Agency reporting'")

    def handle(self, *args, **options):
        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            known = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            self.stderr.write(f"create_api_key: no organization {options['org']!r} (organizations: {known})")
            sys.exit(2)
        key, plain = api_key_create(organization=organization, scope=options["scope"], name=options["name"])
        self.stdout.write(plain)
        self.stderr.write(
            f"{key.get_scope_display()} key {key.prefix}… for {organization.name}. "
            "Store it now: it cannot be shown again."
        )

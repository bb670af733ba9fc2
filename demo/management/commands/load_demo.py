from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from demo.creator_side import offer_link
from demo.loader import DEMO_PASSWORD, DEMO_USERNAME, load_demo

# Why the command refuses a production-shaped configuration: said when it refuses, and when forced.
WHY = (
    f"it creates the user {DEMO_USERNAME} with the password {DEMO_PASSWORD!r} (a partnership manager "
    "anyone could sign in as) and fictional communities, creators and partnerships"
)


class Command(BaseCommand):
    help = (
        "Load the demo data set: two organizations (demo-brand, demo-agency), brands, four communities "
        "with half a year of conversation, creators and partnerships in every stage. Safe to run again. "
        "Runs only with DEBUG=1 (as `make demo` sets it) unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="load the demo even with DEBUG off (production settings): only on a throw-away installation",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG:
            if not force:
                raise CommandError(
                    f"Refusing to load the demo: DEBUG is off, so these look like production settings, and {WHY}. "
                    "Run it with DEBUG=1 (`make demo` does), or add --force on an installation nobody else uses."
                )
            self.stderr.write(self.style.WARNING(f"DEBUG is off, loading the demo anyway (--force): {WHY}."))
        counts = load_demo()
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (a partnership manager in demo-brand).")
        offer = offer_link()
        if offer is not None:
            partnership, token = offer
            url = settings.PUBLIC_URL + reverse("creator-link-open", args=[token])
            self.stdout.write(
                f"{partnership.creator.display_name}'s private link to the offer from {partnership.brand.name} "
                f"(what the creator sees; no login, works 30 days, a new load makes a new one): {url}"
            )

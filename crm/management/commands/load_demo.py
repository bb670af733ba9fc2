from django.core.management.base import BaseCommand

from crm.demo.loader import DEMO_PASSWORD, DEMO_USERNAME, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set: two organizations (demo-brand, demo-agency), brands, four communities "
        "with half a year of conversation, creators and partnerships in every stage. Safe to run again."
    )

    def handle(self, *args, **options):
        counts = load_demo()
        summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD} (a partnership manager in demo-brand).")

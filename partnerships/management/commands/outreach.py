"""Run outreach's background round now, from the command line (what beat does every minute and
every five minutes): send what is due, write follow-ups whose day has come, recover sends a dead
worker left, and read every active sender's inbox for replies."""

import json

from django.core.management.base import BaseCommand

from partnerships.models.outreach import Sender
from partnerships.outreach import services


class Command(BaseCommand):
    help = "Send due outreach messages and follow-ups, and read the senders' inboxes for replies."

    def add_arguments(self, parser):
        parser.add_argument("--no-send", action="store_true", help="Only read the inboxes.")
        parser.add_argument("--no-read", action="store_true", help="Only send.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        summary = {"recovered_as_sent": 0, "to_retry": 0, "follow_ups_written": 0, "sent": 0, "not_sent": 0}
        if not options["no_send"]:
            recovered = services.messages_recover()
            summary["recovered_as_sent"], summary["to_retry"] = recovered["found_sent"], recovered["to_retry"]
            summary["follow_ups_written"] = services.follow_ups_write()
            for message_id in services.messages_due():
                status = services.message_deliver(message_id=message_id)
                summary["sent" if status == "sent" else "not_sent"] += 1
        inboxes = []
        if not options["no_read"]:
            for sender in Sender.objects.filter(is_active=True).order_by("pk"):
                counts = services.inbox_read(sender=sender)
                inboxes.append({"sender": str(sender), **counts})
        summary["inboxes"] = inboxes
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"Sent {summary['sent']} (not sent yet or refused: {summary['not_sent']}); "
            f"follow-ups written: {summary['follow_ups_written']}; interrupted sends found sent: "
            f"{summary['recovered_as_sent']}, to retry: {summary['to_retry']}."
        )
        for inbox in inboxes:
            problem = f" — problem: {inbox['problem']}" if inbox["problem"] else ""
            self.stdout.write(
                f"{inbox['sender']}: read {inbox['read']}, new {inbox['stored']}, "
                f"matched to partnerships {inbox['matched']}{problem}"
            )

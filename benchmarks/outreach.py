"""Outreach at volume: 1,000 messages through follow-up sequences, 20 replies coming back.

510 creators are written to (each with one follow-up a day later); 20 of them reply before the
follow-up is due; then the follow-ups go to the other 490: 1,000 messages in all, through the real
SMTP client to a real server (aiosmtpd) and a copy filed in a real IMAP Sent folder (dovecot), the
replies read over IMAP. Checks, and prints: nothing sent twice (every Message-ID once at the
server, one message per sequence step), every reply attached to its partnership, no follow-up to
anyone who replied; and the time of each stage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/outreach.py

Needs PostgreSQL and Debian's dovecot-imapd (as the tests do).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import migrated_postgresql  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creators", type=int, default=510)
    parser.add_argument("--replies", type=int, default=20)
    options = parser.parse_args()

    from tests.fakes.mail import FakeIMAPServer, FakeSMTPServer, dovecot_missing_reason

    if reason := dovecot_missing_reason():
        sys.exit(reason)
    imap = FakeIMAPServer().start()
    smtp = FakeSMTPServer().start()
    try:
        with migrated_postgresql("bench_outreach"):
            from django.conf import settings

            # The servers listen on loopback, which the outbound policy refuses for tenants.
            settings.OUTBOUND_ALLOWED_HOSTS = [*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]
            run(imap, smtp, options.creators, options.replies)
    finally:
        smtp.stop()
        imap.stop()


def run(imap, smtp, creators: int, replies: int) -> None:
    import logging

    from django.utils import timezone

    from crm.models import Organization
    from influencers.models import Creator
    from partnerships.models import Brand, Partnership, Stage
    from partnerships.models.outreach import Message, MessageStatus, SequenceStatus
    from partnerships.outreach import senders, services

    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd logs every SMTP command
    # Writing only records (the send is timed on its own below, as a worker would run it), so the
    # in-process task runner of a machine without a broker must not send at commit.
    services._queue_send = lambda message: None
    mailbox = imap.add_user()
    smtp.login = mailbox
    organization = Organization.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    brand = Brand.objects.create(organization=organization, name="Inkwell", slug="inkwell")
    sender = senders.sender_connect(
        organization=organization, channel="email", secrets={"password": mailbox[1]},
        address=f"{mailbox[0]}@example.com", username=mailbox[0], display_name="Maya at Inkwell",
        smtp_host=smtp.host, smtp_port=smtp.port, smtp_security="none",
        imap_host=imap.host, imap_port=imap.port, imap_security="none", daily_cap=500,
    )  # fmt: skip
    sender.daily_cap = 5000  # above the pages' limit: this is a load test, not a mailbox's day
    sender.save(update_fields=["daily_cap"])
    partnerships = [
        Partnership.objects.create(
            brand=brand, creator=Creator.objects.create(display_name=f"Creator {n}"), stage=Stage.OBSERVING
        )
        for n in range(creators)
    ]
    figures = {}

    started = time.perf_counter()
    written = [
        services.message_write(
            partnership=partnership,
            sender=sender,
            subject="Your threads on nib grinds",
            body="Hi {{ first_name }}, we have read your threads for months.",
            to=f"creator{n}@example.com",
            follow_ups=1,
            follow_up_days=1,
            follow_up_body="Just checking this reached you.",
        )  # fmt: skip
        for n, partnership in enumerate(partnerships)
    ]
    figures["write first messages"] = time.perf_counter() - started

    started = time.perf_counter()
    statuses = Counter(services.message_deliver(message_id=message.pk) for message in written)
    figures["send first messages"] = time.perf_counter() - started
    assert statuses == {MessageStatus.SENT: creators}, statuses

    # Replies from the first ``replies`` creators, before the follow-ups are due.
    answered = Message.objects.filter(pk__in=[m.pk for m in written[:replies]]).order_by("pk")
    for message in answered:
        reply = EmailMessage()
        reply["From"] = message.to_address
        reply["To"] = sender.address
        reply["Subject"] = f"Re: {message.subject}"
        reply["Message-ID"] = f"<{uuid.uuid4().hex}@example.com>"
        reply["In-Reply-To"] = message.message_id
        reply.set_content("Thanks for reading them! Happy to talk.")
        imap.deliver(*mailbox, bytes(reply))
    started = time.perf_counter()
    counts = services.inbox_read(sender=sender)
    figures["read 20 replies"] = time.perf_counter() - started

    started = time.perf_counter()
    follow_ups = services.follow_ups_write(now=timezone.now() + timedelta(days=1, minutes=1))
    figures["write follow-ups"] = time.perf_counter() - started
    started = time.perf_counter()
    due = services.messages_due()
    statuses = Counter(services.message_deliver(message_id=message_id) for message_id in due)
    figures["send follow-ups"] = time.perf_counter() - started
    total_sent = Message.objects.filter(direction="out", status=MessageStatus.SENT).count()

    # What the checks say.
    at_server = Counter(received.message["Message-ID"] for received in smtp.received)
    sent_twice = [message_id for message_id, times in at_server.items() if times > 1]
    steps = Counter(Message.objects.filter(direction="out").values_list("sequence_id", "step"))
    replied_to = set(answered.values_list("partnership_id", flat=True))
    followed_up_after_reply = Message.objects.filter(partnership_id__in=replied_to, step=1).exclude(
        status=MessageStatus.CANCELLED
    )
    attached = Message.objects.filter(direction="in", partnership__isnull=False).count()
    replied_sequences = services.Sequence.objects.filter(status=SequenceStatus.REPLIED).count()

    print(f"creators written to: {creators}; replies: {replies}")
    for stage, seconds in figures.items():
        print(f"  {stage:<22} {seconds:8.2f} s")
    print(f"  messages sent           {total_sent} (at the SMTP server: {len(smtp.received)})")
    print(f"  per send                {figures['send first messages'] / creators * 1000:.1f} ms "
          "(SMTP, then a copy filed in Sent over IMAP)")  # fmt: skip
    print(f"  follow-ups written      {follow_ups} (sent: {statuses.get(MessageStatus.SENT, 0)})")
    print(f"  replies read/attached   {counts['read']}/{attached}; sequences stopped by a reply: {replied_sequences}")
    print(f"  sent twice              {len(sent_twice)}; sequence steps written twice: "
          f"{sum(1 for n in steps.values() if n > 1)}; follow-ups to someone who replied: "
          f"{followed_up_after_reply.count()}")  # fmt: skip
    assert total_sent == len(smtp.received) == creators * 2 - replies
    assert not sent_twice and all(n == 1 for n in steps.values())
    assert attached == replies == replied_sequences and not followed_up_after_reply.exists()
    print("OK: nothing sent twice, every reply attached, no follow-up after a reply")


if __name__ == "__main__":
    main()

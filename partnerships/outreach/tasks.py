"""Outreach in the background: thin tasks that take ids and call ``partnerships.outreach.services``.

Beat runs ``outreach_every_minute`` (send what is due, write follow-ups whose day has come,
recover sends a dead worker left) and ``read_inboxes`` every five minutes.
"""

from celery import shared_task

from crm.background import enqueue_after_commit
from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from partnerships.models.outreach import Sender
from partnerships.outreach import services


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def send_message(message_id: int) -> str | None:
    """Send one message if it is still due; safe to run twice (the claim takes it once)."""
    return services.message_deliver(message_id=message_id)


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def outreach_every_minute() -> dict:
    recovered = services.messages_recover()
    written = services.follow_ups_write()
    due = services.messages_due()
    for message_id in due:
        enqueue_after_commit(send_message, message_id)
    return {**recovered, "follow_ups_written": written, "queued": len(due)}


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def read_inbox(sender_id: int) -> dict | None:
    sender = Sender.objects.filter(pk=sender_id, is_active=True).first()
    return services.inbox_read(sender=sender) if sender else None


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def read_inboxes() -> int:
    sender_ids = list(Sender.objects.filter(is_active=True).values_list("pk", flat=True))
    for sender_id in sender_ids:
        enqueue_after_commit(read_inbox, sender_id)
    return len(sender_ids)

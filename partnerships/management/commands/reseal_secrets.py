"""Seal every stored secret again under the first key of ENCRYPTION_KEYS (after putting a new key
first): then the old key can be removed."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm import sealed
from influencers.models import LiveConnection
from partnerships.models.outreach import Sender


class Command(BaseCommand):
    help = (
        "Re-seal senders' stored passwords and tokens, and live Slack and Discord bot tokens, under the first key "
        "of ENCRYPTION_KEYS."
    )

    def handle(self, *args, **options):
        resealed = 0
        with transaction.atomic():
            for sender in Sender.objects.select_for_update().exclude(sealed_secrets=""):
                try:
                    sender.sealed_secrets = sealed.reseal(sender.sealed_secrets)
                except InvalidToken as error:  # no configured key opens it
                    raise CommandError(
                        f"{sender} (id {sender.pk}): no key in ENCRYPTION_KEYS opens its secret"
                    ) from error
                sender.save(update_fields=["sealed_secrets"])
                resealed += 1
            bots = 0
            for connection in LiveConnection.objects.select_for_update().select_related("community"):
                try:
                    connection.token_sealed = sealed.reseal(connection.token_sealed)
                except InvalidToken as error:
                    raise CommandError(
                        f"{connection.community}: no key in ENCRYPTION_KEYS opens its bot token"
                    ) from error
                connection.save(update_fields=["token_sealed"])
                bots += 1
        self.stdout.write(f"Re-sealed the secrets of {resealed} sender(s) and {bots} bot token(s) under the first key.")

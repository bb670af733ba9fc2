"""The ledger's background work: thin tasks that take ids and call ``partnerships.payments.services``."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import Q

from crm.celery import RETRY_WHILE_DATABASE_IS_DOWN
from partnerships.models import Agreement, AgreementStatus, PaymentStatus
from partnerships.payments import services

logger = logging.getLogger(__name__)


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def payments_schedule_agreement(agreement_id: int) -> int:
    """Work out what one agreement owes now; returns how many payments it has (0 if it is gone)."""
    agreement = Agreement.objects.filter(pk=agreement_id).first()
    if agreement is None:
        return 0
    return len(services.payments_schedule(agreement=agreement))


@shared_task(**RETRY_WHILE_DATABASE_IS_DOWN)
def payments_daily() -> dict:
    """Every day (CELERY_BEAT_SCHEDULE "payments-daily"): the months that ended and the sales
    recorded since yesterday become payments, and each payment that fell due is told to
    ``payment.due`` webhooks once. Signed agreements, and any other still holding a DUE payment
    (cancelled since, or replaced), are worked out; one that fails is logged and the rest go on."""
    agreements = (
        Agreement.objects.filter(Q(status=AgreementStatus.SIGNED) | Q(payments__status=PaymentStatus.DUE))
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    scheduled = failed = 0
    for agreement_id in agreements:
        try:
            payments_schedule_agreement(agreement_id)
            scheduled += 1
        except Exception:
            failed += 1
            logger.exception("could not work out the payments of agreement %s", agreement_id)
    return {"agreements": scheduled, "failed": failed, "told_due": services.payments_tell_due()}

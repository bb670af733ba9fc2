"""When the ledger works out an agreement's payments again (connected in PartnershipsConfig.ready):
on signature, and on the publication of a deliverable under it (a fee on publication falls due)."""

from __future__ import annotations

from crm.background import enqueue_after_commit
from partnerships.payments.tasks import payments_schedule_agreement


def schedule_on_signature(sender, *, agreement, **kwargs) -> None:
    """Receiver of ``agreement_signed`` (after commit)."""
    enqueue_after_commit(payments_schedule_agreement, agreement.pk)


def schedule_on_publication(sender, *, deliverable, **kwargs) -> None:
    """Receiver of ``deliverable_published`` (after commit): only a piece under an agreement counts."""
    if deliverable.agreement_id is not None:
        enqueue_after_commit(payments_schedule_agreement, deliverable.agreement_id)

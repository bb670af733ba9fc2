"""Events of the product, turned into webhook deliveries (connected in ApiConfig.ready)."""

from api.models import IdempotentRequest, WebhookDelivery, WebhookEvent
from api.webhooks import webhook_emit
from crm.redaction import redact_column


def _partnership(partnership) -> dict:
    return {
        "id": partnership.pk, "brand": partnership.brand_id, "creator": partnership.creator_id,
        "creator_name": partnership.creator.display_name, "stage": partnership.stage,
        "started_on": partnership.started_on.isoformat() if partnership.started_on else None,
    }  # fmt: skip


def _agreement(agreement) -> dict:
    return {
        "id": agreement.pk, "partnership": agreement.partnership_id, "status": agreement.status,
        "starts_on": agreement.starts_on.isoformat(),
        "ends_on": agreement.ends_on.isoformat() if agreement.ends_on else None, "renewal_of": agreement.renewal_of_id,
        "creative_control": {
            "creator_keeps_editorial_control": agreement.creator_keeps_editorial_control,
            "brand_review_rights": agreement.brand_review_rights, "disclosure_required": agreement.disclosure_required,
            "disclosure_method": agreement.disclosure_method, "usage_rights": agreement.usage_rights,
            "usage_rights_days": agreement.usage_rights_days,
        },
    }  # fmt: skip


def on_stage_changed(sender, partnership, activity, **kwargs) -> None:
    webhook_emit(
        event=WebhookEvent.PARTNERSHIP_STAGE_CHANGED,
        organization_id=partnership.brand.organization_id,
        data={
            "partnership": _partnership(partnership), "from_stage": activity.from_stage, "to_stage": activity.to_stage,
            "moved_at": activity.occurred_at.isoformat(), "note": activity.body,
            "moved_by": activity.actor.get_username() if activity.actor else None,
        },
    )  # fmt: skip


def on_agreement_created(sender, agreement, **kwargs) -> None:
    webhook_emit(
        event=WebhookEvent.AGREEMENT_CREATED,
        organization_id=agreement.partnership.brand.organization_id,
        data={"agreement": _agreement(agreement)},
    )


def on_agreement_updated(sender, agreement, changes, **kwargs) -> None:
    webhook_emit(
        event=WebhookEvent.AGREEMENT_UPDATED,
        organization_id=agreement.partnership.brand.organization_id,
        data={"agreement": _agreement(agreement), "changes": changes},
    )


def on_message_received(sender, message, **kwargs) -> None:
    """A creator's message filed under a partnership (matched on arrival, or filed by a manager).
    The text is the creator's own words: sent only to the organization's own subscriptions."""
    partnership = message.partnership
    webhook_emit(
        event=WebhookEvent.MESSAGE_RECEIVED,
        organization_id=message.organization_id,
        data={
            "message": {
                "id": message.pk, "partnership": message.partnership_id, "creator": message.creator_id,
                "channel": message.channel, "from_address": message.from_address, "subject": message.subject,
                "text": message.body, "received_at": message.occurred_at.isoformat(),
            },
            "partnership": _partnership(partnership),
        },
    )  # fmt: skip


def on_payment_due(sender, payment, **kwargs) -> None:
    """A payment to a creator fell due (told once per payment, by the ledger's daily run)."""
    agreement = payment.agreement
    partnership = agreement.partnership
    webhook_emit(
        event=WebhookEvent.PAYMENT_DUE,
        organization_id=partnership.brand.organization_id,
        data={
            "payment": {
                "id": payment.pk, "agreement": agreement.pk, "partnership": partnership.pk, "kind": payment.kind,
                "key": payment.key, "description": payment.description, "amount": str(payment.amount),
                "currency": payment.currency, "due_on": payment.due_on.isoformat(), "status": payment.status,
                "period_start": payment.period_start.isoformat() if payment.period_start else None,
                "period_end": payment.period_end.isoformat() if payment.period_end else None,
            },
            "partnership": _partnership(partnership),
        },
    )  # fmt: skip


def on_ranking_completed(sender, run, **kwargs) -> None:
    # Rankings are shared discovery data: every organization subscribed hears of them.
    webhook_emit(
        event=WebhookEvent.RANKING_COMPLETED,
        data={
            "ranking_run": run.pk, "community": run.community_id, "community_key": run.community.key,
            "window_start": run.window_start.isoformat(), "window_end": run.window_end.isoformat(),
            "ranked_members": run.ranked_members, "algorithm_version": run.algorithm_version,
        },
    )  # fmt: skip


def on_creator_erased(sender, creator, names, replacement, **kwargs) -> None:
    # Payloads already sent and answers kept for replay named the creator: the copies kept here
    # keep their shape and figures, without the names.
    redact_column(WebhookDelivery.objects.all(), "payload", names, replacement)
    redact_column(IdempotentRequest.objects.all(), "response", names, replacement)

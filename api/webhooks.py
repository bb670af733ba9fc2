"""Signed webhooks: subscriptions, events queued after commit, delivery with retries, the log.

A delivery is a POST of JSON to the subscriber's URL with three headers:

- ``X-Webhook-Event``: the event name; ``X-Webhook-Id``: the delivery's id (the same on every
  retry: a receiver can ignore one it has seen);
- ``X-Webhook-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
  HMAC-SHA256(secret, f"{t}.{body}"). Including the time in the signed message lets the receiver
  refuse an old message replayed later (see ``verify`` and the README).

A 2xx answer within 10 seconds is a delivery; anything else is retried by Celery with
exponential backoff; a delivery that fails for good counts against the subscription, which is
disabled after ``WebhookSubscription.DISABLE_AFTER`` such failures in a row.

Deliveries go through the outbound-request policy (crm/outbound.py): an address it refuses
(loopback, private, credentials in the URL, …) fails for good at once, without retries. Redirects
are not followed. The log says "refused: …" or "failed: …", never the network's detail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid

import requests
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from api.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from crm.background import enqueue_after_commit
from crm.models import Organization
from crm.outbound import OutboundRefused, outbound_detail, outbound_failure, outbound_session

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10
TOLERANCE_SECONDS = 300  # how old a signed message a receiver should accept
USER_AGENT = "community-partnerships-webhooks/1"


class DeliveryFailed(Exception):
    """The receiver did not take the delivery (a retry may succeed)."""


class DeliveryRefused(DeliveryFailed):
    """The outbound policy refused the address: no retry will succeed."""


@sensitive_variables("secret")
def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@sensitive_variables("secret")
def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does (and the README shows): the signature matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(
            {"events": f"Unknown events: {', '.join(unknown)} (known: {', '.join(WebhookEvent.values)})."}
        )
    return sorted(set(events))


def webhook_subscription_create(
    *, organization: Organization, url: str, events: list[str] = (), created_by=None
) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (shown once, at creation)."""
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    subscription = WebhookSubscription(
        organization=organization, url=url, events=_check_events(list(events)), secret=secret, created_by=created_by
    )
    subscription.full_clean(exclude=["secret", "organization"])
    subscription._history_user = created_by
    subscription.save()
    return subscription, secret


def webhook_subscription_update(*, subscription: WebhookSubscription, actor=None, **changes) -> WebhookSubscription:
    """Change the URL, the events, or switch it on and off (switching on forgets past failures)."""
    if unknown := set(changes) - {"url", "events", "is_active"}:
        raise ValidationError({name: "This cannot be changed." for name in sorted(unknown)})
    if "events" in changes:
        changes["events"] = _check_events(list(changes["events"]))
    for name, value in changes.items():
        setattr(subscription, name, value)
    if changes.get("is_active"):
        subscription.consecutive_failures, subscription.disabled_reason = 0, ""
    subscription.full_clean(exclude=["secret", "organization"])
    subscription._history_user = actor
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, actor=None) -> None:
    """Stop sending to the subscription and forget it, its delivery log included (deleted with
    it); its history keeps who deleted it (None for an API key, which is no user)."""
    subscription._history_user = actor
    subscription.delete()


def webhook_emit(*, event: str, data: dict, organization_id: int | None = None) -> list[WebhookDelivery]:
    """Queue ``event`` for every active subscription that wants it: the organization's own (or,
    for shared discovery data such as a ranking, every organization's)."""
    subscriptions = WebhookSubscription.objects.filter(is_active=True)
    if organization_id is not None:
        subscriptions = subscriptions.filter(organization_id=organization_id)
    deliveries = []
    for subscription in subscriptions.select_related("organization"):
        if not subscription.wants(event):
            continue
        event_id = uuid.uuid4()
        payload = {
            "id": str(event_id),
            "event": event,
            "created_at": timezone.now().isoformat(),
            "organization": subscription.organization.slug,
            "data": data,
        }
        deliveries.append(
            WebhookDelivery.objects.create(subscription=subscription, event=event, event_id=event_id, payload=payload)
        )
    from api.tasks import deliver_webhook  # the task module imports this one

    for delivery in deliveries:
        enqueue_after_commit(deliver_webhook, delivery.pk)
    return deliveries


def deliver(delivery: WebhookDelivery) -> None:
    """One attempt; raises DeliveryFailed when the receiver did not answer 2xx in time."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Id": str(delivery.event_id),
        "X-Webhook-Signature": sign(delivery.subscription.secret, int(time.time()), body),
    }
    attempt = WebhookDelivery.objects.filter(pk=delivery.pk)
    attempt.update(attempts=F("attempts") + 1)  # counted before sending: a worker killed meanwhile still tried
    try:
        with outbound_session(follow_redirects=False) as session:
            response = session.post(delivery.subscription.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        # The detail (address, errno) is for the operator's log only: the tenant reads one line.
        detail = outbound_detail(error)
        logger.warning("webhook delivery %s (subscription %s): %s", delivery.pk, delivery.subscription_id, detail)
        attempt.update(last_error=outbound_failure(error))
        raise (DeliveryRefused if isinstance(error, OutboundRefused) else DeliveryFailed)(detail) from None
    if not 200 <= response.status_code < 300:
        attempt.update(last_status_code=response.status_code, last_error=f"failed: answered {response.status_code}")
        raise DeliveryFailed(f"answered {response.status_code}")
    attempt.update(
        last_status_code=response.status_code, status=DeliveryStatus.SUCCEEDED, delivered_at=timezone.now(),
        last_error="",
    )  # fmt: skip
    WebhookSubscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=0)


@transaction.atomic
def delivery_failed_for_good(delivery: WebhookDelivery) -> None:
    """No more retries: log it, and disable a subscription that keeps failing."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    subscription._history_user = None  # the system disabled it, whoever's request it may run in
    subscription.consecutive_failures += 1
    if subscription.consecutive_failures >= WebhookSubscription.DISABLE_AFTER and subscription.is_active:
        subscription.is_active = False
        subscription.disabled_reason = (
            f"Disabled after {subscription.consecutive_failures} deliveries failed in a row "
            f"(last: {WebhookDelivery.objects.get(pk=delivery.pk).last_error or 'no answer'})."
        )[:300]
    subscription.save(update_fields=["consecutive_failures", "is_active", "disabled_reason"])

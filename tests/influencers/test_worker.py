"""A real Celery worker, on the configured broker (Redis in CI), runs a task end to end.

Needs a broker and a database a second process can share: PostgreSQL. On the embedded defaults
(no broker, SQLite in memory for tests) it is skipped with that reason; CI runs it.
"""

from datetime import UTC, datetime
from pathlib import Path

from influencers.ingest.runs import sync_run_create
from influencers.models import Interaction, Membership, SyncRun, SyncStatus
from influencers.tasks import refresh_community_memberships, run_sync
from tests.influencers.workers import NEEDS_A_WORKER, send_through_broker, wait_until

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "reddit"

pytestmark = NEEDS_A_WORKER


def test_a_task_sent_through_the_broker_is_run_by_the_worker(worker, community, make_identity, make_interaction):
    helper, asker = make_identity("helper"), make_identity("asker")
    make_interaction("p1", asker, at=datetime(2026, 3, 1, tzinfo=UTC))
    make_interaction("c1", helper, kind="comment", parent_external_id="p1", at=datetime(2026, 3, 2, tzinfo=UTC))

    send_through_broker(refresh_community_memberships, [community.pk], worker)
    wait_until(lambda: Membership.objects.filter(community=community).count() >= 2)
    assert Membership.objects.filter(community=community).count() == 2
    assert Membership.objects.get(identity=helper).reply_count == 1


def test_a_dump_is_ingested_end_to_end_by_the_worker(worker):
    run = sync_run_create(
        source="reddit-dump",
        arguments={
            "paths": [
                str(FIXTURES / "RS_fountainpens_2024-01.ndjson"),
                str(FIXTURES / "RC_fountainpens_2024-01.ndjson"),
            ]
        },
    )
    send_through_broker(run_sync, [run.pk], worker)
    wait_until(lambda: SyncRun.objects.get(pk=run.pk).status == SyncStatus.COMPLETED)
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED, run.error
    assert (run.created, run.skipped) == (8, 4)
    assert Interaction.objects.count() == 8
    assert Interaction.objects.get(external_id="t1_k00002").target.handle == "sheen_queen"


def test_a_webhook_is_retried_by_the_worker_until_the_receiver_answers(worker, org_a, monkeypatch):
    from api.models import DeliveryStatus, WebhookDelivery
    from api.tasks import deliver_webhook
    from api.webhooks import webhook_emit, webhook_subscription_create
    from tests.api.test_webhooks import Receiver

    receiver = Receiver()
    try:
        receiver.answers = [503, 500]
        webhook_subscription_create(organization=org_a, url=receiver.url)
        with monkeypatch.context() as patched:
            # Not queued on commit (where the test settings would run it in-process): sent below, to this worker.
            patched.setattr(deliver_webhook, "apply_async", lambda *args, **kwargs: None)
            [delivery] = webhook_emit(event="ranking.completed", data={"ranking_run": 1})
        send_through_broker(deliver_webhook, [delivery.pk], worker)
        wait_until(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status != DeliveryStatus.PENDING, seconds=60)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 3 and len(receiver.received) == 3
    finally:
        receiver.close()

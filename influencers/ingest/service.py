"""The ingest service: one import of a connector's records, recorded on its SyncRun.

``run_ingest`` is the entry point (the ``ingest`` command and the Celery tasks reach it through
``runs.sync_run_execute``): it marks the run started, lets an ``Ingestor`` store the records, and
records how the attempt ended. The pieces, for a reader:

- ``batching.py``: the stream in batches, each in one transaction together with the SyncRun's
  counters and checkpoint, so a crash loses at most the batch in flight and the run's numbers
  always describe what is stored. Re-importing the same data creates nothing (only changed rows
  are updated); a re-run after a crash ends with exactly the rows of a clean run.
- ``stages.py``: on PostgreSQL, the planner and writer threads that let the database work while
  Python parses.
- ``summary.py``: what an import counted (``IngestSummary``), and the counters saved per batch.
- ``postgres.py`` / ``portable.py``: how one batch is written (array lookups then COPY; the ORM
  for SQLite), with ``planning.py`` and ``identities.py`` beside them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from crm.database import write_despite_a_broken_connection
from influencers.connectors.records import SourceError
from influencers.ingest.batching import BATCH_SIZE, Ingestor, IngestSummary, import_lock_key
from influencers.models import SyncRun, SyncStatus

__all__ = ["BATCH_SIZE", "IngestSummary", "Ingestor", "import_lock_key", "run_ingest"]


def run_ingest(*, sync_run: SyncRun, items: Iterable, on_progress=None, batch_size: int = BATCH_SIZE) -> IngestSummary:
    """Run one ingestion and record its outcome on ``sync_run`` (completed, or failed with the error).

    Connector errors (SourceError) and database errors propagate after the run is marked failed;
    what was committed before stays, and a re-run completes it without duplicates. Each attempt
    is logged on the run, including one cut off before it could say how it ended (a killed worker).
    """
    now = timezone.now()
    log = [dict(entry) for entry in sync_run.attempt_log]
    if log and "outcome" not in log[-1]:
        log[-1]["outcome"] = "cut off before it could record how it ended (its worker stopped or lost the database)"
    log.append({"attempt": sync_run.attempts + 1, "started_at": now.isoformat()})
    sync_run.status = SyncStatus.RUNNING
    sync_run.started_at = now
    sync_run.finished_at = None
    sync_run.attempts += 1
    sync_run.error = ""
    sync_run.attempt_log = log
    sync_run.save(update_fields=["status", "started_at", "finished_at", "attempts", "error", "attempt_log"])
    ingestor = Ingestor(sync_run=sync_run, on_progress=on_progress, batch_size=batch_size)
    try:
        summary = ingestor.run(items)
    except BaseException as error:
        # A source's own refusal is written for people ("refused: …", "failed: …"): shown as it is;
        # anything else is named by its kind, for the operator who reads the run.
        message = (str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}")[:2000]
        log[-1].update(outcome=f"failed: {message}", finished_at=timezone.now().isoformat())
        write_despite_a_broken_connection(
            lambda: SyncRun.objects.filter(pk=sync_run.pk).update(
                status=SyncStatus.FAILED, finished_at=timezone.now(), error=message, attempt_log=log
            ),
            f"the failure of sync run {sync_run.pk}",
        )
        sync_run.status, sync_run.error, sync_run.attempt_log = SyncStatus.FAILED, message, log
        raise
    sync_run.status = SyncStatus.COMPLETED
    sync_run.finished_at = timezone.now()
    log[-1].update(outcome="completed", finished_at=sync_run.finished_at.isoformat())
    sync_run.save(update_fields=["status", "finished_at", "attempt_log"])
    return summary

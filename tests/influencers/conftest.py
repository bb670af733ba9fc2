import uuid

import pytest

from tests.influencers.workers import start_worker, stop_worker


@pytest.fixture
def worker(transactional_db):
    """A worker on a private queue, reading the test database; yields the queue's name."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = start_worker(queue)
    yield queue
    stop_worker(process)

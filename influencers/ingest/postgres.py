"""The PostgreSQL write path: COPY a batch into temporary staging tables, then upsert set-wise.

Per batch, Python only formats rows; the database does the rest in four statements:
identities are inserted (``ON CONFLICT DO NOTHING``) and flagged, interactions are inserted with
their author, target and parent resolved by joins on the unique indexes (``ON CONFLICT DO
NOTHING`` on (community, external id) is the idempotency), and rows that were already stored
are updated only where something changed. Ids are taken from the table's sequence up front so a
reply can point at a parent in the same batch.
"""

from __future__ import annotations

from collections import OrderedDict

from django.db import connection
from django.utils import timezone

from influencers.connectors.records import AuthorRecord, InteractionRecord
from influencers.ingest.portable import clean_text
from influencers.models import Identity, Interaction

INTERACTIONS = Interaction._meta.db_table
IDENTITIES = Identity._meta.db_table
INT32 = 2**31 - 1


def pg_cursor():
    """A plain psycopg cursor on Django's connection (its transaction), binding on the server.

    Django's cursors bind parameters client-side and cannot stream COPY rows as tuples as cheaply.
    """
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


STAGING = """
CREATE TEMP TABLE IF NOT EXISTS ingest_identity_stage (
    platform text, external_id text, handle text, display_name text, profile_url text,
    reach bigint, reach_kind text, is_bot boolean, is_deleted boolean
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_interaction_stage (
    id bigint DEFAULT nextval(pg_get_serial_sequence('{interactions}', 'id')),
    community_id bigint, external_id text, kind text,
    author_platform text, author_external_id text, target_platform text, target_external_id text,
    parent_external_id text, thread_external_id text,
    posted_at timestamptz, edited_at timestamptz, title text, text text, url text, score integer,
    is_removed boolean
) ON COMMIT DELETE ROWS;
-- Inside an outer transaction (a test, a caller's atomic block) nothing commits between batches.
TRUNCATE ingest_identity_stage, ingest_interaction_stage;
""".replace("{interactions}", INTERACTIONS)

IDENTITY_COLUMNS = "platform, external_id, handle, display_name, profile_url, reach, reach_kind, is_bot, is_deleted"
INSERT_IDENTITIES = f"""
INSERT INTO {IDENTITIES} ({IDENTITY_COLUMNS}, created_at)
SELECT {IDENTITY_COLUMNS}, %s FROM ingest_identity_stage
ON CONFLICT (platform, external_id) DO NOTHING
"""
# A source may learn that an existing account is a bot or was deleted: record it, never unflag.
FLAG_IDENTITIES = f"""
UPDATE {IDENTITIES} i SET is_bot = i.is_bot OR s.is_bot, is_deleted = i.is_deleted OR s.is_deleted
FROM (SELECT * FROM ingest_identity_stage WHERE is_bot OR is_deleted) s
WHERE i.platform = s.platform AND i.external_id = s.external_id
  AND ((s.is_bot AND NOT i.is_bot) OR (s.is_deleted AND NOT i.is_deleted))
"""
STAGE_COLUMNS = (
    "community_id, external_id, kind, author_platform, author_external_id, target_platform, "
    "target_external_id, parent_external_id, thread_external_id, posted_at, edited_at, title, text, "
    "url, score, is_removed"
)
INSERT_INTERACTIONS = f"""
INSERT INTO {INTERACTIONS} (id, community_id, external_id, kind, author_id, target_id, parent_id,
    parent_external_id, thread_external_id, posted_at, edited_at, title, text, url, score, is_removed,
    imported_at)
SELECT s.id, s.community_id, s.external_id, s.kind, a.id,
       COALESCE(t.id, CASE WHEN s.kind = 'comment' THEN p.author_id END),
       COALESCE(p.id, ps.id),
       s.parent_external_id, s.thread_external_id, s.posted_at, s.edited_at, s.title, s.text, s.url, s.score,
       s.is_removed, %s
FROM ingest_interaction_stage s
LEFT JOIN {IDENTITIES} a ON a.platform = s.author_platform AND a.external_id = s.author_external_id
LEFT JOIN {IDENTITIES} t ON t.platform = s.target_platform AND t.external_id = s.target_external_id
-- Parents stored before this batch (p), or arriving in it (ps: inserted by this very statement).
LEFT JOIN {INTERACTIONS} p ON s.parent_external_id <> ''
     AND p.community_id = s.community_id AND p.external_id = s.parent_external_id
LEFT JOIN ingest_interaction_stage ps ON s.parent_external_id <> '' AND ps.external_id = s.parent_external_id
ON CONFLICT (community_id, external_id) DO NOTHING
"""
# Rows that were stored before this batch (their id differs from the one staged for them).
UPDATE_CHANGED = f"""
UPDATE {INTERACTIONS} i
SET title = s.title, text = s.text, url = s.url, score = s.score, edited_at = s.edited_at, is_removed = s.is_removed
FROM ingest_interaction_stage s
WHERE i.community_id = s.community_id AND i.external_id = s.external_id AND i.id <> s.id
  AND (i.title, i.text, i.url, i.score, i.edited_at, i.is_removed)
      IS DISTINCT FROM (s.title, s.text, s.url, s.score, s.edited_at, s.is_removed)
"""


def _identity_row(author: AuthorRecord) -> tuple:
    return (
        author.platform, author.external_id, clean_text(author.handle, 255) or author.external_id[:255],
        clean_text(author.display_name, 255), author.profile_url[:500], author.reach, author.reach_kind[:32],
        author.is_bot, author.is_deleted,
    )  # fmt: skip


class PostgresBatchWriter:
    """Writes batches for one import; remembers the accounts it has already stored (bounded)."""

    def __init__(self, *, remember: int = 200_000):
        self.remember = remember
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()

    def write_batch(self, community, records: list[InteractionRecord]) -> tuple[int, int, int]:
        """Store one community's batch; returns (created, updated, unchanged)."""
        new_authors: dict[tuple[str, str], AuthorRecord] = {}
        by_id: dict[str, InteractionRecord] = {}
        for record in records:
            for author in (record.author, record.target):
                if author is not None and author.key not in self._known:
                    new_authors.setdefault(author.key, author)
            by_id[record.external_id] = record

        with pg_cursor() as cursor:
            cursor.execute(STAGING)
            if new_authors:
                with cursor.copy(f"COPY ingest_identity_stage ({IDENTITY_COLUMNS}) FROM STDIN") as copy:
                    for author in new_authors.values():
                        copy.write_row(_identity_row(author))
                cursor.execute(INSERT_IDENTITIES, [timezone.now()])
                cursor.execute(FLAG_IDENTITIES)

            with cursor.copy(f"COPY ingest_interaction_stage ({STAGE_COLUMNS}) FROM STDIN") as copy:
                for record in records:
                    parent = record.parent_external_id
                    target = record.target
                    if target is None and record.kind == "comment" and parent in by_id:
                        target = by_id[parent].author  # whom a reply answers, when the parent came along
                    author = record.author
                    copy.write_row((
                        community.pk, record.external_id, record.kind,
                        author.platform if author else None, author.external_id if author else None,
                        target.platform if target else None, target.external_id if target else None,
                        parent, record.thread_external_id, record.posted_at, record.edited_at,
                        clean_text(record.title, 500), clean_text(record.text),
                        record.url if len(record.url) <= 1000 else "",
                        max(-INT32, min(INT32, record.score)), record.is_removed,
                    ))  # fmt: skip
            cursor.execute(INSERT_INTERACTIONS, [timezone.now()])
            created = cursor.rowcount
            updated = 0
            if created < len(records):
                cursor.execute(UPDATE_CHANGED)
                updated = cursor.rowcount
        for key in new_authors:
            self._known[key] = None
        while len(self._known) > self.remember:
            self._known.popitem(last=False)
        return created, updated, len(records) - created - updated

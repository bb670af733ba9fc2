"""Find or create the identities named in a batch of records, with a bounded cache."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from crm.database import pg_cursor
from influencers.connectors.records import AuthorRecord
from influencers.ingest.planning import clean_text
from influencers.models import Identity

QUERY_CHUNK = 1000


class IdentityResolver:
    """Maps (platform, external id) to identity ids, creating identities on first sight.

    The cache is an LRU bounded at ``max_cached`` entries so memory stays flat on imports with
    millions of authors; a miss costs one indexed query per chunk of a batch.
    """

    def __init__(self, *, max_cached: int = 200_000):
        self.max_cached = max_cached
        self._ids: OrderedDict[tuple[str, str], int] = OrderedDict()

    def resolve(self, authors: Iterable[AuthorRecord | None]) -> dict[tuple[str, str], int]:
        wanted: dict[tuple[str, str], AuthorRecord] = {}
        for author in authors:
            if author is not None:
                wanted.setdefault(author.key, author)
        missing = [key for key in wanted if key not in self._ids]
        if missing:
            existing, created = self._find_or_create([wanted[key] for key in missing])
            # What a source says of an account it already knew (now a bot, now deleted) is recorded.
            self._apply_flags([wanted[key] for key in existing], existing)
            for key, identity_id in (existing | created).items():
                self._remember(key, identity_id)
        resolved = {}
        for key in wanted:
            self._ids.move_to_end(key)
            resolved[key] = self._ids[key]
        self._update_reach(wanted.values(), resolved)
        return resolved

    def _lookup(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if connection.vendor == "postgresql":
            # One query for the whole batch, with arrays bound on the server.
            with pg_cursor() as cursor:
                cursor.execute(
                    f"SELECT i.id, i.platform, i.external_id FROM unnest(%b::text[], %b::text[]) "
                    f"AS wanted(platform, external_id) JOIN {Identity._meta.db_table} i "
                    "ON i.platform = wanted.platform AND i.external_id = wanted.external_id",
                    [[k[0] for k in keys], [k[1] for k in keys]],
                )
                return {(platform, external_id): pk for pk, platform, external_id in cursor.fetchall()}
        by_platform: dict[str, list[str]] = {}
        for platform, external_id in keys:
            by_platform.setdefault(platform, []).append(external_id)
        found = {}
        for platform, external_ids in by_platform.items():
            for start in range(0, len(external_ids), QUERY_CHUNK):
                chunk = external_ids[start : start + QUERY_CHUNK]
                for identity_id, external_id in Identity.objects.filter(
                    platform=platform, external_id__in=chunk
                ).values_list("id", "external_id"):
                    found[(platform, external_id)] = identity_id
        return found

    def _find_or_create(self, authors: list[AuthorRecord]) -> tuple[dict, dict]:
        """Ids of the identities already stored and of those created now, by (platform, external id)."""
        if connection.vendor != "postgresql":
            existing = self._lookup([a.key for a in authors])
            absent = [self._new_identity(a) for a in authors if a.key not in existing]
            Identity.objects.bulk_create(
                [Identity(**fields) for fields in absent], batch_size=QUERY_CHUNK, ignore_conflicts=True
            )
            return existing, self._lookup([(i["platform"], i["external_id"]) for i in absent]) if absent else {}
        # One statement: insert those not stored (leaving alone any a concurrent import created
        # first) and read the ids of those that were. Column arrays sent in binary (%b): the ORM
        # compiles SQL per row, and text arrays are quoted element by element in Python.
        columns = ["platform", "external_id", "handle", "display_name", "profile_url", "reach", "reach_kind",
                   "is_bot", "is_deleted"]  # fmt: skip
        types = ["text", "text", "text", "text", "text", "bigint", "text", "boolean", "boolean"]
        rows = [self._new_identity(a) for a in authors]
        table = Identity._meta.db_table
        existing, created = {}, {}
        with pg_cursor() as cursor:
            cursor.execute(
                f"WITH wanted AS (SELECT * FROM unnest({', '.join(f'%b::{t}[]' for t in types)}) "
                f"AS w({', '.join(columns)})), "
                f"created AS (INSERT INTO {table} ({', '.join(columns)}, created_at) SELECT *, %s FROM wanted "
                "ON CONFLICT (platform, external_id) DO NOTHING RETURNING id, platform, external_id) "
                "SELECT id, platform, external_id, true FROM created UNION ALL "
                f"SELECT i.id, i.platform, i.external_id, false FROM {table} i "
                "JOIN wanted w ON i.platform = w.platform AND i.external_id = w.external_id",
                [*([r[c] for r in rows] for c in columns), timezone.now()],
            )
            for pk, platform, external_id, is_new in cursor.fetchall():
                (created if is_new else existing)[(platform, external_id)] = pk
        # Created by another import after this statement's snapshot: neither inserted nor seen.
        if late := [a.key for a in authors if a.key not in existing and a.key not in created]:
            existing.update(self._lookup(late))
        return existing, created

    @staticmethod
    def _new_identity(author: AuthorRecord) -> dict:
        """A new identity's fields (a dict: a model instance per account cost seconds per 100,000)."""
        return {
            "platform": author.platform,
            "external_id": author.external_id,
            "handle": clean_text(author.handle, 255) or author.external_id[:255],
            "display_name": clean_text(author.display_name, 255),
            "profile_url": author.profile_url[:500],
            "reach": author.reach,
            "reach_kind": author.reach_kind[:32],
            "is_bot": author.is_bot,
            "is_deleted": author.is_deleted,
        }

    @staticmethod
    def _apply_flags(authors: list[AuthorRecord], ids: dict[tuple[str, str], int]) -> None:
        """A source may learn that an existing account is a bot or was deleted: record it."""
        bots = [ids[a.key] for a in authors if a.is_bot]
        deleted = [ids[a.key] for a in authors if a.is_deleted]
        if bots:
            Identity.objects.filter(pk__in=bots, is_bot=False).update(is_bot=True)
        if deleted:
            Identity.objects.filter(pk__in=deleted, is_deleted=False).update(is_deleted=True)

    @staticmethod
    def _update_reach(authors: Iterable[AuthorRecord], ids: dict[tuple[str, str], int]) -> None:
        for author in authors:
            if author.reach is not None:
                Identity.objects.filter(pk=ids[author.key]).exclude(reach=author.reach).update(
                    reach=author.reach, reach_kind=author.reach_kind[:32], reach_updated_at=timezone.now()
                )

    def _remember(self, key: tuple[str, str], identity_id: int) -> None:
        self._ids[key] = identity_id
        if len(self._ids) > self.max_cached:
            self._ids.popitem(last=False)

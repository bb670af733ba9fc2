"""Writes to stored insight besides computing it."""

from __future__ import annotations

from crm.background import enqueue_after_commit
from insight.models import CommunityInsight
from insight.tasks import refresh_community_insight


def insight_forget(*, community_ids: set[int], interaction_ids: set[int], thread_ids: set[str]) -> int:
    """Take erased people's words out of stored insight at once (the quoted examples of vocabulary,
    phrases and question themes), then compute those communities' insight again after the commit.
    Returns how many stored documents changed."""
    changed = 0
    for insight in CommunityInsight.objects.select_for_update().filter(community_id__in=community_ids):
        document = insight.document
        before = repr(document)
        for key in ("vocabulary", "phrases"):
            for term in document.get(key, []):
                term["examples"] = [e for e in term.get("examples", []) if e.get("interaction") not in interaction_ids]
        for theme in document.get("questions", {}).get("themes", []):
            theme["examples"] = [e for e in theme.get("examples", []) if e.get("thread_id") not in thread_ids]
        if repr(document) != before:
            insight.save(update_fields=["document"])
            changed += 1
    for community_id in sorted(community_ids):
        enqueue_after_commit(refresh_community_insight, community_id)
    return changed

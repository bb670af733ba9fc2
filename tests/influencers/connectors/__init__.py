from influencers.connectors.records import CommunityRecord, InteractionRecord, Skipped


def split(items):
    """A connector's stream as (communities, interactions by external id, skipped)."""
    items = list(items)
    return (
        [i for i in items if isinstance(i, CommunityRecord)],
        {i.external_id: i for i in items if isinstance(i, InteractionRecord)},
        [i for i in items if isinstance(i, Skipped)],
    )

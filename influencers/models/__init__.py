"""Discovery data, shared by every organization: who takes part in which community, and how.

Split by domain and re-exported here, so ``from influencers.models import Interaction`` works.
"""

from influencers.models.community import Community, Platform
from influencers.models.interaction import Interaction, InteractionKind, RemovedBy
from influencers.models.live import LIVE_CHAT_PLATFORMS, LiveConnection
from influencers.models.people import (
    Creator,
    ErasedAccount,
    ErasureRequest,
    ErasureStatus,
    Identity,
    Membership,
    account_fingerprint,
)
from influencers.models.ranking import MemberScore, RankingRun, RankingStatus
from influencers.models.sync import SyncRun, SyncSource, SyncStatus
from influencers.models.vocabulary import MemberTerm, MemberWriting

__all__ = [
    "LIVE_CHAT_PLATFORMS",
    "Community",
    "Creator",
    "ErasedAccount",
    "ErasureRequest",
    "ErasureStatus",
    "Identity",
    "Interaction",
    "InteractionKind",
    "LiveConnection",
    "MemberScore",
    "MemberTerm",
    "MemberWriting",
    "Membership",
    "Platform",
    "RankingRun",
    "RankingStatus",
    "RemovedBy",
    "SyncRun",
    "SyncSource",
    "SyncStatus",
    "account_fingerprint",
]

"""Reads for outreach pages: what a message's fields are filled with, the creator's threads to
choose from, the messages of a partnership, the board card's one line, the unfiled inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.utils import timezone

from influencers.models import Identity, Interaction, InteractionKind, Platform
from partnerships.models import ObservationNote, Partnership, Stage
from partnerships.models.outreach import (
    Channel,
    Direction,
    DoNotContact,
    Message,
    MessageStatus,
    Sender,
    Sequence,
    SequenceStatus,
)


@dataclass(frozen=True)
class TheirThread:
    id: int
    title: str
    url: str
    community: str
    replies: int
    posted_at: datetime


def their_threads(partnership: Partnership, limit: int = 10) -> list[TheirThread]:
    """The creator's own threads in the partnership's communities, most answered first: the ones
    a brand that observed them is likely to have read."""
    communities = list(partnership.communities.all())
    posts = Interaction.objects.filter(author__creator_id=partnership.creator_id, kind=InteractionKind.POST)
    if communities:
        posts = posts.filter(community__in=communities)
    posts = (
        posts.exclude(title="")
        .annotate(answers=Count("replies"))
        .select_related("community")
        .order_by("-answers", "-posted_at")[:limit]
    )
    return [
        TheirThread(post.pk, post.title, post.url, post.community.label, post.answers, post.posted_at) for post in posts
    ]


def reddit_handle_of(creator) -> str:
    identity = Identity.objects.filter(creator=creator, platform=Platform.REDDIT).order_by("pk").first()
    return identity.handle if identity else ""


def first_name_of(display_name: str, handle: str) -> str:
    """A first name when the display name looks like a person's name ("Anna Kowalski"), else
    the handle: "Hi inkwell_anna" reads better than "Hi Inkwell_anna"."""
    name = (display_name or "").strip()
    first = name.split()[0] if name else ""
    if first and first[0].isupper() and first.isalpha() and name != handle:
        return first
    return handle or first


def merge_values(partnership: Partnership, *, actor=None, sender: Sender | None = None, thread_id=None) -> dict:
    """What each merge field becomes for this partnership (see partnerships.outreach.merge.FIELDS)."""
    creator = partnership.creator
    handle = reddit_handle_of(creator) if sender is None or sender.channel == Channel.REDDIT else ""
    if not handle:
        identity = creator.identities.order_by("pk").first()
        handle = identity.handle if identity else ""
    threads = their_threads(partnership)
    thread = next((t for t in threads if str(t.id) == str(thread_id)), threads[0] if threads else None)
    communities = list(partnership.communities.all())
    community = communities[0] if communities else None
    observation = (
        ObservationNote.objects.filter(brand=partnership.brand, community=community)
        .order_by("-observed_on", "-pk")
        .first()
        if community
        else None
    )
    manager = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        manager = actor.get_full_name() or actor.get_username()
    return {
        "first_name": first_name_of(creator.display_name, handle),
        "handle": handle,
        "community": community.label if community else (thread.community if thread else ""),
        "their_thread": thread.title if thread else "",
        "their_thread_link": thread.url if thread else "",
        "observation": observation.text if observation else "",
        "brand": partnership.brand.name,
        "manager_name": manager,
    }


def messages_of(partnership: Partnership):
    return Message.objects.filter(partnership=partnership).select_related("sender").order_by("-occurred_at", "-id")


def unfiled_messages(organization_ids):
    return (
        Message.objects.filter(organization_id__in=organization_ids, direction=Direction.IN, partnership__isnull=True)
        .select_related("sender", "creator")
        .order_by("-occurred_at")
    )


def _in_days(moment: datetime, now: datetime) -> str:
    days = (timezone.localdate(moment) - timezone.localdate(now)).days
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def outreach_line(partnership: Partnership, sequence: Sequence | None, last: Message | None, now=None) -> str:
    """The board card's line: "waiting for reply · follow-up in 2 days", "replied", "not sent yet"…"""
    now = now or timezone.now()
    if last is not None and last.direction == Direction.IN:
        return "replied"
    if last is not None and last.status == MessageStatus.FAILED:
        return "could not send"
    if last is not None and last.status in (MessageStatus.QUEUED, MessageStatus.SENDING):
        return "not sent yet" if last.problem else "sending"
    if sequence is not None and sequence.status == SequenceStatus.ACTIVE and last is not None:
        if sequence.next_follow_up_at:
            return f"waiting for reply · follow-up {_in_days(sequence.next_follow_up_at, now)}"
        return "waiting for reply"
    if last is not None and partnership.stage == Stage.OUTREACH:
        return "waiting for reply"
    return ""


def outreach_lines(partnerships) -> dict[int, str]:
    """``outreach_line`` for many partnerships in two queries (the board)."""
    ids = [p.pk for p in partnerships]
    if not ids:
        return {}
    last_by_partnership: dict[int, Message] = {}
    for message in (
        Message.objects.filter(partnership_id__in=ids)
        .exclude(status=MessageStatus.CANCELLED)
        .only("partnership_id", "direction", "status", "problem", "occurred_at")
        .order_by("partnership_id", "-occurred_at", "-id")
    ):
        last_by_partnership.setdefault(message.partnership_id, message)
    running = {
        s.partnership_id: s
        for s in Sequence.objects.filter(partnership_id__in=ids, status=SequenceStatus.ACTIVE).only(
            "partnership_id", "status", "next_follow_up_at"
        )
    }
    lines = {}
    for partnership in partnerships:
        line = outreach_line(partnership, running.get(partnership.pk), last_by_partnership.get(partnership.pk))
        if line:
            lines[partnership.pk] = line
    return lines


def do_not_contact_ids(organization_ids, creator_ids) -> set[int]:
    return set(
        DoNotContact.objects.filter(organization_id__in=organization_ids, creator_id__in=creator_ids).values_list(
            "creator_id", flat=True
        )
    )


def senders_for(organization_ids, *, active_only: bool = True):
    senders = Sender.objects.filter(organization_id__in=organization_ids)
    return senders.filter(is_active=True) if active_only else senders

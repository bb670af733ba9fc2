"""What a creator wrote, community by community, for the creator page: their recent posts and
replies (with the thread each answers), the threads of theirs that drew the most replies from
others, the community's own words they use most, and where else they are active.

A manager reads these before reaching out ("read their last 20 posts"). Everything here is
discovery data, shared by every organization. Erased people's words never show: an erased
account's texts are blanked by the erasure, and the reads below leave erased accounts out besides,
so neither their posts nor the titles of threads they started can appear.

Each community shown costs the same few queries, whatever the creator wrote: a page of their
writings (a count and a slice), the titles of the threads those answer, the threads they started
with the most replies, the titles of those, a recent sample of the community's texts and the
creator's own texts there (for the words).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from graph.language import CorpusBuilder, community_vocabulary, tokenize
from influencers.models import Community, Identity, Interaction, InteractionKind, Membership, RemovedBy

WRITINGS_PER_PAGE = 20  # "read their last 20 posts"
THREADS_SHOWN = 5
WORDS_SHOWN = 12
EXCERPT_CHARS = 400
# The community's language is read from its newest texts, so a page costs the same in a community of
# a million texts: enough for its common words, with each member's share capped as the ranking caps it.
COMMUNITY_SAMPLE = 5_000
OWN_TEXTS_READ = 5_000  # a member has at most a few thousand texts in one community
OWN_TOKENS_PER_TEXT = 200  # count every word of theirs, not only the first 30 the ranking reads
WRITTEN = (InteractionKind.POST, InteractionKind.COMMENT)  # reactions and mentions carry no words
REMOVAL = {
    RemovedBy.AUTHOR: "removed by its author",
    RemovedBy.COMMUNITY: "removed by the community",
    RemovedBy.NOBODY: "removed",
}


@dataclass(frozen=True)
class Writing:
    """One post or reply as the page prints it."""

    is_post: bool
    handle: str
    excerpt: str
    thread_title: str  # a post's own title; for a reply, the title of the post that started its thread
    url: str  # the original, on the platform
    posted_at: datetime
    score: int
    removed: str  # "" when still up; else who removed it, as far as the source says


@dataclass(frozen=True)
class AnsweredThread:
    """A thread the creator started, with how many replies it drew from others."""

    title: str
    url: str
    posted_at: datetime | None
    replies: int
    repliers: int


@dataclass(frozen=True)
class CommunityWord:
    term: str
    uses: int  # times in the creator's texts here
    members: int  # members of the community's sample who use it too


@dataclass
class CommunityWriting:
    """The creator in one community."""

    community: Community
    handles: list[str]
    writings: Page
    newer_url: str  # "" on the first page
    older_url: str  # "" on the last
    threads: list[AnsweredThread]
    words: list[CommunityWord]
    tokens_read: int  # the creator's words read here
    sample_members: int  # members whose texts made the community's language
    elsewhere: list[Community] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"words-{self.community.pk}"


def page_parameter(community: Community) -> str:
    """The query parameter holding the page of one community's writings (each pages on its own)."""
    return f"words-{community.pk}"


def creator_writing(
    *, identities: list[Identity], memberships: list[Membership], query=None, limit: int = 8
) -> list[CommunityWriting]:
    """Per community the creator is active in (most recently seen first, the first ``limit``), what
    they wrote there. ``identities``: the creator's accounts; erased ones are left out here.
    ``query``: the request's GET parameters, for each community's page number."""
    query = query or {}
    erased = set(
        Identity.objects.filter(pk__in=[i.pk for i in identities], erasure__isnull=False).values_list("pk", flat=True)
    )
    speaking = {i.pk: i for i in identities if i.pk not in erased}
    communities: dict[int, Community] = {}
    accounts: dict[int, list[Identity]] = {}
    for membership in sorted(
        (m for m in memberships if m.identity_id in speaking),
        key=lambda m: (m.last_seen_at is None, -(m.last_seen_at.timestamp() if m.last_seen_at else 0)),
    ):
        communities.setdefault(membership.community_id, membership.community)
        accounts.setdefault(membership.community_id, []).append(speaking[membership.identity_id])
    every = list(communities.values())
    shown = []
    for community in every[:limit]:
        ids = [identity.pk for identity in accounts[community.pk]]
        writing = _community_writing(community, ids, query)
        writing.handles = sorted({identity.handle for identity in accounts[community.pk]})
        writing.elsewhere = [other for other in every if other.pk != community.pk]
        shown.append(writing)
    return shown


def _community_writing(community: Community, author_ids: list[int], query) -> CommunityWriting:
    parameter = page_parameter(community)
    written = (
        Interaction.objects.filter(community=community, author__in=author_ids, kind__in=WRITTEN)
        .select_related("author")
        .order_by("-posted_at", "-pk")
    )
    page = Paginator(written, WRITINGS_PER_PAGE).get_page(query.get(parameter, 1))
    rows = list(page.object_list)
    titles = _thread_titles(community, {row.thread_external_id for row in rows if not _is_post(row)})
    page.object_list = [_writing(row, titles) for row in rows]
    words, tokens, sample_members = _words_used(community, author_ids)
    return CommunityWriting(
        community=community,
        handles=[],
        writings=page,
        newer_url=_page_url(query, parameter, page.previous_page_number()) if page.has_previous() else "",
        older_url=_page_url(query, parameter, page.next_page_number()) if page.has_next() else "",
        threads=_most_answered(community, author_ids),
        words=words,
        tokens_read=tokens,
        sample_members=sample_members,
    )


def _is_post(row: Interaction) -> bool:
    return row.kind == InteractionKind.POST


def _writing(row: Interaction, titles: dict[str, str]) -> Writing:
    text = " ".join(row.text.split())
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return Writing(
        is_post=_is_post(row),
        handle=row.author.handle if row.author else "",
        excerpt=text,
        thread_title=row.title if _is_post(row) else titles.get(row.thread_external_id, ""),
        url=row.url,
        posted_at=row.posted_at,
        score=row.score,
        removed=REMOVAL.get(row.removed_by, "removed") if row.is_removed else "",
    )


def _thread_titles(community: Community, thread_ids: set[str]) -> dict[str, str]:
    """The title of each thread, from the post that started it (not erased people's)."""
    thread_ids.discard("")
    if not thread_ids:
        return {}
    return dict(
        Interaction.objects.filter(community=community, kind=InteractionKind.POST, external_id__in=thread_ids)
        .filter(Q(author__isnull=True) | Q(author__erasure__isnull=True))
        .values_list("external_id", "title")
    )


def _most_answered(community: Community, author_ids: list[int]) -> list[AnsweredThread]:
    """The threads they started with the most replies by others (bots' replies do not count)."""
    started = Interaction.objects.filter(community=community, author__in=author_ids, kind=InteractionKind.POST)
    counts = list(
        Interaction.objects.filter(
            community=community, kind=InteractionKind.COMMENT, thread_external_id__in=started.values("external_id")
        )
        .exclude(author__in=author_ids)
        .filter(Q(author__isnull=True) | Q(author__is_bot=False))
        .values("thread_external_id")
        .annotate(replies=Count("pk"), repliers=Count("author", distinct=True))
        .order_by("-replies", "thread_external_id")[:THREADS_SHOWN]
    )
    posts = {
        post.external_id: post
        for post in started.filter(external_id__in=[row["thread_external_id"] for row in counts]).only(
            "external_id", "title", "text", "url", "posted_at"
        )
    }
    threads = []
    for row in counts:
        post = posts.get(row["thread_external_id"])
        if post is None:
            continue
        title = post.title or " ".join(post.text.split())[:120]
        threads.append(AnsweredThread(title, post.url, post.posted_at, row["replies"], row["repliers"]))
    return threads


def _words_used(community: Community, author_ids: list[int]) -> tuple[list[CommunityWord], int, int]:
    """The community's own words (``graph.language``: far more frequent here than in general
    language, used by several members) that the creator uses most (uses × specificity), computed now from the
    community's newest texts and all of the creator's there. Returns the words, how many of the
    creator's words were read, and how many members' texts made the community's language."""
    sample = (
        Interaction.objects.filter(community=community, kind__in=WRITTEN, author__isnull=False)
        .filter(author__is_bot=False, author__is_deleted=False)
        .order_by("-posted_at")
        .values_list("author_id", "title", "text")[:COMMUNITY_SAMPLE]
    )
    builder = CorpusBuilder()
    for author, title, text in sample:
        if builder.wants(author):
            builder.add(author, tokenize(f"{title}\n{text}" if title else text))
    vocabulary = community_vocabulary(builder.build(), language=community.language or "en")
    own = (
        Interaction.objects.filter(community=community, author__in=author_ids, kind__in=WRITTEN)
        .order_by("-posted_at")
        .values_list("title", "text")[:OWN_TEXTS_READ]
    )
    uses: Counter[str] = Counter()
    tokens = 0
    for title, text in own:
        words = tokenize(f"{title}\n{text}" if title else text, limit=OWN_TOKENS_PER_TEXT)
        tokens += len(words)
        uses.update(word for word in words if word in vocabulary.terms)
    # Most used first, weighted by how distinctive each word is: a word barely past the bar (ten times
    # its everyday frequency) that they happen to use often does not crowd out the community's jargon.
    ranked = sorted(uses.items(), key=lambda item: (-item[1] * vocabulary.terms[item[0]].specificity, item[0]))
    words = [CommunityWord(term, count, vocabulary.terms[term].members) for term, count in ranked[:WORDS_SHOWN]]
    return words, tokens, vocabulary.members_with_text


def _page_url(query, parameter: str, number: int) -> str:
    """The page's address with one community's page changed, the others' kept."""
    values = {key: query.get(key) for key in query if key != parameter}
    values[parameter] = number
    return "?" + urlencode(values)

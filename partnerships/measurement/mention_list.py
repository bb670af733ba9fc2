"""A brand's mentions as the brand page lists them: each text with its author, community, date,
tone, whether the brand (its own accounts or its partners) was in the conversation, and a link to
the original; filtered by tone and by the brand's absence; a page at a time.

Reads stored ``BrandMention`` rows (the mention scan writes them) with their interaction, community
and author in the same query: a page costs two queries (a count and the page) however many
mentions the brand has. Erased people's words never show: an erasure blanks their texts, and a
mention whose author was erased is listed without its words besides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from partnerships.models import Brand, BrandMention

MENTIONS_PER_PAGE = 25
EXCERPT_BEFORE, EXCERPT_AFTER = 160, 280  # characters kept around the brand's name
# VADER's own bounds for its compound score: at least +0.05 reads positive, at most -0.05 negative.
POSITIVE, NEGATIVE = 0.05, -0.05
TONES = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}
CONVERSATIONS = {
    "absent": "The brand was not in the conversation",
    "present": "The brand or a partner took part",
}


@dataclass(frozen=True)
class MentionFilters:
    """What the list shows: a tone ("" for any) and the brand's presence ("" for either)."""

    tone: str = ""
    conversation: str = ""

    @property
    def active(self) -> bool:
        return bool(self.tone or self.conversation)

    def query(self, **changes) -> str:
        """These filters (and ``changes``) as a query string, without empty values."""
        values = {"tone": self.tone, "conversation": self.conversation} | changes
        return "?" + urlencode({key: value for key, value in values.items() if value})


def mention_filters_from(query) -> tuple[MentionFilters, list[str]]:
    """The filters a request asks for, and a sentence for each value that is not one (ignored)."""
    problems = []
    tone = (query.get("tone") or "").strip()
    if tone and tone not in TONES:
        problems.append(f"Tone: “{tone[:40]}” is not one; choose positive, neutral or negative.")
        tone = ""
    conversation = (query.get("conversation") or "").strip()
    if conversation and conversation not in CONVERSATIONS:
        problems.append(f"Conversation: “{conversation[:40]}” is not one; choose absent or present.")
        conversation = ""
    return MentionFilters(tone=tone, conversation=conversation), problems


def tone_of(sentiment: float) -> str:
    """A mention's tone in a word, from its sentiment (-1 to 1)."""
    if sentiment >= POSITIVE:
        return "positive"
    return "negative" if sentiment <= NEGATIVE else "neutral"


@dataclass(frozen=True)
class MentionRow:
    """One mention, as plain values the template prints."""

    posted_at: datetime | None
    author: str  # "" when unknown
    creator_id: int | None  # the author's creator page, when they have one
    community_id: int | None
    community: str  # Community.label
    before: str  # the text around the brand's name, split so the name can be marked
    name: str
    after: str
    erased: bool
    url: str
    tone: str
    sentiment: float
    brand_took_part: bool
    partner_took_part: bool
    is_recommendation: bool

    @property
    def in_absence(self) -> bool:
        return not (self.brand_took_part or self.partner_took_part)


def brand_mentions(*, brand: Brand, filters: MentionFilters = MentionFilters()) -> QuerySet[BrandMention]:
    """The brand's mentions, newest first, with what a row shows joined in."""
    mentions = BrandMention.objects.filter(brand=brand).select_related(
        "interaction", "community", "author__creator", "author__erasure"
    )
    if filters.tone == "positive":
        mentions = mentions.filter(sentiment__gte=POSITIVE)
    elif filters.tone == "negative":
        mentions = mentions.filter(sentiment__lte=NEGATIVE)
    elif filters.tone == "neutral":
        mentions = mentions.filter(sentiment__gt=NEGATIVE, sentiment__lt=POSITIVE)
    if filters.conversation == "absent":
        mentions = mentions.filter(brand_took_part=False, partner_took_part=False)
    elif filters.conversation == "present":
        mentions = mentions.filter(Q(brand_took_part=True) | Q(partner_took_part=True))
    return mentions.order_by("-posted_at", "-pk")


def brand_mentions_page(*, brand: Brand, filters: MentionFilters, page_number=1) -> Page:
    """One page of the brand's mentions as ``MentionRow``s (an unknown page number: the nearest)."""
    page = Paginator(brand_mentions(brand=brand, filters=filters), MENTIONS_PER_PAGE).get_page(page_number)
    page.object_list = [mention_row(mention) for mention in page.object_list]
    return page


def mention_row(mention: BrandMention) -> MentionRow:
    author = mention.author
    erased = author is not None and hasattr(author, "erasure")  # False when no ErasedAccount points at it
    text = "" if erased else mention.interaction.text or mention.interaction.title
    before, name, after = _around(text, mention.matched_alias)
    community = mention.community
    return MentionRow(
        posted_at=mention.posted_at,
        author=author.handle if author else "",
        creator_id=author.creator_id if author and not erased else None,
        community_id=community.pk if community else None,
        community=community.label if community else "",
        before=before,
        name=name,
        after=after,
        erased=erased,
        url="" if erased else mention.interaction.url,
        tone=tone_of(mention.sentiment),
        sentiment=mention.sentiment,
        brand_took_part=mention.brand_took_part,
        partner_took_part=mention.partner_took_part,
        is_recommendation=mention.is_recommendation,
    )


def _around(text: str, name: str) -> tuple[str, str, str]:
    """The text cut to the part around the first use of ``name`` (any case), as (before, the name
    as written, after); the whole text in ``before`` when the name is not found in it."""
    text = " ".join(text.split())
    at = text.lower().find(name.lower()) if name else -1
    if at < 0:
        cut = text[: EXCERPT_BEFORE + EXCERPT_AFTER]
        return (cut + "…" if len(cut) < len(text) else cut), "", ""
    start, end = max(0, at - EXCERPT_BEFORE), at + len(name)
    before = ("…" if start else "") + text[start:at]
    after = text[end : end + EXCERPT_AFTER] + ("…" if end + EXCERPT_AFTER < len(text) else "")
    return before, text[at:end], after

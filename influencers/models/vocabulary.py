"""What each member has written in a community, summarised for Discover's "talks about" filter.

Why a table and not full-text search: the question is "who uses the word *grinder* or the phrase
*burr grinder*", across every community at once, filtered and sorted with the ranking. A row per
(member, term) with an index on ``term`` answers it with one index probe per term, the same way on
PostgreSQL and SQLite, and joins the ranking's own rows; a full-text index would need a second
implementation for SQLite, stemming rules per language, and a document per member rebuilt anyway.
The rows are computed when a community is ranked (``graph.vocabulary``), never typed by hand.
"""

from django.db import models

from influencers.models.people import Membership

TERM_MAX_LENGTH = 64


class MemberWriting(models.Model):
    """One member's writing in one community: how many texts, in how many distinct weeks, the
    newest; refreshed with their terms every time the community is ranked. Every member of the
    community has one (texts 0 for those who only reacted), so it can be sorted on alone."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="writing")
    texts = models.PositiveIntegerField(default=0, help_text="Posts and replies read (removed ones are not).")
    weeks_active = models.PositiveIntegerField(default=0, help_text="Distinct weeks with a post or a reply.")
    last_written_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        # Discover's "weeks active, most first" walks this index backwards (membership id breaks ties).
        indexes = [models.Index(fields=["weeks_active", "membership"], name="writing_weeks_active")]

    def __str__(self):
        return f"Writing of membership {self.membership_id}: {self.texts} texts in {self.weeks_active} weeks"


class MemberTerm(models.Model):
    """A word or a two-word phrase a member used in a community, lower-cased, and how often.

    Stop words are left out, and a phrase is two neighbouring words neither of which is one
    ("burr grinder", not "the grinder"). Looked up by term: the unique index starts with it."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=TERM_MAX_LENGTH)
    uses = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "membership"], name="one_term_per_member"),
        ]

    def __str__(self):
        return f"{self.term!r} ×{self.uses}"

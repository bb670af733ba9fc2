from django.db import models

from influencers.models.community import Community
from influencers.models.people import Identity


class InteractionKind(models.TextChoices):
    POST = "post", "Post"  # starts a thread: a submission, a topic, a top-level message
    COMMENT = "comment", "Comment or reply"
    REACTION = "reaction", "Reaction"  # who reacted to whom
    MENTION = "mention", "Mention"  # who named whom


class RemovedBy(models.TextChoices):
    """Who took a removed post down. The difference matters to the ranking: words the author took
    back still happened (people answered them); words the community took down (its moderators, its
    members' flags, the platform) are a judgement of the member by the community."""

    NOBODY = "", "Not removed"
    AUTHOR = "author", "Its author"
    COMMUNITY = "community", "The community (moderators, members' flags, the platform)"


class Interaction(models.Model):
    """One post, comment, reply, reaction or mention, as imported from its source.

    Unique on (community, external_id) so a re-import never duplicates. ``target`` is the identity
    this interaction is directed at (the author of what it answers, the person reacted to or
    mentioned): the edge of the reply network, resolved at import so ranking needs no self-join.
    This table grows to millions of rows; its indexes serve the two ways it is read: a
    community's activity in a time window, and one author's history.
    """

    # No single-column indexes on community and author: the composite indexes below start with
    # them and serve the same lookups; each index costs time on every imported row.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="interactions", db_index=False)
    external_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=InteractionKind.choices)
    author = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions", db_index=False
    )
    target = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions_received",
        help_text="Whom this answers, reacts to or mentions.",
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    # Kept as text too: a reply may arrive before its parent and be linked later.
    parent_external_id = models.CharField(max_length=128, blank=True)
    thread_external_id = models.CharField(
        max_length=128, blank=True, help_text="External id of the post that started the thread."
    )
    posted_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    score = models.IntegerField(default=0, help_text="The platform's own score (votes, reactions).")
    is_removed = models.BooleanField(default=False, help_text="Removed by moderators or the author.")
    removed_by = models.CharField(
        max_length=16, choices=RemovedBy.choices, default=RemovedBy.NOBODY, blank=True,
        help_text="Who removed it, when the source says: its author, or the community.",
    )  # fmt: skip
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-posted_at"]
        constraints = [
            models.UniqueConstraint(fields=["community", "external_id"], name="one_interaction_per_source_id"),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in InteractionKind]),
                name="interaction_kind_is_known",
            ),
            models.CheckConstraint(
                condition=models.Q(removed_by__in=[r.value for r in RemovedBy])
                & (models.Q(removed_by="") | models.Q(is_removed=True)),
                name="interaction_removal_is_known",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "posted_at"], name="interaction_community_time"),
            models.Index(fields=["author", "posted_at"], name="interaction_author_time"),
            models.Index(fields=["community", "thread_external_id"], name="interaction_thread"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.external_id} in {self.community.key}"

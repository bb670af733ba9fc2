from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from crm.admin_scoping import SharedDataAdmin, SharedDataInline
from crm.background import enqueue_after_commit
from crm.parsing import is_id, parse_id
from influencers import selectors, services
from influencers.connectors.records import SourceError, TemporarySourceError
from influencers.models import (
    LIVE_CHAT_PLATFORMS,
    Community,
    Creator,
    Identity,
    Interaction,
    LiveConnection,
    MemberScore,
    Membership,
    RankingRun,
    RankingStatus,
    SyncRun,
)
from influencers.tasks import sync_community


def rounded(value) -> str:
    """A score or measure as people read it: two decimals; counts as they are."""
    if isinstance(value, bool) or value is None:
        return "—" if value is None else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class FilterWithoutAll(admin.SimpleListFilter):
    """A list filter that always has a choice (its menu offers no "All"): with none in the address,
    ``default(narrowed)`` picks one — ``narrowed`` when the list is already kept small another way
    (a query parameter in ``narrowed_by``, e.g. one run from the run's page)."""

    narrowed_by: tuple[str, ...] = ()

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        if self.parameter_name not in self.used_parameters:
            default = self.default(narrowed=any(name in request.GET for name in self.narrowed_by))
            if default is not None:
                self.used_parameters[self.parameter_name] = str(default)

    def default(self, *, narrowed: bool):
        return None

    def choices(self, changelist):
        value = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class OneCommunityFilter(FilterWithoutAll):
    """One community at a time: a rank or a score means something only next to the others of its
    community. With no community chosen, the one with the newest ranking (by the period it covers)
    is shown, or the first by name; the menu names communities as the pages do
    (``Community.label``) and has no "All".
    A list narrowed another way (one run, from the run's page) gets no default."""

    title = "community"
    parameter_name = "community"
    community_path = "community"  # the lookup from the listed model to its community

    def default(self, *, narrowed: bool):
        return None if narrowed else self.default_community()

    @staticmethod
    def default_community() -> int | None:
        latest = (
            RankingRun.objects.filter(status=RankingStatus.COMPLETED)
            .order_by("-window_end", "-pk")
            .values_list("community_id", flat=True)
            .first()
        )
        return latest or Community.objects.order_by("name").values_list("pk", flat=True).first()

    def lookups(self, request, model_admin):
        communities = Community.objects.only("pk", "platform", "external_id", "name")
        return [(str(c.pk), c.label) for c in sorted(communities, key=lambda c: c.label.lower())]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not is_id(value):
            raise IncorrectLookupParameters(f"No community {value!r}.")
        return queryset.filter(**{self.community_path: parse_id(value)})


class LatestRankingFilter(FilterWithoutAll):
    """The latest ranking of each community by default; every earlier one on request (a member's
    history). A list of one run (from the run's page) is left as it is."""

    title = "ranking"
    parameter_name = "ranking"
    narrowed_by = ("run__id__exact", "run", "membership__id__exact")

    def lookups(self, request, model_admin):
        return [("latest", "The latest"), ("all", "Every ranking (history)")]

    def default(self, *, narrowed: bool):
        return "all" if narrowed else "latest"

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        if value != "latest":
            raise IncorrectLookupParameters(f"No ranking choice {value!r}.")
        latest = RankingRun.objects.filter(community=OuterRef("run__community"), status=RankingStatus.COMPLETED)
        return queryset.filter(run=Subquery(latest.order_by("-window_end", "-pk").values("pk")[:1]))


class MembershipCommunityFilter(OneCommunityFilter):
    community_path = "community_id"


class ScoreCommunityFilter(OneCommunityFilter):
    community_path = "run__community_id"
    narrowed_by = ("run__id__exact", "run", "membership__id__exact")


class IdentityInline(SharedDataInline):
    model = Identity
    fields = ["platform", "handle", "external_id", "profile_url", "reach", "reach_kind", "is_bot", "is_deleted"]
    show_change_link = True


# Partnerships adds the personal-data actions (export, erasure) to this page: partnerships/admin_privacy.py.
@admin.register(Creator)
class CreatorAdmin(SharedDataAdmin):
    list_display = ["display_name", "platforms", "identity_count", "created_at"]
    search_fields = ["display_name", "identities__handle"]
    list_filter = ["identities__platform"]
    inlines = [IdentityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(identity_total=Count("identities")).prefetch_related("identities")

    @admin.display(description="identities", ordering="identity_total")
    def identity_count(self, obj):
        return obj.identity_total

    @admin.display(description="platforms")
    def platforms(self, obj):
        return ", ".join(sorted({identity.get_platform_display() for identity in obj.identities.all()}))


@admin.register(Identity)
class IdentityAdmin(SharedDataAdmin):
    list_display = ["handle", "platform", "creator", "reach", "reach_kind", "is_bot", "is_deleted"]
    list_filter = ["platform", "is_bot", "is_deleted"]
    search_fields = ["handle", "display_name", "external_id", "creator__display_name"]
    list_select_related = ["creator"]
    autocomplete_fields = ["creator"]
    actions = ["link_to_one_creator"]
    change_list_template = "admin/influencers/identity/change_list.html"

    @admin.action(description="Link selected accounts to one person (creator)", permissions=["change"])
    def link_to_one_creator(self, request, queryset):
        creator = services.creator_link_identities(identities=list(queryset.select_related("creator")))
        self.message_user(request, f"{queryset.count()} accounts now belong to {creator}.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "same-handle/",
                self.admin_site.admin_view(self.same_handle_view),
                name="influencers_identity_same_handle",
            ),
            *super().get_urls(),
        ]

    def same_handle_view(self, request):
        """Accounts on several platforms with the same handle: every member sees the suggestions;
        operators confirm (link) the ones that are one person (it moves partnerships of every
        organization that works with them)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            ids = [parse_id(pk) for pk in request.POST.getlist("identity") if is_id(pk)]
            chosen = list(Identity.objects.filter(pk__in=ids).select_related("creator"))
            if len(chosen) >= 2:
                creator = services.creator_link_identities(identities=chosen)
                self.message_user(request, f"Linked {len(chosen)} accounts to {creator}.", messages.SUCCESS)
            else:
                self.message_user(request, "Choose at least two accounts to link.", messages.WARNING)
            return redirect("admin:influencers_identity_same_handle")
        context = {
            **self.admin_site.each_context(request),
            "title": "Same handle on several platforms",
            "opts": self.model._meta,
            "groups": selectors.identity_same_handle_suggestions(),
            "can_link": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/influencers/identity/same_handle.html", context)


# Graph adds "rank now" to this page: graph/admin.py.
@admin.register(Community)
class CommunityAdmin(SharedDataAdmin):
    list_display = ["label", "platform", "external_id", "member_count", "is_tracked", "last_activity_at", "page"]
    list_filter = ["platform", "is_tracked"]
    search_fields = ["name", "external_id", "description"]

    @admin.display(description="page")
    def page(self, obj):
        """The community's own page, where a manager reads its members and insight."""
        return format_html('<a href="{}">open the page</a>', reverse("community", args=[obj.pk]))

    # Guidelines are the source's to say (each sync replaces them): shown, never edited here.
    exclude = ["guidelines"]
    readonly_fields = [
        "last_activity_at", "members", "live", "source_guidelines", "guidelines_updated_at", "created_at", "updated_at"
    ]  # fmt: skip

    @admin.display(description="read live")
    def live(self, obj):
        """Whether a bot reads it (Slack, Discord): operators follow the link to change its token."""
        if obj.platform not in LIVE_CHAT_PLATFORMS:
            return "—"
        row = LiveConnection.objects.filter(community=obj).first()
        if row is None:
            return "No bot token of its own (the operator's SLACK_BOT_TOKEN or DISCORD_BOT_TOKEN, if set)."
        url = reverse("admin:influencers_liveconnection_change", args=[row.pk])
        return format_html('Through a bot: <a href="{}">its connection</a> (operators only)', url)

    @admin.display(description="members by rank")
    def members(self, obj):
        url = reverse("admin:influencers_membership_changelist") + f"?community={obj.pk}"
        return format_html('<a href="{}">{} members</a>', url, obj.memberships.count())

    @admin.display(description="guidelines (from the source)")
    def source_guidelines(self, obj):
        """The community's own rules or categories as a numbered list: title, kind, description
        (its lines kept). Everything is escaped: it is what strangers wrote."""
        guidelines = [g for g in obj.guidelines or [] if isinstance(g, dict)]
        if not guidelines:
            return "None read from the source."

        def lines(text) -> str:
            return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in str(text).splitlines()))

        items = ((str(g.get("title", "")), str(g.get("kind", "")), lines(g.get("description", ""))) for g in guidelines)
        return format_html("<ol>{}</ol>", format_html_join("", "<li><strong>{}</strong> ({})<br>{}</li>", items))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="community", ordering="name")
    def label(self, obj):
        return obj.label

    @admin.display(description="members", ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


@admin.register(Membership)
class MembershipAdmin(SharedDataAdmin):
    list_display = [
        "identity",
        "community_label",
        "rank",
        "score",
        "post_count",
        "reply_count",
        "reach",
        "last_seen_at",
    ]
    list_filter = [MembershipCommunityFilter, "is_moderator", "identity__is_bot"]
    search_fields = ["identity__handle"]
    list_select_related = ["identity", "community", "latest_score__run"]
    raw_id_fields = ["identity", "latest_score"]
    ordering = ["community", "latest_score__rank"]

    @admin.display(description="community", ordering="community__name")
    def community_label(self, obj):
        return obj.community.label

    @admin.display(description="rank", ordering="latest_score__rank")
    def rank(self, obj):
        if not obj.latest_score:
            return None
        return f"#{obj.latest_score.rank} of {obj.latest_score.run.ranked_members}"

    @admin.display(description="score", ordering="latest_score__score")
    def score(self, obj):
        return f"{obj.latest_score.score:.2f}" if obj.latest_score else None

    @admin.display(description="reach (contrast)", ordering="identity__reach")
    def reach(self, obj):
        return obj.identity.reach

    readonly_fields = ["trajectory"]

    @admin.display(description="rank over time")
    def trajectory(self, obj):
        scores = selectors.membership_trajectory(membership=obj)
        if not scores:
            return "Not ranked yet."
        return format_html_join(
            mark_safe("<br>"),
            "{}: #{} of {} — score {} (consistency {}, embeddedness {}, alignment {})",
            (
                (s.run.window_end.date(), s.rank, s.run.ranked_members, f"{s.score:.2f}", f"{s.consistency:.2f}",
                 f"{s.embeddedness:.2f}", f"{s.alignment:.2f}")
                for s in scores
            ),
        )  # fmt: skip


@admin.register(Interaction)
class InteractionAdmin(SharedDataAdmin):
    list_display = ["external_id", "kind", "community_label", "author", "target", "posted_at", "score", "excerpt"]
    list_filter = ["kind", "community__platform", "is_removed"]
    # Millions of rows: search only indexed columns, and skip the full count.
    search_fields = ["=external_id", "=thread_external_id", "author__handle"]
    list_select_related = ["community", "author", "target"]
    raw_id_fields = ["author", "target", "parent"]
    show_full_result_count = False

    @admin.display(description="community", ordering="community__name")
    def community_label(self, obj):
        return obj.community.label

    @admin.display(description="text")
    def excerpt(self, obj):
        text = obj.title or obj.text
        return text if len(text) <= 80 else text[:77] + "…"


@admin.register(RankingRun)
class RankingRunAdmin(SharedDataAdmin):
    list_display = ["community_label", "status", "started_at", "finished_at", "ranked_members", "algorithm_version"]
    list_filter = ["status", "community__platform"]
    list_select_related = ["community"]
    search_fields = ["community__name", "community__external_id"]
    readonly_fields = [
        "community", "status", "algorithm_version", "window_start", "window_end", "started_at", "finished_at",
        "ranked_members", "message", "parameters", "scores",
    ]  # fmt: skip

    @admin.display(description="community", ordering="community__name")
    def community_label(self, obj):
        return obj.community.label

    # A run can hold tens of thousands of members: link to the paginated list instead of inlining.
    @admin.display(description="member scores")
    def scores(self, obj):
        url = reverse("admin:influencers_memberscore_changelist") + f"?run__id__exact={obj.pk}"
        return format_html('<a href="{}">{} members ranked, best first</a>', url, obj.ranked_members)


@admin.register(MemberScore)
class MemberScoreAdmin(SharedDataAdmin):
    """A ranking snapshot, read as a manager reads it: one community at a time, scores to two
    decimals, the reasons as sentences and the measures behind them as lists. Never edited here: a
    snapshot is what the ranking said on that day (rank again for a new one)."""

    # Model fields would be shown as stored (0.8846153846153846): these show them rounded.
    list_display = [
        "rank", "handle", "community", "total_score", "consistency_score", "embeddedness_score", "alignment_score",
        "why", "reach",
    ]  # fmt: skip
    list_filter = [ScoreCommunityFilter, LatestRankingFilter]
    search_fields = ["membership__identity__handle"]
    list_select_related = ["membership__identity", "run__community"]
    ordering = ["-run__window_end", "rank"]  # the ranking's date, newest first
    fields = [
        "community", "handle", "run", "rank", "total_score", "consistency_score", "embeddedness_score",
        "alignment_score", "why", "measures", "reach",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # a snapshot comes from a ranking run

    @admin.display(description="score", ordering="score")
    def total_score(self, obj):
        return rounded(obj.score)

    @admin.display(description="consistency", ordering="consistency")
    def consistency_score(self, obj):
        return rounded(obj.consistency)

    @admin.display(description="embeddedness", ordering="embeddedness")
    def embeddedness_score(self, obj):
        return rounded(obj.embeddedness)

    @admin.display(description="alignment", ordering="alignment")
    def alignment_score(self, obj):
        return rounded(obj.alignment)

    @admin.display(description="why")
    def why(self, obj):
        reasons = [str(reason) for reason in obj.reasons or []]
        if not reasons:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((reason,) for reason in reasons)))

    @admin.display(description="the measures behind the score")
    def measures(self, obj):
        """The stored measures (``details``) as nested lists, numbers to two decimals."""

        def listed(value):
            if isinstance(value, dict):
                if not value:
                    return "—"
                items = ((str(key).replace("_", " "), listed(inner)) for key, inner in value.items())
                return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", items))
            if isinstance(value, list):
                return ", ".join(rounded(item) for item in value) or "none"
            return rounded(value)

        return listed(obj.details or {})

    @admin.display(description="member", ordering="membership__identity__handle")
    def handle(self, obj):
        return obj.membership.identity.handle

    @admin.display(description="community", ordering="run__community__name")
    def community(self, obj):
        return obj.run.community.label


@admin.register(SyncRun)
class SyncRunAdmin(SharedDataAdmin):
    list_display = [
        "id",
        "source",
        "target",
        "status",
        "created_at",
        "read",
        "created",
        "updated",
        "skipped",
        "seconds",
    ]
    list_filter = ["source", "status"]
    search_fields = ["=id", "error"]
    readonly_fields = [
        "source", "arguments", "communities", "status", "created_at", "started_at", "finished_at", "read", "created",
        "updated", "unchanged", "skipped", "skipped_reasons", "skipped_examples", "checkpoint", "attempts", "error",
        "attempt_log",
    ]  # fmt: skip

    @admin.display(description="what")
    def target(self, obj):
        arguments = obj.arguments
        if "paths" in arguments:
            names = [path.rsplit("/", 1)[-1] for path in arguments["paths"]]
            return ", ".join(names[:3]) + (f" (+{len(names) - 3})" if len(names) > 3 else "")
        named = (arguments.get(key) for key in ("subreddit", "target", "team", "guild"))
        return next((name for name in named if name), None) or arguments.get("path", "").rsplit("/", 1)[-1]

    @admin.display(description="seconds")
    def seconds(self, obj):
        return f"{obj.seconds:.1f}" if obj.seconds is not None else "—"


class LiveConnectionForm(forms.ModelForm):
    """Add a Slack workspace or Discord server to read live: which one, and its bot's token
    (write-only: stored sealed, never shown again; left empty on a change, the stored one stays)."""

    platform = forms.ChoiceField(choices=[(p.value, p.label) for p in LIVE_CHAT_PLATFORMS])
    external_id = forms.CharField(
        label="Workspace or server id",
        max_length=40,
        help_text=(
            "Slack: the team id, T…, in the workspace's address at app.slack.com/client/T…/. "
            "Discord: the server id (Developer Mode on, right-click the server, Copy Server ID)."
        ),
    )
    token = forms.CharField(
        label="Bot token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=(
            "Slack: the Bot User OAuth Token (xoxb-…). Discord: the bot's token (Developer Portal → Bot → Reset "
            "Token). Stored encrypted and never shown again; on a change, leave empty to keep the stored one. "
            "See docs/importing.md for the scopes and intents the bot needs."
        ),
    )
    track = forms.BooleanField(label="Sync every hour", required=False, initial=True)

    class Meta:
        model = LiveConnection
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # which community a connection reads does not change; its token may
            community = self.instance.community
            self.fields["platform"].initial = community.platform
            self.fields["external_id"].initial = community.external_id
            self.fields["track"].initial = community.is_tracked
            for name in ("platform", "external_id"):
                self.fields[name].disabled = True
            self.fields["token"].help_text = (
                f"A token is stored, ending …{self.instance.token_ending}: leave this empty to keep it, or paste "
                "a new one to replace it. " + self.fields["token"].help_text.split(" Stored encrypted")[0]
            )

    def clean(self):
        data = super().clean()
        platform, external_id = data.get("platform"), data.get("external_id")
        token = data.get("token") or None
        if token is None and not self.instance.pk:
            self.add_error("token", "Give the bot token.")
        if not platform or external_id is None:
            return data
        problems: dict[str, list[str]] = {}
        try:
            data["external_id"], _ = services.live_connection_checked(
                platform=platform, external_id=external_id, token=token
            )
        except ValidationError as error:  # every field's problem at once
            problems = error.message_dict
        for name, messages_ in problems.items():
            self.add_error(name if name in self.fields else None, messages_)
        if not self.instance.pk and "external_id" not in problems:
            existing = LiveConnection.objects.filter(
                community__platform=platform, community__external_id=data["external_id"]
            ).first()
            if existing is not None:
                url = reverse("admin:influencers_liveconnection_change", args=[existing.pk])
                self.add_error(
                    "external_id",
                    format_html('Already connected: <a href="{}">open it</a> to replace its token.', url),
                )
        if token and not self.errors:
            self._ask_the_platform(platform, data)
        return data

    def _ask_the_platform(self, platform: str, data: dict) -> None:
        """A new token is tried before it is stored (one request): refused, the form says why and
        stores nothing; the platform not answering now, it is stored and the first sync tries."""
        self.platform_name, self.platform_unreachable = "", ""
        try:
            self.platform_name = services.live_place_name(
                platform=platform, external_id=data["external_id"], token=data["token"]
            )
        except TemporarySourceError as error:
            self.platform_unreachable = str(error)
        except SourceError as error:
            self.add_error("token", f"Not stored: {error}.")


@admin.register(LiveConnection)
class LiveConnectionAdmin(admin.ModelAdmin):
    """Operators only, members included nowhere: these are credentials. Saving goes through
    ``services.live_connection_save`` and queues the first sync at once."""

    form = LiveConnectionForm
    list_display = ["community", "platform", "token", "tracked", "token_set_by", "created_at", "last_sync"]
    list_select_related = ["community", "added_by"]
    search_fields = ["community__name", "community__external_id"]
    readonly_fields = ["token", "token_set_by", "created_at", "updated_at", "last_sync"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_fields(self, request, obj=None):
        fields = ["platform", "external_id", "token", "track"]
        return fields if obj is None else [*fields, "token_set_by", "created_at", "updated_at", "last_sync"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["token_set_by", "created_at", "updated_at", "last_sync"]

    @admin.display(description="token last set by")
    def token_set_by(self, obj):
        return obj.added_by or "—"

    @admin.display(description="platform")
    def platform(self, obj):
        return obj.community.get_platform_display()

    @admin.display(description="bot token")
    def token(self, obj):
        return f"stored, ending …{obj.token_ending}"

    @admin.display(description="hourly", boolean=True)
    def tracked(self, obj):
        return obj.community.is_tracked

    @admin.display(description="last sync")
    def last_sync(self, obj):
        run = obj.community.sync_runs.order_by("-created_at", "-pk").first()
        if run is None:
            return "none yet"
        url = reverse("admin:influencers_syncrun_change", args=[run.pk])
        when = run.finished_at or run.created_at
        return format_html('<a href="{}">{} {}</a>', url, run.get_status_display(), f"{when:%Y-%m-%d %H:%M}")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        # A sync follows a new connection, a new token, or tracking switched on; not "stop syncing".
        sync = not change or bool(data.get("token")) or (data["track"] and not obj.community.is_tracked)
        with transaction.atomic():
            saved = services.live_connection_save(
                platform=data["platform"] if not change else obj.community.platform,
                external_id=data["external_id"] if not change else obj.community.external_id,
                token=data.get("token") or None,
                user=request.user,
                track=data["track"],
                name=getattr(form, "platform_name", ""),
            )
            if sync:
                enqueue_after_commit(sync_community, saved.community_id)
        # The admin logs and redirects with the object it passed in: make it the saved one.
        for field in LiveConnection._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        page = reverse("community", args=[saved.community_id])
        if sync:
            said = 'A sync is queued: <a href="{}">the community\'s page</a> shows how it goes (or why it failed).'
        else:
            said = 'Saved; no sync needed. <a href="{}">The community\'s page</a>.'
        messages.info(request, format_html(said, page))
        if getattr(form, "platform_unreachable", ""):
            messages.warning(
                request, f"The token could not be tried now ({form.platform_unreachable}); the first sync will say."
            )

    def delete_model(self, request, obj):
        community = obj.community
        super().delete_model(request, obj)
        messages.info(request, f"{community.label} and what it imported stay; it is no longer read live.")

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        messages.info(request, "The communities and what they imported stay; they are no longer read live.")

    def save_related(self, request, form, formsets, change):
        pass  # nothing related: the service saved everything

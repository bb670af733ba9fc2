"""The ranking's action on influencers' Communities page: "rank now", queued like a sync's ranking.

Influencers registers the page; graph, above it, re-registers it with the action added, so
influencers need not know the ranking task."""

from django.contrib import admin, messages

from crm.background import enqueue_after_commit
from graph.tasks import rank_community
from influencers.admin import CommunityAdmin
from influencers.models import Community


class RankingCommunityAdmin(CommunityAdmin):
    actions = ["rank_now"]

    @admin.action(description="Rank the selected communities now (in the background)", permissions=["change"])
    def rank_now(self, request, queryset):
        communities = sorted(queryset.only("pk", "platform", "external_id", "name"), key=lambda c: c.label.lower())
        for community in communities:
            enqueue_after_commit(rank_community, community.pk)
        names = ", ".join(community.label for community in communities[:5])
        if len(communities) > 5:
            names += f" and {len(communities) - 5} more"
        self.message_user(request, f"Ranking queued for {names} (in the background).", messages.SUCCESS)


admin.site.unregister(Community)
admin.site.register(Community, RankingCommunityAdmin)

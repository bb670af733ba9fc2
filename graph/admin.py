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
        for community_id in queryset.values_list("pk", flat=True):
            enqueue_after_commit(rank_community, community_id)
        self.message_user(request, f"Ranking queued for {queryset.count()} communities.", messages.SUCCESS)


admin.site.unregister(Community)
admin.site.register(Community, RankingCommunityAdmin)

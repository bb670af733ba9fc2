from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Ranking"

    def ready(self):
        from graph.tasks import rank_after_sync
        from influencers.signals import sync_completed

        sync_completed.connect(rank_after_sync, dispatch_uid="rank-after-sync")

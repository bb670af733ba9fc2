from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "graph"
    verbose_name = "Ranking"

    def ready(self):
        from graph.tasks import rank_after_sync, recount_vocabulary_after_ranking
        from influencers.signals import ranking_completed, sync_completed

        sync_completed.connect(rank_after_sync, dispatch_uid="rank-after-sync")
        ranking_completed.connect(recount_vocabulary_after_ranking, dispatch_uid="vocabulary-after-ranking")

from django.apps import AppConfig


class InsightConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "insight"
    verbose_name = "Community insight"

    def ready(self):
        from influencers.signals import sync_completed
        from insight.tasks import refresh_insight_after_sync

        sync_completed.connect(refresh_insight_after_sync, dispatch_uid="refresh-insight-after-sync")

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        from influencers.signals import sync_completed
        from partnerships.tasks import measure_brands_after_sync

        sync_completed.connect(measure_brands_after_sync, dispatch_uid="measure-brands-after-sync")

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        from influencers.signals import creators_merged, sync_completed
        from partnerships import admin_privacy  # noqa: F401  the erasure actions on influencers' admin pages
        from partnerships.receivers import move_to_the_kept_creator, stop_follow_ups_when_leaving_outreach
        from partnerships.signals import partnership_stage_changed
        from partnerships.tasks import measure_brands_after_sync

        sync_completed.connect(measure_brands_after_sync, dispatch_uid="measure-brands-after-sync")
        creators_merged.connect(move_to_the_kept_creator, dispatch_uid="move-to-the-kept-creator")
        partnership_stage_changed.connect(
            stop_follow_ups_when_leaving_outreach, dispatch_uid="stop-follow-ups-when-leaving-outreach"
        )

from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        from influencers.signals import creators_merged, sync_completed
        from partnerships import admin_privacy  # noqa: F401  the erasure actions on influencers' admin pages
        from partnerships.payments.receivers import schedule_on_publication, schedule_on_signature
        from partnerships.receivers import move_to_the_kept_creator, stop_follow_ups_when_leaving_outreach
        from partnerships.signals import agreement_signed, deliverable_published, partnership_stage_changed
        from partnerships.tasks import measure_brands_after_sync

        sync_completed.connect(measure_brands_after_sync, dispatch_uid="measure-brands-after-sync")
        creators_merged.connect(move_to_the_kept_creator, dispatch_uid="move-to-the-kept-creator")
        partnership_stage_changed.connect(
            stop_follow_ups_when_leaving_outreach, dispatch_uid="stop-follow-ups-when-leaving-outreach"
        )
        # The ledger: what an agreement owes is worked out again when it is signed and when work under it is published.
        agreement_signed.connect(schedule_on_signature, dispatch_uid="payments-on-signature")
        deliverable_published.connect(schedule_on_publication, dispatch_uid="payments-on-publication")

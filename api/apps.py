from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from api import receivers
        from influencers.signals import ranking_completed
        from partnerships import signals

        signals.partnership_stage_changed.connect(receivers.on_stage_changed, dispatch_uid="webhook-stage")
        signals.agreement_created.connect(receivers.on_agreement_created, dispatch_uid="webhook-agreement-created")
        signals.agreement_updated.connect(receivers.on_agreement_updated, dispatch_uid="webhook-agreement-updated")
        signals.message_received.connect(receivers.on_message_received, dispatch_uid="webhook-message-received")
        signals.payment_due.connect(receivers.on_payment_due, dispatch_uid="webhook-payment-due")
        ranking_completed.connect(receivers.on_ranking_completed, dispatch_uid="webhook-ranking")
        signals.creator_erased.connect(receivers.on_creator_erased, dispatch_uid="erase-api-copies")

from django.apps import AppConfig


class InfluencersConfig(AppConfig):
    name = "influencers"
    verbose_name = "Communities and creators"

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kasb.web"
    label = "web"

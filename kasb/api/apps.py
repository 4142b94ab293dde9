from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kasb.api"
    label = "api"

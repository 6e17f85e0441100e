from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Papers and digests"

    def ready(self) -> None:
        from digest import webhooks  # connects the Anymail tracking receiver

        webhooks.log_if_disabled()

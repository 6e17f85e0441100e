from django.apps import AppConfig


class DigestConfig(AppConfig):
    name = "digest"
    verbose_name = "Papers and digests"

    def ready(self) -> None:
        from digest import webhooks  # noqa: F401  (connects the Anymail tracking receiver)

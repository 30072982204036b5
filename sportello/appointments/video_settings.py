"""The video provider the deployment configured (settings SPORTELLO_VIDEO_*, SPORTELLO_JITSI_*)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sportello.appointments.video import JitsiProvider, LinkOnlyProvider, VideoProvider

PROVIDERS = ("jitsi", "demo")


def provider_from_settings() -> VideoProvider:
    """Jitsi when a Jitsi URL is set; otherwise the demo, which only shows the link it would send.

    Read on each call, so settings overrides (tests) take effect at once.
    """
    kind = settings.SPORTELLO_VIDEO_PROVIDER
    if kind not in PROVIDERS:
        raise ImproperlyConfigured(
            f"SPORTELLO_VIDEO_PROVIDER must be one of {', '.join(PROVIDERS)}, not {kind!r}"
        )
    try:
        opens_before = timedelta(minutes=settings.SPORTELLO_VIDEO_OPENS_MINUTES_BEFORE)
        closes_after = timedelta(minutes=settings.SPORTELLO_VIDEO_CLOSES_MINUTES_AFTER)
        if kind == "demo" or not settings.SPORTELLO_JITSI_URL:
            return LinkOnlyProvider(settings.SPORTELLO_SITE_URL, opens_before, closes_after)
        return JitsiProvider(
            settings.SPORTELLO_JITSI_URL,
            settings.SPORTELLO_JITSI_APP_ID,
            settings.SPORTELLO_JITSI_SECRET,
            opens_before,
            closes_after,
        )
    except (TypeError, ValueError) as error:
        # The message names the setting's problem but never repeats the secret.
        raise ImproperlyConfigured(f"video settings: {error}") from error

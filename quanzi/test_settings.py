"""Settings for the test suite: the normal settings with tests' switches turned on."""

import os
import tempfile
from pathlib import Path

os.environ["QUANZI_TESTING"] = "1"

from quanzi.settings import *  # noqa: F403

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="quanzi-test-media-"))

# The suite runs on the embedded cache and channel layer even when REDIS_URL is set (CI sets it):
# tests marked `redis` use REDIS_URL explicitly, so parallel test workers never share state.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The sandbox payment provider delivers its webhooks in-process on commit (no worker in tests).
QUANZI_SANDBOX_DELIVERY = "inline"

# The browser tests watch the tab bar's badges change without waiting the production interval.
QUANZI_BADGE_POLL_SECONDS = 2

# Tracking events are written as soon as their transaction commits (no batching across tests),
# and the rollup reads them at once.
TRACKING_BATCH = 1
TRACKING_ROLLUP_LAG_SECONDS = 0.0

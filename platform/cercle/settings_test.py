"""Settings for the test suite: fast hashing, email kept in memory, no network."""

import os

from .settings import *  # noqa: F403

CERCLE_ENV = "test"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = [BASE_DOMAIN, "." + BASE_DOMAIN, "testserver"]  # noqa: F405
# Tests that need a worker start one on a real broker; everything else runs eagerly.
CELERY_TASK_ALWAYS_EAGER = True
ROUTING_CHECK_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
ACCOUNT_RATE_LIMITS = False
# A run of its own in a shared Redis: keys (the routing version too) never meet another run's.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405

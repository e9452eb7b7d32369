"""Test settings: the project's settings plus a test-only ticket app, fast hashing, local mail."""

import os

os.environ.setdefault("ITSM_HTTPS", "0")

from itsm.settings import *  # noqa: E402,F403
from itsm.settings import INSTALLED_APPS, REDIS_URL  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.sample"]
ROOT_URLCONF = "tests.urls"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run inline unless a test starts a real worker (see the `celery_worker` fixture).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if REDIS_URL:
    # Tests use their own Redis database so a running development worker cannot take their tasks
    # (ITSM_TEST_REDIS_DB: another one, for test runs side by side on one Redis).
    CELERY_BROKER_URL = REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("ITSM_TEST_REDIS_DB", "15")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CELERY_BROKER_URL}}

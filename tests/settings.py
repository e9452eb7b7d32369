"""Test settings: the project's settings plus a test-only ticket app, fast hashing, local mail."""

import os

os.environ.setdefault("ITSM_HTTPS", "0")

from itsm.settings import *  # noqa: E402,F403
from itsm.settings import CELERY_BROKER_TRANSPORT_OPTIONS, CELERY_DATA_DIR, INSTALLED_APPS, REDIS_URL  # noqa: E402

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
# Under pytest-xdist (`make test` runs the suite in parallel) each worker process gets its own broker and cache, as
# pytest-django gives it its own test database (test_<name>_gw0, ...): worker N of one run never takes a task or
# sees a cache entry of worker M. PYTEST_XDIST_WORKER is "gw0", "gw1", ..., unset outside xdist.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
XDIST_INDEX = int(XDIST_WORKER[2:]) if XDIST_WORKER.startswith("gw") else 0
if REDIS_URL:
    # Tests use their own Redis database so a running development worker cannot take their tasks
    # (ITSM_TEST_REDIS_DB: another one, for test runs side by side on one Redis). xdist workers count down from it
    # (gw0 15, gw1 14, ...): Redis has databases 0-15 unless configured otherwise.
    _test_redis_db = int(os.environ.get("ITSM_TEST_REDIS_DB", "15")) - XDIST_INDEX
    if _test_redis_db < 0:
        raise RuntimeError(f"xdist worker {XDIST_WORKER} has no Redis database below ITSM_TEST_REDIS_DB")
    CELERY_BROKER_URL = REDIS_URL.rsplit("/", 1)[0] + "/" + str(_test_redis_db)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CELERY_BROKER_URL}}
else:
    # The filesystem transport's folders of the tests, apart from the ones a `make run` worker reads, one set per
    # xdist worker.
    _test_broker_dir = CELERY_DATA_DIR / "test" / (XDIST_WORKER or "main")
    for _sub in ("out", "processed", "control"):
        (_test_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "data_folder_in": str(_test_broker_dir / "out"),
        "data_folder_out": str(_test_broker_dir / "out"),
        "data_folder_processed": str(_test_broker_dir / "processed"),
        "control_folder": str(_test_broker_dir / "control"),
    }

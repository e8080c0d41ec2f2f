"""Settings for the test suite: the app's own settings with test-only tweaks."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: E402,F403

# The manifest storage needs collectstatic and 404s hashed names under
# live_server; the browser tests serve files straight from the finders.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Fast hashing: the suite creates many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Close connections after each request: persistent ones held by live_server
# threads would keep PostgreSQL from dropping the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, like the real database: the in-memory test database shares one
    # cache between threads, whose table locks fail at once instead of waiting,
    # so concurrency tests would not test what production runs.
    # TEST_SQLITE_NAME lets parallel runs on one checkout keep apart.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / os.environ.get("TEST_SQLITE_NAME", ".test-db.sqlite3"))  # noqa: F405
    }

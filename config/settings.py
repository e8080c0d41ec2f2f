"""Settings, read from the environment.

Development needs no setup: ``DEBUG=true`` gives a local secret key, local host
names and a SQLite file.  Production (``DEBUG`` unset) reads the database from
``DATABASE_URL`` and will not serve without ``SECRET_KEY`` and ``ALLOWED_HOSTS``
(see config/checks.py).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import csp.constants as csp
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _at_least_one(name: str, default: int) -> int:
    """A whole number from the environment; 0 would switch a protection off."""
    value = env.int(name, default=default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {value}.")
    return value


DEBUG = env.bool("DEBUG", default=False)

# Production values are required to serve (config/wsgi.py refuses to start
# without them) and `check --deploy` reports them; management commands such as
# makemigrations still run without them.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - only with DEBUG

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "config.apps.StaticFilesConfig",  # django.contrib.staticfiles, see config/apps.py
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",  # sign-in lockout after repeated failures (see "Sign-in protection" below)
    "csp",
    "simple_history",  # who changed what and when (partners.models, the admin)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our own static files
    "config",
    "partners",
    "exchange",
    "api",
    "reviews",
    "snapshots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets django-simple-history record the signed-in user on each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.SessionIdleTimeoutMiddleware",
    # Everything needs a signed-in user unless the view opts out with
    # @login_not_required (sign-in page, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed-in users who belong to no team see only "ask an administrator".
    "partners.middleware.MembershipRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for lockout into our page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: a write transaction takes the database lock when
    # it begins (IMMEDIATE) and waits for it, instead of failing with "database
    # is locked" when two people save at once.  WAL lets reads go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Fingerprinted, compressed files that WhiteNoise serves with a one-year cache.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Per-process memory by default; any shared cache (e.g. redis://) works too,
# because portfolio reads are keyed by a data version kept in the database.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    # A dashboard page is about 70 KB: at most about 70 MB per process.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 1000)
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # redis:// and rediss://: Django's own Redis backend, which answers from
    # per-process memory while Redis is unreachable instead of failing the request.
    CACHES["default"]["BACKEND"] = "config.cache.DegradingRedisCache"
    for _name in ("timeout", "key_prefix", "version"):
        # django-environ lower-cases these for this backend (?key_prefix=…), where
        # Django reads them upper-case; other query parameters go to redis-py.
        if _name in CACHES["default"]:
            CACHES["default"][_name.upper()] = CACHES["default"].pop(_name)
# Seconds a client is asked to wait (Retry-After) when the database is unreachable.
UNAVAILABLE_RETRY_AFTER_SECONDS = 30
# Set to false to compute the dashboard on every request (for profiling).
PORTFOLIO_CACHE = env.bool("PORTFOLIO_CACHE", default=True)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: production runs behind HTTPS unless told otherwise.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
# includeSubDomains and preload reach beyond this app, so only when asked for:
# the first forces HTTPS on every other host of the domain, and the second asks
# browsers to build that into their preload lists, which takes months to undo.
# Django's `check --deploy` advises both whenever they are off (security.W005,
# security.W021), which it cannot judge without knowing the rest of the
# domain: that advice is silenced, and README says when to set them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# Only behind a proxy that sets X-Forwarded-Proto itself: otherwise a client
# could claim HTTPS.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz answers load balancers over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True  # Django's default, stated: browsers trust our types

# Content-Security-Policy (django-csp): everything comes from our own origin.
# No script runs inline (chart and rubric data travel in json_script blocks
# that static files read), so script-src needs neither 'unsafe-inline' nor
# 'unsafe-eval'.  Nor does style-src need 'unsafe-inline': templates style by
# class only, and plotly.js's own rules are served as a file
# (static/vendor/plotly.js-4.1.1/plotly-global.css), linked with
# id="plotly.js-style-global" class="no-inline-styles" so that plotly.js does
# not inject the <style> element the policy would refuse.  Styles that scripts
# set through the DOM (element.style) are not inline styles and still apply.
# One style attribute is refused on purpose: django-simple-history's admin
# history list sets style="border-top: 0" on its entry count, which then keeps
# the admin's hairline (cosmetic; not worth a copy of its template).
# Bootstrap's CSS draws small icons (select arrows, close buttons) as data:
# SVG images.  blob: images are plotly.js's PNG export (static/js/charts.js):
# it loads the chart's SVG as an image from a blob: URL to draw it on a canvas.
# Only a script of ours can make a blob: URL, and script-src stays 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# Sign-in protection (django-axes): after AXES_FAILURE_LIMIT wrong passwords
# for one username from one address, that username may not sign in from that
# address for AXES_COOLOFF_MINUTES.  The lock is keyed on the pair on purpose:
# keyed on the username alone, anyone could lock a colleague out from
# everywhere by typing wrong passwords for them; keyed on the address alone,
# one person's typos would lock out a whole office behind one NAT.  The real
# user, from their own address, is never locked out by someone else's guesses.
AXES_FAILURE_LIMIT = _at_least_one("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=_at_least_one("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Password spraying (a few guesses for each of many usernames) stays under that
# limit, so an address is also locked, for every username, after
# AXES_ADDRESS_FAILURE_LIMIT failures across usernames within the cool-off:
# high enough that an office behind one NAT does not reach it by typos.  axes
# has one failure limit for all its lockout parameters, so this count is
# partners/lockout.py's, read from axes' attempt records in the database:
# shared by every app process, whatever the cache (api/throttling.py's counts
# are per process without a shared CACHE_URL).
AXES_ADDRESS_FAILURE_LIMIT = _at_least_one("AXES_ADDRESS_FAILURE_LIMIT", default=50)
AXES_HANDLER = "partners.lockout.AddressLimitedDatabaseHandler"
AXES_RESET_ON_SUCCESS = True  # a good password forgives the earlier typos
# A failure while locked out is refused without being counted, so the lock
# ends AXES_COOLOFF_MINUTES after it was set whatever is tried meanwhile, and
# a flood of guesses adds nothing to the attempt records.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The records stay bounded: axes deletes attempts older than the cool-off
# whenever someone signs in or fails to; the per-failure log is off (its
# default) and so is the log of successful sign-ins, which nothing would ever
# prune.  Current lockouts show (and can be lifted) in the admin.
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "partners.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "partners.lockout.client_ip_address"
# Behind a proxy every request arrives from the proxy's address.  With
# TRUST_X_FORWARDED_FOR the client's address is the X-Forwarded-For entry
# appended by the outermost of TRUSTED_PROXY_COUNT proxies (entries further
# left are whatever the client sent).  Never when clients can reach the app
# directly: they could claim a new address for every guess.
CLIENT_IP_PROXY_COUNT = (
    _at_least_one("TRUSTED_PROXY_COUNT", default=1)
    if env.bool("TRUST_X_FORWARDED_FOR", default=False)
    else 0
)

# Sessions end after SESSION_IDLE_MINUTES without a request.  An hour, not the
# 15-30 minutes of a bank: raters read documents and write evidence between
# two requests, an expired session sends their typed notes away with the
# sign-in redirect, and the data is internal scoring, not money or personal
# records.  config/middleware.py moves the expiry forward at most
# every SESSION_REFRESH_SECONDS instead of saving the session on every
# request (SESSION_SAVE_EVERY_REQUEST): a busy page costs no session write,
# and the idle limit is at most a twelfth short (55 to 60 minutes by default).
# Django gives a new session key at sign-in and deletes the session at sign-out.
SESSION_IDLE_MINUTES = _at_least_one("SESSION_IDLE_MINUTES", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_REFRESH_SECONDS = SESSION_COOKIE_AGE // 12

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs four INFO lines for every sign-in; failed sign-ins and
    # lockouts, the lines worth reading, are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Mail (password resets, invitations): the console in development, SMTP from
# EMAIL_URL in production, e.g. smtp+tls://user:password@smtp.example.com:587.
# Without EMAIL_URL production mail goes to the log, working links included, and
# `check --deploy` warns (config/checks.py).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scorecard@localhost")


def _site_url(name: str, default: str) -> str:
    """An address such as https://scorecard.example.com (no trailing slash), or ""."""
    value = env.str(name, default=default).strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - reading the port checks it is a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be the address people open the app at, http:// or https:// and a "
            f"host with no path, such as https://scorecard.example.com; not {value!r}."
        )
    return f"{parts.scheme}://{parts.netloc}"


# The address people open the app at.  Every link in mail is built from it
# (partners/site.py), never from the Host header of the request that sent the
# mail: a client chooses that header, and behind a proxy it can carry the app
# server's own port.  Unset in production, links use the first ALLOWED_HOSTS
# name and `check --deploy` warns.
SITE_URL = _site_url("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

# CSV import (/import/): the largest file accepted, in megabytes.
IMPORT_MAX_BYTES = _at_least_one("IMPORT_MAX_MB", default=5) * 1024 * 1024
# ...and the most rows: a 5 MB file of full rows holds 10,000 to 15,000, but one of
# very short rows could hold far more and outlast the web server's timeout.
IMPORT_MAX_ROWS = _at_least_one("IMPORT_MAX_ROWS", default=20_000)

# Partner links (/share/<token>/, partners/share_tokens.py): how many days a new
# link is valid by default (a link may be made for 1 to 60 days), and the name
# the partner's page gives our side ("... asks you to rate ...").
PARTNER_LINK_DAYS = _at_least_one("PARTNER_LINK_DAYS", default=14)
if PARTNER_LINK_DAYS > 60:
    raise ImproperlyConfigured(f"PARTNER_LINK_DAYS must be 60 or less, not {PARTNER_LINK_DAYS}.")
OUR_COMPANY_NAME = env.str("OUR_COMPANY_NAME", default="Our company").strip() or "Our company"

# JSON API (/api/v1/, api/): tokens or the browser's session; JSON only.
API_MAX_BODY_BYTES = _at_least_one("API_MAX_BODY_KB", default=256) * 1024
# Writes (POST, PUT, PATCH, DELETE) per user; reads are not limited.  The
# counts live in the cache: per process by default, shared with CACHE_URL.
API_WRITE_RATE = env.str("API_WRITE_RATE", default="120/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials gets 401 with WWW-Authenticate.
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.CanRead"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSON parser, with the body size limit and bad input answered with 400.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.WriteRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PagePagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # rest_framework.test.APIClient sends JSON, as the API reads nothing else.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership Scorecard API",
    "DESCRIPTION": "Partners, integrations and their scorecards. Authenticate with "
    "`Authorization: Bearer <token>`; create a token on your profile page.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are tagged and named by resource (partners_list), not by "v1".
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.closed_objects",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AttentionReasonEnum": "api.serializers.ATTENTION_CODES",
        "PartyEnum": "partners.models.Party",
        # Two models' fields named "status": each choice set keeps its own name.
        "StatusEnum": "partners.models.IntegrationStatus",
        "PlanStatusEnum": "partners.models.PlanStatus",
        # A hurdle's category and the categories behind plan: the rubric's.
        "CategoryEnum": "api.serializers.CATEGORIES",
        # What each side gets (api/serializers.py, ValueKindsField): the values alone.
        "ValueKindEnum": "partners.models.ValueKind.values",
    },
    # The resources in the order a reader meets them (and Swagger UI lists them).
    "TAGS": [
        {"name": "index", "description": "Links to everything else."},
        {"name": "rubric", "description": "The five categories, their steps, and the bands."},
        {"name": "teams", "description": "Teams own integrations."},
        {"name": "partners", "description": "The companies we integrate with."},
        {
            "name": "integrations",
            "description": "Integrations, their current scorecards, their plans and hurdles.",
        },
        {"name": "hurdles", "description": "An integration's internal hurdles, one by one."},
        {"name": "assessments", "description": "Ratings over time; rating is adding one."},
        {"name": "tokens", "description": "Your API tokens: create one with your password."},
        {
            "name": "reviews",
            "description": "Review cycles: their progress, raters and the raters' own ratings.",
        },
    ],
}

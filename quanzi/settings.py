"""Quanzi settings.

Configuration comes only from environment variables, each with an embedded default that works
out of the box (see README "Configuration").
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import dj_database_url

from quanzi.core.assets import assets_dir

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QUANZI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = os.environ.get("QUANZI_TESTING") == "1"
PRODUCTION = os.environ.get("QUANZI_PRODUCTION") == "1"
# Django's debug pages show settings, paths and every URL pattern: a developer opts in with
# QUANZI_DEBUG=1 (the old DEBUG variable is no longer read), never in production.
DEBUG = os.environ.get("QUANZI_DEBUG") == "1"
if DEBUG and PRODUCTION:
    raise RuntimeError("QUANZI_DEBUG=1 cannot be used with QUANZI_PRODUCTION=1")


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development one is generated once into var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set when QUANZI_PRODUCTION=1")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "csp",
    "channels",
    "ninja",
    "django_htmx",
    "heroicons",  # the icon set of the pages (SVG, drawn inline: no font, no emoji)
    "django_tasks",
    "django_tasks_db",
    "quanzi.core",
    "quanzi.accounts",
    "quanzi.stores",
    "quanzi.tracking",
    "quanzi.catalog",
    "quanzi.ledger",
    "quanzi.payments",
    "quanzi.coupons",  # app label "campaigns" (see quanzi/coupons/apps.py)
    "quanzi.wallets",
    "quanzi.orders",
    "quanzi.reviews",
    "quanzi.circles",
    "quanzi.social",
    "quanzi.referrals",
    "quanzi.campaigns.flashsales",
    "quanzi.campaigns.groupbuy",
    "quanzi.campaigns.redpackets",
    "quanzi.campaigns.bargains",
    "quanzi.campaigns.offers",
    "quanzi.insights",
    "quanzi.needs",
    "quanzi.customers",
    "quanzi.trust",
    "quanzi.outreach",
    "quanzi.storefront",
    "quanzi.demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "quanzi.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "quanzi.core.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "quanzi.core.middleware.RequestGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "quanzi.core.middleware.DomainErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "quanzi.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "quanzi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "quanzi.core.context_processors.quanzi",
            ],
            "builtins": ["quanzi.core.templatetags.quanzi"],
        },
    }
]
WSGI_APPLICATION = None
ASGI_APPLICATION = "quanzi.asgi.application"
# WebSockets (docs/chat-protocol.md): the chat socket answers a text frame longer than
# QUANZI_WS_MAX_FRAME_CHARS with an error frame and stays open; `manage.py serve` gives uvicorn
# QUANZI_WS_MAX_MESSAGE_BYTES (--ws-max-size), over which it closes the socket with 1009.
QUANZI_WS_MAX_FRAME_CHARS = 64 * 1024
QUANZI_WS_MAX_MESSAGE_BYTES = 1024 * 1024
# The tab bar re-reads its unread badges this often (and at once when a page announces news).
QUANZI_BADGE_POLL_SECONDS = int(os.environ.get("QUANZI_BADGE_POLL_SECONDS", "20"))

# --- Tracking (the events the merchant insights count: quanzi/tracking) ---------------------
# Rows are written in batches of TRACKING_BATCH, or TRACKING_FLUSH_SECONDS after the oldest
# waiting one; the rollup runs every TRACKING_ROLLUP_SECONDS and raw rows are kept
# TRACKING_RETENTION_DAYS (the daily rollups are kept for good).
TRACKING_ENABLED = os.environ.get("QUANZI_TRACKING", "1") != "0"
TRACKING_BATCH = int(os.environ.get("QUANZI_TRACKING_BATCH", "200"))
TRACKING_FLUSH_SECONDS = float(os.environ.get("QUANZI_TRACKING_FLUSH_SECONDS", "5"))
TRACKING_ROLLUP_SECONDS = float(os.environ.get("QUANZI_TRACKING_ROLLUP_SECONDS", "60"))
TRACKING_ROLLUP_LAG_SECONDS = 10.0
TRACKING_RETENTION_DAYS = int(os.environ.get("QUANZI_TRACKING_RETENTION_DAYS", "90"))

# The text model behind needs discovery (quanzi/needs/text): offline, replaceable.
NEEDS_TEXT_MODEL = os.environ.get("QUANZI_NEEDS_TEXT_MODEL", "quanzi.needs.text.local.LocalModel")

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'quanzi.sqlite3'}"
DATABASES: dict[str, dict[str, Any]] = {
    "default": dict(
        dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE), conn_max_age=0)
    )
}
IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    # A connection attempt to a host that drops packets fails after this many seconds instead
    # of hanging the request (docs/operations.md "Database connections").
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("QUANZI_DB_CONNECT_TIMEOUT", "5"))
    )
if IS_POSTGRES and os.environ.get("QUANZI_DB_POOL", "1") == "1":
    # psycopg's pool, per process: a burst waits up to `timeout` seconds for a free connection
    # (then 503) instead of opening one connection per request until PostgreSQL refuses more.
    # The health check makes the pool hand out only live connections after an outage; a
    # reconnection that fails for `reconnect_timeout` seconds is retried at the next request.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "name": "quanzi",
        "min_size": int(os.environ.get("QUANZI_DB_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("QUANZI_DB_POOL_MAX_SIZE", "10")),
        "timeout": float(os.environ.get("QUANZI_DB_POOL_TIMEOUT", "10")),
        "reconnect_timeout": float(os.environ.get("QUANZI_DB_POOL_RECONNECT_TIMEOUT", "5")),
    }
if IS_SQLITE:
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work together; IMMEDIATE takes the write lock at the
        # start of a transaction so two writers queue instead of failing half-way.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if os.environ.get("QUANZI_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["QUANZI_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, tasks -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("QUANZI_CACHE_PREFIX", "quanzi"),
        }
    }
    CHANNEL_LAYERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS: dict[str, dict[str, Any]]
if TESTING:
    # Tests run timers by calling the task functions themselves (time travel); nothing is queued.
    TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
elif REDIS_URL and os.environ.get("QUANZI_TASKS", "") == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["quanzi.accounts.backends.PhoneOrUsernameBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated).
# None by default: the connecting address is the client. `manage.py serve` hands the list to
# uvicorn, which takes the right-most address of the header that is not one of these.
QUANZI_TRUSTED_PROXIES = [
    str(ipaddress.ip_network(p.strip(), strict=False))
    for p in os.environ.get("QUANZI_TRUSTED_PROXIES", "").split(",")
    if p.strip()
]
# An API token expires this many days after its last use (sliding).
QUANZI_TOKEN_TTL_DAYS = int(os.environ.get("QUANZI_TOKEN_TTL_DAYS", "30"))
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# --- i18n and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "quanzi" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing one; finders serve the files
# JavaScript libraries fetched from the npm registry by `make install` (quanzi/core/assets.py)
# are served under /static/vendor/.
ASSETS_DIR = assets_dir()
ASSETS_DIR.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS: list[Any] = [BASE_DIR / "quanzi" / "static", ("vendor", ASSETS_DIR)]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# WhiteNoise serves the static files with DEBUG off too, without a collectstatic step: it indexes
# what the finders find when the server starts (and looks again on each request under DEBUG).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request size: large enough for 6 photos, small enough that a 50 MB body is refused (413/400).
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
QUANZI_MAX_REQUEST_BYTES = 30 * 1024 * 1024
QUANZI_IMAGE_MAX_BYTES = 5 * 1024 * 1024
QUANZI_IMAGE_MAX_PIXELS = 6000

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_FAILURE_VIEW = "quanzi.core.error_pages.csrf_failure"
# Content-Security-Policy (django-csp 4) on every response: scripts and styles only from our own
# static files (no inline <script>, no on...= attributes, no style= attributes, no eval; HTMX is
# told not to inject its indicator <style> and not to eval, see base.html); images from us and
# blob: (the product editor's previews); connect-src also names ws:// and wss:// of the request's
# own host for the chat socket (ContentSecurityPolicyMiddleware adds them per request).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Payments -------------------------------------------------------------------------------
# The sandbox provider signs its webhooks with this secret (HMAC-SHA256).
QUANZI_SANDBOX_WEBHOOK_SECRET = os.environ.get(
    "QUANZI_SANDBOX_WEBHOOK_SECRET", SECRET_KEY + ":sandbox-webhook"
)
# "task": webhooks go over HTTP from the worker, like a real gateway; "inline": in-process on
# commit, through the same verification path (tests).
QUANZI_SANDBOX_DELIVERY = os.environ.get("QUANZI_SANDBOX_DELIVERY", "task")
QUANZI_PUBLIC_URL = os.environ.get(
    "QUANZI_PUBLIC_URL", "http://127.0.0.1:" + os.environ.get("PORT", "8000")
)

# --- Operations: outages, health, metrics (docs/operations.md) ------------------------------
# Seconds a client is told to wait (Retry-After) when the database is unreachable.
QUANZI_DB_RETRY_AFTER = int(os.environ.get("QUANZI_DB_RETRY_AFTER", "5"))
# Seconds /healthz/ready waits for the database and Redis before calling them unavailable.
QUANZI_HEALTH_TIMEOUT = float(os.environ.get("QUANZI_HEALTH_TIMEOUT", "2"))
# Who may read /metrics: these networks (the direct peer, never a forwarded address), or anyone
# sending `Authorization: Bearer $QUANZI_METRICS_TOKEN` when that is set.
QUANZI_METRICS_ALLOWED_NETWORKS = [
    ip_network(n.strip())
    for n in os.environ.get("QUANZI_METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128").split(",")
    if n.strip()
]
QUANZI_METRICS_TOKEN = os.environ.get("QUANZI_METRICS_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"quanzi": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}

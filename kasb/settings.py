"""Kasb settings. Every value comes from the environment; the defaults run the embedded demo."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KASB_DATA_DIR", BASE_DIR.parent / "var"))
DEMO_SECRET_KEY = "kasb-demo-only-not-secret-8f3b1c2e-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Behind a TLS-terminating load balancer, set KASB_HTTPS=1.
HTTPS = env_bool("KASB_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("KASB_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("KASB_SESSION_SECONDS", str(8 * 3600)))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "template_partials",
    "ninja",
    "kasb.core",
    "kasb.accounts",
    "kasb.orgs",
    "kasb.participants",
    "kasb.skills",
    "kasb.payments",
    "kasb.training",
    "kasb.outreach",
    "kasb.microwork",
    "kasb.careers",
    "kasb.surveys",
    "kasb.legacy",
    "kasb.monitoring",
    "kasb.web",
    "kasb.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kasb.web.middleware.PrincipalMiddleware",
    "kasb.web.middleware.RequireTwoFactorMiddleware",
    "kasb.web.middleware.DomainErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kasb.urls"
WSGI_APPLICATION = "kasb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kasb.web.context.navigation",
            ],
        },
    },
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kasb.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE takes the write lock up front so
    # concurrent writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("KASB_TEST_SQLITE")
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("KASB_TEST_DB_NAME")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["kasb.accounts.backends.EmailOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("KASB_FAST_HASHER", False):  # test runs only: argon2 is deliberately slow
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
KASB_LOCKOUT_THRESHOLD = int(os.environ.get("KASB_LOCKOUT_THRESHOLD", "5"))
# Reports that leave the organisation hide cells counting fewer people than this (docs/indicators.md).
KASB_SUPPRESSION_THRESHOLD = int(os.environ.get("KASB_SUPPRESSION_THRESHOLD", "5"))
# How long a worked-out indicator dashboard or report page is reused, in seconds (0: always work it out).
KASB_MONITORING_CACHE_SECONDS = int(os.environ.get("KASB_MONITORING_CACHE_SECONDS", "300"))
KASB_LOCKOUT_MINUTES = int(os.environ.get("KASB_LOCKOUT_MINUTES", "15"))
KASB_REQUIRE_STAFF_2FA = env_bool("KASB_REQUIRE_STAFF_2FA", True)
OTP_TOTP_ISSUER = "Kasb"

# Protected participant fields. Comma-separated Fernet keys, newest first: the newest encrypts,
# all decrypt, `kasb rotate_keys` re-encrypts with the newest. The demo derives one from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("KASB_FIELD_KEYS")
# HMAC key for the blind indexes that find duplicate registrations without decrypting.
BLIND_INDEX_KEY = os.environ.get("KASB_BLIND_INDEX_KEY", "")

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("ru", "Русский"),
    ("tg", "Тоҷикӣ"),
    ("fr", "Français"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kasb_language"
USE_I18N = True
FORMAT_MODULE_PATH = ["kasb.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start-up without it
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": os.environ.get("KASB_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Several app servers need one shared store for uploads: S3 or any S3-compatible service (MinIO, Ceph).
# Install the `s3` extra and set KASB_FILE_STORAGE=storages.backends.s3.S3Storage.
if os.environ.get("KASB_S3_BUCKET"):
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": os.environ["KASB_S3_BUCKET"],
        "endpoint_url": os.environ.get("KASB_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("KASB_S3_REGION") or None,
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
KASB_IMPORT_MAX_BYTES = int(os.environ.get("KASB_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Periodic work, run by `kasb worker --beat` on one worker (or `celery -A kasb beat`).
CELERY_BEAT_SCHEDULE = {
    "release-expired-leases": {"task": "microwork.release_expired", "schedule": 60.0},
    "deliver-webhooks": {"task": "microwork.deliver_webhooks", "schedule": 60.0},
    "auto-approve-due": {"task": "microwork.auto_approve_due", "schedule": 600.0},
    "remeasure-projects": {"task": "microwork.remeasure_projects", "schedule": 600.0},
    "complete-finished-projects": {"task": "microwork.complete_finished_projects", "schedule": 600.0},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kasb <no-reply@kasb.invalid>")
# SMS: a dotted path to a backend class with send(to, text). The file backend writes to DATA_DIR/sms.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "kasb.core.sms.FileBackend")
SMS_FILE_PATH = str(DATA_DIR / "sms")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The address people reach Kasb at (https://kasb.example.org), for links in SMS and e-mail sent outside a request.
KASB_PUBLIC_URL = os.environ.get("KASB_PUBLIC_URL", "").rstrip("/")
# Webhooks to private or loopback addresses are refused unless this is set (for a client on the same network).
KASB_WEBHOOK_ALLOW_PRIVATE = env_bool("KASB_WEBHOOK_ALLOW_PRIVATE", False)

# Public pages (applications, certificate verification) are rate-limited per client address.
# Behind load balancers, say how many proxies append to X-Forwarded-For.
KASB_TRUSTED_PROXIES = int(os.environ.get("KASB_TRUSTED_PROXIES", "0"))
KASB_RATE_LIMITS = {scope: int(limit) for scope, _sep, limit in
                    (item.partition("=") for item in env_list("KASB_RATE_LIMITS")) if limit.isdigit()}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
SILENCED_SYSTEM_CHECKS: list[str] = []
# Without a broker, run background tasks in a thread of the web process (the demo) or inline (tests).
KASB_INLINE_THREADS = env_bool("KASB_INLINE_THREADS", True)

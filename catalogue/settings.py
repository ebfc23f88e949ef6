"""The catalogue's only settings module.

Everything a deployment changes comes from environment variables, read by the helpers below, which
raise ImproperlyConfigured naming the variable when a value is unusable. With no variable set the
catalogue runs on an embedded SQLite file under var/ with DEBUG off.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from psycopg import IsolationLevel

from catalogue.sqlite import time_limited

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/true/yes/on or 0/false/no/off, not {raw!r}"
    )


def env_int(name, default, minimum=0):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name} is set but names no value; unset it or list values")
    return items


def sqlite_database(path):
    """The embedded database, kept open for the life of each thread: opening a SQLite file and
    parsing its schema on the first statement costs more than the queries of a cached page. WAL:
    a request's read snapshot (and a CSV being streamed) never blocks the loader's commit, nor the
    commit the readers. Each statement is aborted after DATABASE_STATEMENT_TIMEOUT_MS, as
    PostgreSQL's are (`catalogue/sqlite.py`)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "CONN_MAX_AGE": None,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "factory": time_limited(statement_timeout_ms()),
        },
    }


def statement_timeout_ms():
    """How long one statement may run, on either database (0: no limit)."""
    return env_int("DATABASE_STATEMENT_TIMEOUT_MS", 5000, minimum=0)


def database_from_url(name, url):
    """Turn DATABASE_URL (or a replica URL) into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(
                f"{name} must name a database: postgres://user@host:5432/name"
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has an invalid port: {url!r}") from None
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        statement_timeout = statement_timeout_ms()
        db = {
            # Each request reads one snapshot (programmes/http/caching.py): a transaction at
            # REPEATABLE READ sees the database as of its first query, a reload committed
            # meanwhile included in none of its queries.
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_HEALTH_CHECKS": True,
            # One slow query must not hold a worker: PostgreSQL cancels it after this long.
            "OPTIONS": {
                "connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1),
                **options,
                "options": f"-c statement_timeout={statement_timeout}",
                "isolation_level": IsolationLevel.REPEATABLE_READ,
            },
            "TEST": {"NAME": env_str("DATABASE_TEST_NAME") or None},
        }
        if env_bool("DATABASE_POOL", True):
            db["OPTIONS"]["pool"] = {
                "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
                "max_size": env_int("DATABASE_POOL_MAX", 4, minimum=1),
                # Seconds a request waits for a connection: when PostgreSQL is down the page
                # is a 503 after this long, not a hang.
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 2, minimum=1),
            }
        else:
            db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        return db
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path:
            raise ImproperlyConfigured(f"{name} must give a file: sqlite:///absolute/path.sqlite3")
        return sqlite_database(path)
    raise ImproperlyConfigured(
        f"{name} must start with postgres:// or sqlite:///, not {parts.scheme or url!r}"
    )


# --- environment -----------------------------------------------------------------------------

CATALOGUE_ENV = env_str("CATALOGUE_ENV", "local")
if CATALOGUE_ENV not in ("local", "production"):
    raise ImproperlyConfigured(
        f"CATALOGUE_ENV must be 'local' or 'production', not {CATALOGUE_ENV!r}"
    )
PRODUCTION = CATALOGUE_ENV == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when CATALOGUE_ENV=production")

_LOCAL_SECRET_KEY = "local-only-not-secret-the-catalogue-sets-no-cookies"
SECRET_KEY = env_str("SECRET_KEY") or _LOCAL_SECRET_KEY
# Length alone lets fifty "a"s through: a random key of 50 characters from the 64 URL-safe ones
# holds about 34 distinct characters, so fewer than 20 says it was not drawn at random.
if PRODUCTION and (
    SECRET_KEY == _LOCAL_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 20
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters (at least 20 "
        "distinct) when CATALOGUE_ENV=production, e.g. python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])


def env_site_url(name, default):
    """The catalogue's public address, scheme and host (and port) only, without a trailing
    slash. Every absolute URL (JSON `url`, canonical link, og:image, JSON-LD, permalinks) is built
    from it, never from a request's Host header, which a client chooses and which would then be
    kept in the shared page cache."""
    raw = env_str(name, default).rstrip("/")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
        raise ImproperlyConfigured(
            f"{name} must be an address such as https://catalogue.example.org, not {raw!r}"
        )
    return raw


# --- applications ----------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "programmes",
]

MIDDLEWARE = [
    # A stored page with all its headers, before any middleware does work for it; the page is
    # built and stored by CatalogueCacheMiddleware below.
    "programmes.http.caching.CachedPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's policy, built once at start-up rather than for every answer.
    "programmes.http.middleware.ContentSecurityPolicyMiddleware",
    "programmes.http.middleware.CrossOriginResourcePolicyMiddleware",
    # Read-only site: anything but GET/HEAD/OPTIONS is 405 before a view or cache sees it.
    "programmes.http.middleware.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304s and cached pages keyed to the catalogue version, before anything below does work for
    # them: a cached page is stored compressed or not, as it was answered, with its headers.
    "programmes.http.caching.CatalogueCacheMiddleware",
    # HTML, JSON and CSV gzipped for clients that accept it (static files come pre-compressed from
    # WhiteNoise, above). BREACH needs a secret reflected beside attacker-chosen text in a
    # compressed body; these pages carry none: no sessions, cookies, CSRF tokens or accounts.
    "django.middleware.gzip.GZipMiddleware",
    # Non-UTF-8, over-long, control characters, repeated single values: 400 before any view. A
    # page in the cache passed it when it was stored: its path and query string decide it.
    "programmes.http.middleware.QueryStringMiddleware",
    "django.middleware.common.CommonMiddleware",
    # No view accepts a form post; kept so that one added later is protected by default.
    "django.middleware.csrf.CsrfViewMiddleware",
]

ROOT_URLCONF = "catalogue.urls"
WSGI_APPLICATION = "catalogue.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "programmes.http.context_processors.catalogue",
            ],
        },
    },
]

# --- database --------------------------------------------------------------------------------

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": database_from_url("DATABASE_URL", _database_url)}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "catalogue.sqlite3")}

# Optional read replicas: the site only reads, so requests read from a replica and the loader
# writes to the primary (catalogue/routers.py).
_replica_urls = env_list("DATABASE_REPLICA_URLS", [])
if _replica_urls:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs DATABASE_URL to be postgres://")
    for _n, _url in enumerate(_replica_urls, start=1):
        _replica = database_from_url("DATABASE_REPLICA_URLS", _url)
        if _replica["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS must list postgres:// URLs: {_url!r}"
            )
        _replica["TEST"] = {"MIRROR": "default"}
        DATABASES[f"replica_{_n}"] = _replica
    DATABASE_ROUTERS = ["catalogue.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- caching ---------------------------------------------------------------------------------


def cache_from_url(name, url):
    """Unset: this process's memory. redis://host:port/db: one cache shared by every server,
    through a backend that gives up on Redis after CACHE_TIMEOUT_MS and leaves it alone for
    CACHE_RETRY_SECONDS after a failure (programmes/redis_cache.py)."""
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    if urlsplit(url).scheme in ("redis", "rediss"):
        return {
            "BACKEND": "programmes.redis_cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "timeout_ms": env_int("CACHE_TIMEOUT_MS", 50, minimum=1),
                "retry_seconds": env_int("CACHE_RETRY_SECONDS", 30, minimum=1),
            },
        }
    raise ImproperlyConfigured(
        f"{name} must be unset (local memory) or start with redis:// or rediss://, not {url!r}"
    )


CACHES = {"default": cache_from_url("CACHE_URL", env_str("CACHE_URL"))}
# Keys contain the catalogue version, so entries never go stale; the timeout frees the memory of
# pages nobody asks for again (a crawl of unique query strings). Redis is also run with a
# maxmemory bound and the allkeys-lru policy (README "Configuration").
CACHES["default"]["TIMEOUT"] = env_int("CACHE_TTL", 3600, minimum=1)
CACHE_MAX_AGE = env_int("CACHE_MAX_AGE", 300, minimum=0)
CACHE_PAGES = env_bool("CACHE_PAGES", True)
# Each process also keeps the pages it served last, ready to send, in front of the cache above.
CACHE_LOCAL_BYTES = env_int("CACHE_LOCAL_MB", 32, minimum=0) * 1024 * 1024
# Facet counts of the lists, in the same cache under the catalogue version (pages or not).
CACHE_FACETS = env_bool("CACHE_FACETS", True)

# --- internationalisation --------------------------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# --- static files ----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The downloads written once per catalogue version (`programmes/loading/download_files.py`).
DOWNLOADS_DIR = Path(env_str("DOWNLOADS_DIR") or VAR_DIR / "downloads")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "catalogue.static_storage.ManifestStaticFilesStorage"
        )
    },
}
# Before `collectstatic` has written STATIC_ROOT, whitenoise serves the files where they are.
WHITENOISE_USE_FINDERS = DEBUG or not (STATIC_ROOT / "staticfiles.json").exists()

# --- the catalogue ---------------------------------------------------------------------------

FIXTURES_DIR = BASE_DIR / "fixtures"
PAGE_SIZE = env_int("PAGE_SIZE", 50, minimum=1)
MAX_PAGE_SIZE = 500
# Searches answered at once by all of a server's workers, and how long one more waits for its
# turn before it is a 503 (programmes/http/turns.py).
SEARCHES_AT_ONCE = env_int("SEARCHES_AT_ONCE", 1, minimum=1)
SEARCH_WAIT_SECONDS = env_int("SEARCH_WAIT_SECONDS", 2, minimum=0)
# Streamed answers (CSVs, /catalogue.json) each worker sends at once; one more is a 503.
STREAMS_AT_ONCE = env_int("STREAMS_AT_ONCE", 16, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per failed request (method, status, path, reason); gunicorn logs every request.
    "formatters": {"line": {"()": "programmes.http.logs.RequestLineFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

# --- security headers ------------------------------------------------------------------------

# Pages load only their own stylesheet, scripts and images; pictures are inline SVG and JSON-LD
# blocks are data, so nothing inline needs to run. `connect-src 'self'` allows requests from a page
# to this site only: the catalogue's own script makes none, and anything the site serves is public
# anyway, so it opens nothing. It lets crawlers' in-page checks (Lighthouse fetches /robots.txt
# from the page it audits) read what the site publishes for them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "connect-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The catalogue sets no cookies; should one appear, it never travels in clear or to scripts.
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = SESSION_COOKIE_HTTPONLY = True

# HTTPS=1: the site is served over HTTPS by a proxy that sets X-Forwarded-Proto.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 2 * 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

if PRODUCTION and ALLOWED_HOSTS[0].startswith((".", "*")) and not env_str("SITE_URL"):
    raise ImproperlyConfigured("SITE_URL must be set when ALLOWED_HOSTS begins with a pattern")
SITE_URL = env_site_url(
    "SITE_URL",
    f"{'https' if HTTPS else 'http'}://{ALLOWED_HOSTS[0]}"
    if PRODUCTION
    else "http://127.0.0.1:8000",
)

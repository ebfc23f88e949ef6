"""Settings come from environment variables; a bad value stops the process naming the variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# A key as `secrets.token_urlsafe(50)` makes one: long, and of many distinct characters.
STRONG_KEY = "Jq3-vX9_bT2kLw7pZr5sYc8dNf4gHm6Ea1uKo0iWxQyRzS" * 2

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS}))"
)


def run_settings(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "CATALOGUE_ENV",
            "PAGE_SIZE",
        }
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="catalogue.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_with_no_variable_set_it_uses_embedded_sqlite_with_debug_off():
    result = run_settings()
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert str(ROOT / "var" / "catalogue.sqlite3") in result.stdout
    assert '"debug": false' in result.stdout
    assert '"hosts": ["localhost", "127.0.0.1", "[::1]"]' in result.stdout


def test_database_url_selects_postgresql_through_psycopg():
    result = run_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/catalogue")
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.postgresql"' in result.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/catalogue"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:port/x"}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": " , "}, "ALLOWED_HOSTS"),
        ({"CATALOGUE_ENV": "staging"}, "CATALOGUE_ENV"),
        ({"CATALOGUE_ENV": "production"}, "SECRET_KEY"),
        ({"CATALOGUE_ENV": "production", "SECRET_KEY": "short"}, "SECRET_KEY"),
        # Long enough but not random: fifty "a"s, or two characters repeated.
        ({"CATALOGUE_ENV": "production", "SECRET_KEY": "a" * 50}, "SECRET_KEY"),
        ({"CATALOGUE_ENV": "production", "SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"CATALOGUE_ENV": "local", "SITE_URL": "catalogue.example.org"}, "SITE_URL"),
        ({"CATALOGUE_ENV": "local", "SITE_URL": "https://example.org/catalogue/"}, "SITE_URL"),
        ({"CACHE_URL": "redis://127.0.0.1:6379/0", "CACHE_TIMEOUT_MS": "0"}, "CACHE_TIMEOUT_MS"),
        ({"CATALOGUE_ENV": "local", "CACHE_TTL": "forever"}, "CACHE_TTL"),
        ({"CATALOGUE_ENV": "production", "SECRET_KEY": STRONG_KEY, "DEBUG": "1"}, "DEBUG"),
        ({"PAGE_SIZE": "fifty"}, "PAGE_SIZE"),
        ({"PAGE_SIZE": "0"}, "PAGE_SIZE"),
    ],
)
def test_it_refuses_a_bad_value_naming_the_variable(env, variable):
    result = run_settings(**env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured")
    assert variable in last


def test_every_environment_variable_is_documented_in_the_readme():
    source = (ROOT / "catalogue" / "settings.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'os\.environ(?:\.get)?[\[(]"([A-Z_]+)"', source))
    readme = (ROOT / "README.md").read_text()
    assert names >= {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"undocumented settings: {missing}"

"""Settings refuse unsafe production configurations and pass Django's deploy checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python in the project folder with only ``env`` (plus PATH) set."""
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env() -> dict[str, str]:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#%^&*(-_=+)"
    return {
        "DJANGO_DEBUG": "false",
        "SITE_URL": "https://news.example.com",
        "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
    }


def test_missing_secret_key_with_debug_off_refuses_to_start():
    result = run(["-c", "import newsroom.settings"])
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert "DJANGO_SECRET_KEY is not set" in last_line


def test_missing_secret_key_is_fine_in_debug_mode():
    result = run(["-c", "import newsroom.settings"], DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_settings_import_with_production_env():
    result = run(
        ["-c", "import newsroom.settings as s; print(s.DEBUG, s.SECURE_SSL_REDIRECT)"],
        **production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_check_deploy_passes_with_production_env(tmp_path):
    env = {**production_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_still_warns_about_a_short_secret_key(tmp_path):
    """The check really runs: a weak key is reported, so the pass above means something."""
    env = {
        **production_env(),
        "DJANGO_SECRET_KEY": "too-short",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_page_cache_without_a_shared_cache_refuses_to_start():
    result = run(
        ["-c", "import newsroom.settings"], **production_env(), NEWSROOM_PAGE_CACHE_SECONDS="300"
    )
    assert result.returncode != 0
    assert "NEWSROOM_PAGE_CACHE_SECONDS needs REDIS_URL" in result.stderr


def test_page_cache_is_on_by_default_with_redis():
    code = "from django.conf import settings; print(settings.NEWSROOM_PAGE_CACHE_SECONDS)"
    env = {**production_env(), "REDIS_URL": "redis://127.0.0.1:6379/15"}
    result = run(
        [
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='newsroom.settings'; {code}",
        ],
        **env,
    )
    assert result.stdout.strip() == "300", result.stderr


def test_sites_sharing_one_redis_database_use_different_cache_keys():
    code = "from django.conf import settings; print(settings.CACHES['default']['KEY_PREFIX'])"
    script = f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='newsroom.settings'; {code}"
    prefixes = {
        run(
            ["-c", script], **{**production_env(), "REDIS_URL": "redis://h:6379/1", "SITE_URL": url}
        ).stdout.strip()
        for url in ("https://a.example.com", "https://b.example.com")
    }
    assert len(prefixes) == 2 and "" not in prefixes


def database_options(**env: str) -> str:
    script = "import newsroom.settings as s; print(s.DATABASES['default'].get('OPTIONS', {}))"
    result = run(["-c", script], **production_env(), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgresql_uses_prepared_statements_unless_told_not_to():
    url = "postgres://newsroom@db.internal:5432/newsroom"
    assert "'prepare_threshold': 5" in database_options(DATABASE_URL=url)
    assert "'server_side_binding': True" in database_options(DATABASE_URL=url)
    behind_a_pooler = database_options(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="false")
    assert "prepare_threshold" not in behind_a_pooler
    assert "prepare_threshold" not in database_options(DATABASE_URL="sqlite:////tmp/x.db")

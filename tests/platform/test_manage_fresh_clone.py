"""`python manage.py <command>` on a fresh clone, before `make run` ever migrated the embedded
database: the command migrates it first and says so, instead of failing on a missing table."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bureau.embedded.schema import command_needs_schema

ROOT = Path(__file__).resolve().parents[2]


def _fresh_clone_env(var_dir: str) -> dict[str, str]:
    unset = {
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "REDIS_URL",
        "BUREAU_DB_ROLE",
        "BUREAU_TESTING",
        "DJANGO_SETTINGS_MODULE",
        "PYTEST_CURRENT_TEST",
    }
    return {k: v for k, v in os.environ.items() if k not in unset} | {"BUREAU_VAR_DIR": var_dir}


@pytest.mark.slow
def test_a_command_on_a_fresh_embedded_database_migrates_it_first() -> None:
    # A short path: the embedded PostgreSQL's Unix socket lives under it (at most 107 bytes).
    var_dir = tempfile.mkdtemp(prefix="bureau-fresh-")
    env = _fresh_clone_env(var_dir)
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "does not exist" not in output, output
        assert "migrating it first" in output, output
        again = subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert "migrating it first" not in again.stdout + again.stderr  # only when it is needed
    finally:
        subprocess.run([sys.executable, "-m", "bureau.embedded", "stop"], cwd=ROOT, env=env, timeout=120)
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.mark.parametrize(
    ("argv", "needs"),
    [
        (["manage.py", "audit_verify"], True),
        (["manage.py", "eval_retrieval", "--help"], False),
        (["manage.py", "migrate"], False),
        (["manage.py", "db_app_role"], False),
        (["manage.py", "makemigrations", "--check"], False),
        (["manage.py", "spectacular", "--file", "x.json"], False),
        (["manage.py"], False),
    ],
)
def test_which_commands_need_the_schema(argv: list[str], needs: bool) -> None:
    assert command_needs_schema(argv) is needs

"""The ingest command line, as DESIGN.md fixes it: summaries, --json, and exit status 2 on bad sources."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
RC = str(ROOT / "tests" / "fixtures" / "reddit" / "RC_fountainpens_2024-01.ndjson")
pytestmark = pytest.mark.django_db


def test_json_summary_has_the_documented_keys(capsys):
    call_command("ingest", "reddit-dump", RC, "--json")
    summary = json.loads(capsys.readouterr().out)
    assert {"read", "created", "updated", "skipped"} <= summary.keys()
    assert (summary["read"], summary["created"], summary["updated"], summary["skipped"]) == (10, 5, 0, 4)
    assert summary["communities"] == ["reddit:fountainpens", "reddit:pens"]


def test_json_can_come_before_the_source(capsys):
    call_command("ingest", "--json", "reddit-dump", RC)
    assert json.loads(capsys.readouterr().out)["created"] == 5


def test_text_summary_lists_counts_and_why_records_were_skipped(capsys):
    call_command("ingest", "reddit-dump", RC)
    out = capsys.readouterr().out
    assert "Imported reddit-dump into reddit:fountainpens, reddit:pens" in out
    assert "created" in out and "skipped" in out
    assert "RC_fountainpens_2024-01.ndjson line 8: no subreddit" in out


@pytest.fixture(scope="module")
def database_file(tmp_path_factory):
    """A migrated SQLite file for commands run in their own process."""
    path = tmp_path_factory.mktemp("db") / "ingest.sqlite3"
    environ = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.test_settings", "DATABASE_URL": f"sqlite:///{path}"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=environ, check=True, timeout=300)
    return environ


@pytest.mark.parametrize(
    "args, message",
    [
        (["reddit-dump", "/nowhere/RC.zst"], "no such file"),
        (["slack", str(ROOT / "README.md")], "not a zip archive"),
        (["discord", str(ROOT / "pyproject.toml")], "not valid JSON"),
    ],
)
def test_a_bad_source_is_one_line_and_exit_status_2(database_file, args, message):
    """Run as an operator would: a real process, its stderr and exit status."""
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=database_file,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr


def test_an_unmigrated_database_is_one_line_not_a_traceback(tmp_path):
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.test_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest", "reddit-dump", RC],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environ,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "no such table" in result.stderr


def test_on_a_terminal_a_progress_bar_by_bytes_read_is_shown(database_file):
    """stderr is a pseudo-terminal here, as when an operator runs the command by hand."""
    import pty

    controller, terminal = pty.openpty()
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest", "reddit-dump", RC],
        cwd=ROOT,
        env=database_file,
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
        timeout=120,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert result.returncode == 0
    assert "[" + "#" * 30 + "] 100%" in shown.decode()
    assert "Imported reddit-dump" in result.stdout

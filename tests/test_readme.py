"""The README's first hour runs as written: every command in its shell blocks, in order, on a fresh
SQLite database holding the demo (what `make demo` leaves), in real processes.

`make` writes DEBUG=1 and a secret into .env.local for manage.py; here the same two values come
from the environment (tests/crm/test_env.py checks manage.py reads the file)."""

import os
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def first_hour_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Your first hour", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_the_first_hour_has_commands_to_run():
    commands = first_hour_commands()
    assert len(commands) >= 3
    assert all(command.startswith(".venv/bin/python manage.py ") for command in commands)


def test_the_readmes_first_hour_runs_as_written(tmp_path):
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_URL", "CELERY_", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG"))
    }
    environ |= {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(shlex.split(command), cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300)

    for setup in (".venv/bin/python manage.py migrate -v0", ".venv/bin/python manage.py load_demo"):
        assert run(setup).returncode == 0
    outputs = {}
    for command in first_hour_commands():
        result = run(command)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        assert "Traceback" not in result.stderr
        outputs[command.split()[2]] = result.stdout
    assert "r/fountainpens" in outputs["communities"] or "reddit:fountainpens" in outputs["communities"]
    assert "skipped" in outputs["ingest"]

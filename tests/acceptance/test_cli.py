"""The `modelops` command line as a whole: usage errors, quiet, colour, --version, no tracebacks, `python -m`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator import __version__
from tests.conftest import Runner, modelops_subprocess


def test_usage_errors_exit_2(example: Path, run: Runner) -> None:
    assert run(example, "render", "--env", "qa").exit_code == 2
    assert run(example, "validate", "-o", "yaml").exit_code == 2
    assert run(example, "no-such-command").exit_code == 2
    missing = run(example / "nope", "render")
    assert missing.exit_code == 2 and "no such directory" in missing.err


def test_quiet_no_color_and_version(example: Path, run: Runner) -> None:
    assert run(example, "render", "-q").out == ""
    assert run(example, "-q", "render").out == ""
    forced = run(example, "--color", "validate")
    assert "\x1b[32m" in forced.out
    plain = run(example, "validate")
    assert "\x1b[" not in plain.out
    assert run(None, "--version").out.strip() == f"modelops, version {__version__}"


def test_console_script_never_shows_a_traceback(example: Path) -> None:
    (example / "releases/bge-embeddings.yaml").write_bytes(b"\xff\xfe\x00garbage")
    done = modelops_subprocess(example, "validate")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "releases/bge-embeddings.yaml:1:1: file is UTF-16 encoded; save it as UTF-8" in done.stdout


def test_python_dash_m_works(example: Path) -> None:
    done = subprocess.run(
        ["python", "-m", "generator", "--repo", str(example), "render", "-q"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

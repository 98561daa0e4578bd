"""The code itself: mypy (pyproject.toml's [tool.mypy]) and ruff clean, inside the one test command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import PROJECT


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([sys.executable, "-m", "mypy"], id="mypy"),
        pytest.param([sys.executable, "-m", "ruff", "check", "generator", "tests", "benchmarks"], id="ruff"),
    ],
)
def test_the_code_passes(command: list[str]) -> None:
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_package_init_files_hold_only_a_docstring() -> None:
    """Importing a stage package must not pull in the others (the pre-commit hook stays fast)."""
    import ast

    for init in sorted((PROJECT / "generator").rglob("__init__.py")):
        body = ast.parse(init.read_text(encoding="utf-8")).body
        code = [node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        if init.parent.name == "generator":
            code = [node for node in code if not isinstance(node, ast.Assign)]  # __version__
        assert not code, f"{init.relative_to(PROJECT)} runs code on import"


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PROJECT)): n
        for p in (PROJECT / "generator").rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long

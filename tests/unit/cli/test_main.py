"""The click command definitions."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from generator.cli import main as cli_module
from generator.inputs.listings import Listings
from generator.schemas import bundle
from tests.conftest import Runner


def test_cli_choices_are_the_bundled_kinds() -> None:
    command = cli_module.cli.commands["schema"]
    kind = next(p for p in command.params if p.name == "kind")
    assert list(kind.type.choices) == list(bundle.KINDS)


def test_a_path_modelops_may_not_read_is_named_with_exit_3(
    example_repo: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, which no mode bit stops: the refusal the kernel gives anyone else, raised where
    # a run first lists rendered/.
    def refused(rel: str) -> list[str]:
        raise PermissionError(errno.EACCES, "Permission denied", str(example_repo / rel))

    monkeypatch.setattr(Listings, "listdir", lambda self, rel: refused(rel))
    result = run(example_repo, "check")
    assert result.exit_code == 3
    assert f"{example_repo}/rendered: permission denied" in result.err
    assert "internal error" not in result.err

"""Long runs say what they are doing on a terminal: every phase of render and commit --push."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from generator.cli.commands import commit, render
from generator.cli.console import Console
from tests.conftest import edit, git


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _phases(err: Terminal) -> list[str]:
    drawn = [d for d in err.getvalue().split("\r\x1b[2K") if d]
    phases = [re.match(r"[a-z]+", d).group(0) for d in drawn]  # type: ignore[union-attr]
    return [p for i, p in enumerate(phases) if i == 0 or phases[i - 1] != p]


def test_render_and_commit_push_show_every_phase(
    example_repo: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    err = Terminal()
    assert render.run(example_repo, Console(color=False, out=io.StringIO(), err=err), (), "text") == 0
    assert _phases(err) == ["reading", "checking", "rendering", "validating", "writing"]
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(example_repo, "commit", "-qam", "bge: scale to 5")
    err = Terminal()
    console = Console(color=False, out=io.StringIO(), err=err)
    assert commit.run(example_repo, console, "bump", "text", push=True) == 0
    assert _phases(err) == ["reading", "checking", "rendering", "validating", "writing", "committing", "pushing"]


def test_no_progress_when_stderr_is_not_a_terminal(example_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    err = io.StringIO()
    assert render.run(example_repo, Console(color=False, out=io.StringIO(), err=err), (), "text") == 0
    assert err.getvalue() == ""

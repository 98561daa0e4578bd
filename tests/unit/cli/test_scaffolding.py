"""The files `modelops init` creates, as the README lists them."""

from __future__ import annotations

from generator.cli import scaffolding
from tests.conftest import PROJECT


def test_readme_shows_what_init_creates() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ modelops init model-gitops\ncreated model-gitops:\n", 1)[1].split("\ninitialised", 1)[0]
    assert [line.strip() for line in block.splitlines()] == list(scaffolding.files())

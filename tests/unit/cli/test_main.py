"""The click command definitions."""

from __future__ import annotations

from generator.cli import main as cli_module
from generator.schemas import bundle


def test_cli_choices_are_the_bundled_kinds() -> None:
    command = cli_module.cli.commands["schema"]
    kind = next(p for p in command.params if p.name == "kind")
    assert list(kind.type.choices) == list(bundle.KINDS)

"""A pin that sets a model version without its artifact (or the reverse) is an error, in lint and validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, edit

LLAMA = "releases/llama3-8b-chat.yaml"
PINNED = (
    "        version: 3.1.0\n        artifact:\n          uri: s3://models/meta-llama/llama-3.1-8b-instruct/3.1.0/\n"
    "          digest: sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948\n"
)


@pytest.mark.parametrize(
    ("kept", "line", "field", "message"),
    [
        ("        version: 3.1.0\n", 52, "spec.environments.prod.model.version", "without model.artifact"),
        (
            PINNED.replace("        version: 3.1.0\n", ""),
            52,
            "spec.environments.prod.model.artifact",
            "without model.version",
        ),
    ],
)
@pytest.mark.parametrize("command", ["lint", "validate"])
def test_a_half_pin_is_an_error_naming_its_line(
    example: Path, run: Runner, kept: str, line: int, field: str, message: str, command: str
) -> None:
    edit(example / LLAMA, PINNED, kept)
    result = run(example, "lint", str(example / LLAMA)) if command == "lint" else run(example, "validate")
    assert result.exit_code == 1
    said = result.out + result.err
    assert f"{LLAMA}:{line}:" in said and f"{field}: prod pins" in said and message in said, said

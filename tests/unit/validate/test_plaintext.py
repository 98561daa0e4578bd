"""Plaintext secrets in env values are refused, naming the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import edit


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HF_TOKEN", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
        ("DB_PASSWORD", "hunter2"),
        ("SOMETHING", "AKIAABCDEFGHIJKLMNOP"),
    ],
)
def test_plaintext_secret_values_are_refused(example: Path, name: str, value: str) -> None:
    edit(
        example / "releases/llama3-8b-chat.yaml",
        "      - name: VLLM_LOGGING_LEVEL\n        value: INFO\n",
        f"      - name: {name}\n        value: {value}\n",
    )
    with pytest.raises(InputError) as info:
        compose.build(WorkTree(example))
    (diag,) = {d.format() for d in info.value.diagnostics}
    assert diag.startswith(
        f"releases/llama3-8b-chat.yaml:28:9: spec.runtime.env[0].value: env var {name} holds a "
        "plaintext secret; reference a Secret with secretKeyRef"
    )

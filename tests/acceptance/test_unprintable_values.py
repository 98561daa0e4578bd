"""Values Python cannot turn into text (integers of more than 4,300 digits, lone surrogates): a finding
in every command that reads them, never exit 70 (the corpus has the render and validate cases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.inputs import yamlio
from tests.conftest import Runner, edit, write

HUGE = "1" * (yamlio.MAX_INT_DIGITS + 100)
DIGITS = f"integer has more than {yamlio.MAX_INT_DIGITS} digits"
SURROGATE = "\\ud800 is half of a UTF-16 surrogate pair, not a character"


RELEASE, STAGING = "releases/toxicity-classifier.yaml", "environments/staging.yaml"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (RELEASE, "maxReplicas: 6", f"maxReplicas: {HUGE}", f"29:18: spec.scaling.maxReplicas: {DIGITS}"),
        (STAGING, "capacity: 8", f"capacity: {HUGE}", f"55:17: spec.gpuTypes.nvidia-l4.capacity: {DIGITS}"),
        (RELEASE, "team: trust-safety", 'team: "x\\ud800"', f"6:9: metadata.team: {SURROGATE}"),
        (STAGING, "namespace: models-staging", 'namespace: "\\ud800"', f"29:14: spec.namespace: {SURROGATE}"),
    ],
)
def test_lint_reports_them_at_their_line(
    example: Path, run: Runner, file: str, old: str, new: str, expected: str
) -> None:
    edit(example / file, old, new)
    result = run(example, "lint")
    assert result.exit_code == 1
    assert f"{file}:{expected}" in result.err
    assert "internal error" not in result.err


def test_validate_path_reports_them_per_document(tmp_path: Path, run: Runner) -> None:
    manifest = write(
        tmp_path / "m.yaml",
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: {HUGE}\n"
        '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  k: "\\ud800"\n',
    )
    result = run(None, "validate", str(manifest))
    assert result.exit_code == 1
    assert result.out.splitlines() == [
        f"{manifest}:6:13: spec.replicas: {DIGITS} [yaml]",
        f"{manifest}:13:6: data.k: {SURROGATE}; write the character itself (or \\U followed by its 8 hex digits)"
        " [yaml]",
    ]

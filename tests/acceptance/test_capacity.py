"""GPU capacity per environment and type, at max replicas."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit


def test_under_capacity_prints_the_table(example: Path, run: Runner) -> None:
    result = run(example, "validate")
    assert result.exit_code == 0
    assert "GPU capacity at max replicas:" in result.out
    assert "  prod         nvidia-h100  16         32        ok" in result.out
    rows = {(r["environment"], r["gpuType"]): r for r in run(example, "validate", "-o", "json").json()["capacity"]}
    assert rows[("prod", "nvidia-h100")]["requested"] == 16  # 4 GPUs x 4 replicas
    assert rows[("prod", "nvidia-h100")]["releases"] == [
        {"release": "llama3-70b-instruct", "gpusPerReplica": 4, "maxReplicas": 4}
    ]
    assert rows[("prod", "nvidia-l4")]["requested"] == 6  # 1 GPU x 6 replicas


def test_over_capacity_fails_naming_the_capacity_line(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", "        maxReplicas: 4\n", "        maxReplicas: 9\n")
    result = run(example, "validate")
    assert result.exit_code == 1
    assert (
        "environments/prod.yaml:38:7: spec.gpuTypes.nvidia-h100.capacity: releases would use 36 nvidia-h100 "
        "GPUs at max replicas but the environment has 32 (llama3-70b-instruct 4x9) [gpu-capacity]"
    ) in result.out
    assert "  prod         nvidia-h100  36         32        OVER" in result.out
    assert run(example, "render").exit_code == 1
    assert not (example / "rendered").exists()


def test_exactly_at_capacity_passes(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", "        maxReplicas: 4\n", "        maxReplicas: 8\n")
    # The per-release budget (policy MO-RES-003) is a separate limit; lift it to isolate cluster capacity.
    edit(example / "environments/prod.yaml", "maxGpusPerRelease: 16", "maxGpusPerRelease: 32")
    assert run(example, "validate").exit_code == 0

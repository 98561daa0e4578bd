"""GPU capacity per environment and type, at max replicas."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, write


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
        "environments/prod.yaml:56:7: spec.gpuTypes.nvidia-h100.capacity: releases would use 36 nvidia-h100 "
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


def _second_l4_release(example: Path, max_replicas: int) -> None:
    """A copy of llama3-8b-chat (1 nvidia-l4 GPU per replica; 6 replicas at most in prod) with its own maximum."""
    text = (example / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8")
    assert text.count("  name: llama3-8b-chat\n") == 1 and text.count("        maxReplicas: 6\n") == 1
    text = text.replace("  name: llama3-8b-chat\n", "  name: llama3-8b-chat-b\n")
    text = text.replace("        maxReplicas: 6\n", f"        maxReplicas: {max_replicas}\n")
    write(example / "releases/llama3-8b-chat-b.yaml", text)


def test_two_releases_of_one_gpu_type_add_up(example: Path, run: Runner) -> None:
    _second_l4_release(example, 10)  # 6 + 10 = 16: exactly the capacity
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0, result.out
    rows = {(r["environment"], r["gpuType"]): r for r in result.json()["capacity"]}
    assert rows[("prod", "nvidia-l4")]["requested"] == 16
    assert [r["release"] for r in rows[("prod", "nvidia-l4")]["releases"]] == ["llama3-8b-chat", "llama3-8b-chat-b"]


def test_two_releases_each_within_capacity_are_over_it_together(example: Path, run: Runner) -> None:
    _second_l4_release(example, 12)  # 6 and 12, each under 16; 18 together
    result = run(example, "validate")
    assert result.exit_code == 1
    assert (
        "environments/prod.yaml:52:7: spec.gpuTypes.nvidia-l4.capacity: releases would use 18 nvidia-l4 GPUs at max "
        "replicas but the environment has 16 (llama3-8b-chat 1x6, llama3-8b-chat-b 1x12) [gpu-capacity]"
    ) in result.out
    assert "  prod         nvidia-l4    18         16        OVER" in result.out

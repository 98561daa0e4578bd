"""GPU capacity per environment and type, at max replicas: steady, and at a rollout's peak, which is checked."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, write


def test_under_capacity_prints_the_table(example: Path, run: Runner) -> None:
    result = run(example, "validate")
    assert result.exit_code == 0
    assert "GPU capacity at max replicas (steady, and at a rollout's peak, which is checked):" in result.out
    assert "  prod         nvidia-h100  16         32          32        ok" in result.out
    rows = {(r["environment"], r["gpuType"]): r for r in run(example, "validate", "-o", "json").json()["capacity"]}
    assert rows[("prod", "nvidia-h100")]["requested"] == 16  # 4 GPUs x 4 replicas
    assert rows[("prod", "nvidia-h100")]["releases"] == [
        {"release": "llama3-70b-instruct", "gpusPerReplica": 4, "maxReplicas": 4, "peakReplicas": 8}
    ]
    assert rows[("prod", "nvidia-h100")]["peak"] == 32  # blue-green: the preview at full size beside the active
    assert rows[("prod", "nvidia-l4")]["requested"] == 6  # 1 GPU x 6 replicas
    assert rows[("prod", "nvidia-l4")]["peak"] == 8  # a canary's maxSurge of 25%, rounded up: 2 more pods


def test_over_capacity_fails_naming_the_capacity_line(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", "        maxReplicas: 4\n", "        maxReplicas: 9\n")
    result = run(example, "validate")
    assert result.exit_code == 1
    assert (
        "environments/prod.yaml:58:7: spec.gpuTypes.nvidia-h100.capacity: releases would use 72 nvidia-h100 "
        "GPUs at max replicas during a rollout (36 once it is done) but the environment has 32 "
        "(llama3-70b-instruct 4x18) [gpu-capacity]"
    ) in result.out
    assert "  prod         nvidia-h100  36         72          32        OVER" in result.out
    assert run(example, "render").exit_code == 1
    assert not (example / "rendered").exists()


def test_a_blue_green_rollout_that_fits_only_once_done_fails(example: Path, run: Runner) -> None:
    # 5 replicas x 4 GPUs = 20 of 32 once done, but 40 while the preview runs beside the active.
    edit(example / "releases/llama3-70b-instruct.yaml", "        maxReplicas: 4\n", "        maxReplicas: 5\n")
    edit(example / "environments/prod.yaml", "maxGpusPerRelease: 16", "maxGpusPerRelease: 32")  # (MO-RES-003)
    result = run(example, "validate")
    assert result.exit_code == 1
    assert "  prod         nvidia-h100  20         40          32        OVER" in result.out


def test_a_canary_adds_its_surge(example: Path, run: Runner) -> None:
    text = (example / "releases/llama3-70b-instruct.yaml").read_text(encoding="utf-8")
    edit(example / "releases/llama3-70b-instruct.yaml", "        strategy: blue-green\n", "        strategy: canary\n")
    assert "strategy: blue-green" in text
    rows = {(r["environment"], r["gpuType"]): r for r in run(example, "validate", "-o", "json").json()["capacity"]}
    assert rows[("prod", "nvidia-h100")]["peak"] == 4 * (4 + 1)  # 25% of 4 replicas: one more pod


def _second_l4_release(example: Path, max_replicas: int) -> None:
    """A copy of llama3-8b-chat (1 nvidia-l4 GPU per replica; 6 replicas at most in prod) with its own maximum."""
    text = (example / "releases/llama3-8b-chat.yaml").read_text(encoding="utf-8")
    assert text.count("  name: llama3-8b-chat\n") == 1 and text.count("        maxReplicas: 6\n") == 1
    text = text.replace("  name: llama3-8b-chat\n", "  name: llama3-8b-chat-b\n")
    text = text.replace("        maxReplicas: 6\n", f"        maxReplicas: {max_replicas}\n")
    write(example / "releases/llama3-8b-chat-b.yaml", text)


def test_two_releases_of_one_gpu_type_add_up(example: Path, run: Runner) -> None:
    _second_l4_release(example, 6)  # (6 + 2) + (6 + 2) = 16 during rollouts: exactly the capacity
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0, result.out
    rows = {(r["environment"], r["gpuType"]): r for r in result.json()["capacity"]}
    assert rows[("prod", "nvidia-l4")]["requested"] == 12
    assert rows[("prod", "nvidia-l4")]["peak"] == 16
    assert [r["release"] for r in rows[("prod", "nvidia-l4")]["releases"]] == ["llama3-8b-chat", "llama3-8b-chat-b"]


def test_two_releases_each_within_capacity_are_over_it_together(example: Path, run: Runner) -> None:
    _second_l4_release(example, 10)  # 8 and 13 during rollouts, each under 16; 21 together
    result = run(example, "validate")
    assert result.exit_code == 1
    assert (
        "environments/prod.yaml:54:7: spec.gpuTypes.nvidia-l4.capacity: releases would use 21 nvidia-l4 GPUs at max "
        "replicas during a rollout (16 once it is done) but the environment has 16 "
        "(llama3-8b-chat 1x8, llama3-8b-chat-b 1x13) [gpu-capacity]"
    ) in result.out
    assert "  prod         nvidia-l4    16         21          16        OVER" in result.out

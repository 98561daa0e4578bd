"""`modelops render`: one environment, the same bytes in every process, nothing written on bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import Runner, edit

LLAMA = "releases/llama3-8b-chat.yaml"


def test_render_one_environment(example: Path, run: Runner) -> None:
    result = run(example, "render", "--env", "staging", "-o", "json")
    assert result.exit_code == 0
    assert result.json()["files"] == 63  # 57 manifests and 6 provenance files
    assert sorted(p.name for p in (example / "rendered").iterdir()) == ["staging"]


def test_same_bytes_in_separate_processes_with_different_hash_seeds(example: Path, tmp_path: Path) -> None:
    trees = []
    for seed in ("1", "2"):
        copy = tmp_path / f"seed{seed}"
        shutil.copytree(example, copy)
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(["modelops", "--repo", str(copy), "render", "-q"], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr
        trees.append({p.relative_to(copy).as_posix(): p.read_bytes() for p in (copy / "rendered").rglob("*.yaml")})
    assert trees[0] == trees[1]


def test_cli_reports_bad_input_and_writes_nothing(example: Path, run: Runner) -> None:
    edit(example / LLAMA, "kind: vllm", "kind: vllmm")
    result = run(example, "render")
    assert result.exit_code == 1
    assert "Traceback" not in result.err
    assert (
        f'{LLAMA}:19:5: spec.runtime.kind: "vllmm" is not allowed; expected one of: vllm, triton, torchserve, '
        "tfserving, kserve [spec-schema]"
    ) in result.err
    assert "nothing written" in result.err
    assert not (example / "rendered").exists()

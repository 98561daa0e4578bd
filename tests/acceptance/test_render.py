"""`modelops render`: one environment, the same bytes in every process and whatever the order of keys in the
inputs, with or without the render cache, nothing written on bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.inputs import yamlio
from generator.render import emitter
from tests.conftest import Runner, add_release_secret, edit, files_under, write

LLAMA = "releases/llama3-8b-chat.yaml"


def test_render_one_environment(example: Path, run: Runner) -> None:
    result = run(example, "render", "--env", "staging", "-o", "json")
    assert result.exit_code == 0
    assert result.json()["files"] == 14  # 6 release manifests, _argocd's, _shared's and 6 provenance files
    assert sorted(p.name for p in (example / "rendered").iterdir()) == ["staging"]


def _render_in_a_process(repo: Path, seed: str, **env: str) -> dict[str, bytes]:
    """`modelops render` in a child process with PYTHONHASHSEED=seed: the whole rendered/ it wrote."""
    done = subprocess.run(
        ["modelops", "--repo", str(repo), "render", "-q"],
        env={**os.environ, "PYTHONHASHSEED": seed, **env},
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    return files_under(repo / "rendered")


def _entries(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.rglob("*.pickle")}


def test_same_bytes_in_separate_processes_with_different_hash_seeds(example: Path, tmp_path: Path) -> None:
    """Two processes that each render everything (no cache), then a cold and a warm cache, four hash seeds."""
    copies = {name: tmp_path / name for name in ("a", "b", "cold", "warm")}
    for copy in copies.values():
        shutil.copytree(example, copy)
    first = _render_in_a_process(copies["a"], "1", MODELOPS_NO_CACHE="1")
    assert _render_in_a_process(copies["b"], "2", MODELOPS_NO_CACHE="1") == first
    cache = tmp_path / "cache"
    assert _render_in_a_process(copies["cold"], "3", MODELOPS_CACHE_DIR=str(cache)) == first
    filled = _entries(cache)
    assert len(filled) == 18  # one entry per release in each environment
    assert _render_in_a_process(copies["warm"], "4", MODELOPS_CACHE_DIR=str(cache)) == first
    assert _entries(cache) == filled  # nothing rendered, so nothing stored: every unit came from the cache


SWAPPED = (
    "        store: vault-backend\n        key: ml-platform/huggingface\n",
    "        key: ml-platform/huggingface\n        store: vault-backend\n",
)


def test_key_order_in_a_spec_changes_nothing_with_or_without_the_cache(
    example: Path, run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm cache, then `key:` before `store:` under a secret's external: cached and uncached runs agree."""
    monkeypatch.setenv("MODELOPS_CACHE_DIR", str(tmp_path / "cache"))
    add_release_secret(example)
    assert run(example, "render").exit_code == 0
    before = files_under(example / "rendered")
    edit(example / "releases/llama3-70b-instruct.yaml", *SWAPPED)
    assert run(example, "render", "-o", "json").json()["changed"] == []
    assert run(example, "check").exit_code == 0
    monkeypatch.setenv("MODELOPS_NO_CACHE", "1")
    result = run(example, "check")
    assert result.exit_code == 0, result.out
    assert run(example, "render", "-o", "json").json()["changed"] == []
    assert files_under(example / "rendered") == before


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(value)}
    if isinstance(value, list):
        return [_reversed(item) for item in value]
    return value


def test_every_mapping_of_every_input_written_in_reverse_renders_the_same_bytes(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Also through a repository template that walks spec mappings into text, which sorting the keys of the
    output could not make canonical: the renderer never sees the order in which keys were written."""
    monkeypatch.setenv("MODELOPS_NO_CACHE", "1")  # the cache's key ignores key order: render for real
    # Mappings the templates copy as written: tolerations (a spec's and a GPU type's), a key reference, a selector.
    edit(
        example / "releases/toxicity-classifier.yaml",
        "  scaling:\n",
        "  scheduling:\n    nodeSelector: {pool: cpu, zone: a}\n    tolerations:\n"
        "      - {key: pool, operator: Equal, value: cpu, effect: NoSchedule, tolerationSeconds: 30}\n"
        "  scaling:\n",
    )
    edit(
        example / "releases/llama3-70b-instruct.yaml",
        "      shmSize: 16Gi\n",
        "      shmSize: 16Gi\n    env:\n"
        "      - name: LOG_LEVEL\n        configMapKeyRef: {name: llm-settings, key: log-level}\n",
    )
    edit(
        example / "environments/prod.yaml",
        "        nvidia.com/gpu.product: NVIDIA-L4\n",
        "        nvidia.com/gpu.product: NVIDIA-L4\n      tolerations:\n"
        "        - {key: gpu-pool, operator: Exists, effect: NoExecute}\n",
    )
    write(
        example / "templates/release/order.yaml.j2",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ names.workload ~ '-order' }}\n"
        "  namespace: {{ env.namespace }}\ndata:\n  args: {{ spec.runtime.args | join(',') }}\n"
        "  gpuTypes: {{ env.spec.gpuTypes | default({}) | join(',') }}\n",
    )
    assert run(example, "render").exit_code == 0
    expected = files_under(example / "rendered")
    order = expected["prod/llama3-70b-instruct/manifest.yaml"].decode()
    assert '  args: "dtype,gpuMemoryUtilization,maxModelLen,shmSize,tensorParallelSize"\n' in order
    assert '  gpuTypes: "nvidia-h100,nvidia-l4"\n' in order
    assert b"effect: NoSchedule\n" in expected["prod/toxicity-classifier/manifest.yaml"]
    assert b"configMapKeyRef:\n" in expected["prod/llama3-70b-instruct/manifest.yaml"]
    assert b"key: gpu-pool\n" in expected["prod/llama3-8b-chat/manifest.yaml"]
    for path in [*(example / "releases").glob("*.yaml"), *(example / "environments").glob("*.yaml")]:
        data = yamlio.load(path.read_bytes(), path.name).data
        path.write_text(emitter.dump(_reversed(data)), encoding="utf-8")
    assert (example / "releases/llama3-70b-instruct.yaml").read_text().startswith("spec:\n")
    assert run(example, "render", "-o", "json").json()["changed"] == []
    assert files_under(example / "rendered") == expected


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

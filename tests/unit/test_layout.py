"""The rendered tree is what Argo CD reads: plain directories, one multi-document manifest.yaml each.

Where kubectl exists, its built-in kustomize (no cluster needed) must load every release
directory as Kubernetes resources and give back the same objects.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml as pyyaml

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.repo import writer

KUBECTL = shutil.which("kubectl")


def rendered_dirs(repo: Path) -> list[Path]:
    writer.write(repo, compose.build(WorkTree(repo)).tree)
    return sorted(d for d in (repo / "rendered").glob("*/*") if d.is_dir())


def test_directories_hold_one_manifest_of_whole_objects(example: Path) -> None:
    for directory in rendered_dirs(example):
        assert not [p for p in directory.iterdir() if p.is_dir()]  # Argo CD directory sources do not recurse
        # Argo CD's directory source reads *.yaml, *.yml and *.json and nothing else.
        read = [p for p in directory.iterdir() if p.suffix in (".yaml", ".yml", ".json")]
        others = {p.name for p in directory.iterdir()} - {p.name for p in read}
        assert others <= {"modelops.metadata"}
        assert [p.name for p in read] == ["manifest.yaml"]
        docs = list(pyyaml.safe_load_all(read[0].read_text()))  # a YAML 1.1 reader, as Argo CD's
        assert docs and all({"apiVersion", "kind", "metadata"} <= set(d) for d in docs)  # _shared may hold one
        names = [(d["kind"].lower(), d["metadata"]["name"]) for d in docs]
        assert names == sorted(names) and len(set(names)) == len(names)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_kustomize_loads_every_directory(example: Path, tmp_path: Path) -> None:
    for directory in rendered_dirs(example):
        work = tmp_path / directory.parent.name / directory.name
        shutil.copytree(directory, work)
        files = sorted(p.name for p in work.iterdir() if p.suffix == ".yaml")
        (work / "kustomization.yaml").write_text("resources:\n" + "".join(f"  - {f}\n" for f in files))
        done = subprocess.run([KUBECTL, "kustomize", str(work)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{directory}: {done.stderr}"
        loaded = [d for d in pyyaml.safe_load_all(done.stdout) if d]
        originals = [d for f in files for d in pyyaml.safe_load_all((directory / f).read_text())]
        key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
        assert sorted(loaded, key=key) == sorted(originals, key=key)

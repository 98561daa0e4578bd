"""Kapitan 0.36 compiling the same objects, for the benchmark's peer comparison.

One Kapitan target per unit (a release in an environment, and each environment's _argocd),
its inventory holding the release's spec, its jinja2 input the unit's finished manifest.
The templates carry no logic, so Kapitan's figure is a lower bound of what it would take
with real templates: inventory, template loading and output, for the same bytes.

    python benchmarks/kapitan_peer.py RENDERED_REPO WORKDIR [KAPITAN]   # prints seconds

Kapitan is not a dependency of modelops: install it in a venv of its own
(`python -m venv /tmp/kapvenv && /tmp/kapvenv/bin/pip install kapitan==0.36.0`) and pass its script.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml


def project(repo: Path, dest: Path) -> int:
    """A Kapitan project in `dest` for every unit rendered in `repo`; returns the number of targets."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "inventory/targets").mkdir(parents=True)
    (dest / "inventory/classes").mkdir()
    (dest / "inventory/classes/common.yml").write_text("parameters: {}\n")
    count = 0
    for manifest in sorted((repo / "rendered").glob("*/*/manifest.yaml")):
        env, unit = manifest.parts[-3], manifest.parts[-2]
        target = f"{env}-{unit.strip('_')}"
        templates = dest / "templates" / target
        templates.mkdir(parents=True)
        (templates / "manifest.yaml").write_text("{% raw %}" + manifest.read_text() + "{% endraw %}")
        spec_file = repo / "releases" / f"{unit}.yaml"
        spec = yaml.safe_load(spec_file.read_text()).get("spec", {}) if spec_file.is_file() else {}
        compile_step = {"output_path": ".", "input_type": "jinja2", "input_paths": [f"templates/{target}"]}
        kapitan = {"vars": {"target": target}, "compile": [compile_step]}
        inventory = {"classes": ["common"], "parameters": {"kapitan": kapitan, "release": spec}}
        (dest / "inventory/targets" / f"{target}.yml").write_text(yaml.safe_dump(inventory))
        count += 1
    return count


def compile_seconds(dest: Path, kapitan: str) -> float:
    """One cold `kapitan compile` of every target (nothing compiled before)."""
    shutil.rmtree(dest / "compiled", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([kapitan, "compile", "--ignore-version-check"], cwd=dest, check=True, capture_output=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    root, work = Path(sys.argv[1]), Path(sys.argv[2])
    targets = project(root, work)
    print(f"{targets} targets: {compile_seconds(work, sys.argv[3] if len(sys.argv) > 3 else 'kapitan'):.2f} s")

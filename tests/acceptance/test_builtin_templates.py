"""A changed built-in template reaches the output through a warm render cache, however modelops is installed.

The built-in templates are outside the package in a source checkout (templates/ at the top)
and inside it in a wheel (generator/_builtin/templates/).  Each test runs a copy of this
installation, laid out one way or the other, so that editing its built-in templates touches
nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, files_under

COPY_IGNORING = shutil.ignore_patterns("__pycache__", "*.pyc")


def _install(layout: str, where: Path) -> Path:
    """A copy of modelops in `where`; returns the built-in templates directory it reads."""
    shutil.copytree(PROJECT / "generator", where / "generator", ignore=COPY_IGNORING)
    if layout == "checkout":
        shutil.copy2(PROJECT / "pyproject.toml", where / "pyproject.toml")
        templates = where / "templates"
    else:
        templates = where / "generator/_builtin/templates"
    shutil.copytree(PROJECT / "templates", templates)
    return templates


def _render(installation: Path, repo: Path, cache: Path) -> dict[str, bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "--repo", str(repo), "render", "-q"],
        cwd=installation.parent,  # not this checkout: `python -m` puts the working directory on sys.path
        env={**os.environ, "PYTHONPATH": str(installation), "MODELOPS_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return files_under(repo / "rendered")


def _entries(cache: Path) -> set[str]:
    return {p.name for p in cache.rglob("*.pickle")}


@pytest.mark.parametrize("layout", ["checkout", "wheel"])
def test_editing_a_builtin_template_changes_the_output_with_a_warm_cache(
    example: Path, tmp_path: Path, layout: str
) -> None:
    installation = tmp_path / "installation"
    templates = _install(layout, installation)
    cache = tmp_path / "cache"
    before = _render(installation, example, cache)
    warm = _entries(cache)
    assert len(warm) == 18  # one entry per release in each environment
    assert b"maxUnavailable: 1\n" in before["dev/bge-embeddings/manifest.yaml"]
    pdb = templates / "release/pdb.yaml.j2"
    pdb.write_text(pdb.read_text(encoding="utf-8").replace("maxUnavailable: 1\n", "maxUnavailable: 2\n"))
    after = _render(installation, example, cache)
    changed = {path for path in after if after[path] != before[path]}
    budgets = {path for path in after if b"\nkind: PodDisruptionBudget\n" in after[path] and "/_argocd/" not in path}
    assert budgets and budgets <= changed
    assert all(b"maxUnavailable: 2\n" in after[path] for path in budgets)
    assert len(_entries(cache) - warm) == 18  # every unit rendered again, none served from the old entries

"""Rendering the example (or an edited copy) and picking objects out of the result."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import PROJECT


def render(repo: Path) -> dict[str, dict[str, Any]]:
    """Rendered objects by repository path."""
    return {path: obj.obj for path, obj in compose.build(WorkTree(repo)).tree.objects.items()}


@cache
def example() -> dict[str, dict[str, Any]]:
    """The bundled example, rendered once per test session (read-only: do not mutate)."""
    return render(PROJECT)


def obj(
    objects: dict[str, dict[str, Any]], env: str, release: str, kind: str, name: str | None = None
) -> dict[str, Any]:
    path = f"rendered/{env}/{release}/{kind.lower()}-{name or release}.yaml"
    assert path in objects, f"{path} not rendered; have {sorted(p for p in objects if f'/{release}/' in p)}"
    return objects[path]


def argocd(objects: dict[str, dict[str, Any]], env: str, kind: str, name: str) -> dict[str, Any]:
    return objects[f"rendered/{env}/_argocd/{kind.lower()}-{name}.yaml"]


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def container(workload: dict[str, Any], name: str = "server") -> dict[str, Any]:
    found = [c for c in pod(workload)["containers"] if c["name"] == name]
    assert found, f"no container {name}"
    return found[0]


def kinds(objects: dict[str, dict[str, Any]], env: str, release: str) -> list[str]:
    return sorted(o["kind"] for p, o in objects.items() if p.startswith(f"rendered/{env}/{release}/"))

"""Rendering the example (or an edited copy), picking objects out of the result, and its findings."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import PROJECT


def render(repo: Path) -> dict[str, dict[str, Any]]:
    """Rendered objects by key (rendered/<env>/<unit>/<kind>-<name>; see RenderedObject.key)."""
    return {path: obj.obj for path, obj in compose.build(WorkTree(repo)).tree.objects.items()}


def rendered(repo: Path) -> dict[str, bytes]:
    """Each object's YAML by key (as in its manifest.yaml, without the `---` line)."""
    return {key: o.text.encode() for key, o in compose.build(WorkTree(repo)).tree.objects.items()}


def findings(repo: Path) -> list[str]:
    """The report's findings as the CLI prints them (one line per finding, environments merged)."""
    _, report = compose.evaluate(WorkTree(repo))
    return [d.format() for d in report.diagnostics()]


def files_and_findings(built: compose.Build) -> tuple[dict[str, bytes], list[str]]:
    """A build's files and its validation findings, sorted: what two ways of building must agree on."""
    report = compose.validate(built)
    found = sorted(d.format() for r in report.resources for d in r.diagnostics)
    return built.tree.files(), found


@cache
def example() -> dict[str, dict[str, Any]]:
    """The bundled example, rendered once per test session (read-only: do not mutate)."""
    return render(PROJECT)


def obj(
    objects: dict[str, dict[str, Any]], env: str, release: str, kind: str, name: str | None = None
) -> dict[str, Any]:
    path = f"rendered/{env}/{release}/{kind.lower()}-{name or release}"
    assert path in objects, f"{path} not rendered; have {sorted(p for p in objects if f'/{release}/' in p)}"
    return objects[path]


def argocd(objects: dict[str, dict[str, Any]], env: str, kind: str, name: str) -> dict[str, Any]:
    return objects[f"rendered/{env}/_argocd/{kind.lower()}-{name}"]


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def container(workload: dict[str, Any], name: str = "server") -> dict[str, Any]:
    found = [c for c in pod(workload)["containers"] if c["name"] == name]
    assert found, f"no container {name}"
    return found[0]


def kinds(objects: dict[str, dict[str, Any]], env: str, release: str) -> list[str]:
    return sorted(o["kind"] for p, o in objects.items() if p.startswith(f"rendered/{env}/{release}/"))

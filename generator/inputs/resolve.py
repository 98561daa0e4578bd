"""The effective spec of one release in one environment.

Merge order, lowest first: template defaults (generator/defaults.yaml) < the
environment's `defaults` < the release's `spec` < the release's `spec.environments.<env>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import builtin, catalog
from generator.errors import Diagnostic, InputError, Location, Path, Severity, format_path
from generator.inputs import yamlio
from generator.inputs.merge import Layer, Merged, merge
from generator.inputs.spec import Environment, Inputs, Release
from generator.inputs.yamlio import Document
from generator.schemas import shipped

# A metric is either a utilization target or a custom metric: a higher layer replaces it whole.
ATOMIC: frozenset[Path] = frozenset({("scaling", "metric"), ("rollout", "blueGreen", "smokeTest", "body")})


DEFAULTS_FILE = "generator/defaults.yaml"


@cache
def defaults_document() -> Document:
    """The built-in defaults (the lowest merge layer), read once per process."""
    return yamlio.load(builtin.package_file("defaults.yaml").read_bytes(), DEFAULTS_FILE)


@cache
def _builtin_defaults() -> Layer:
    # Without its document: a finding on a default value points at the release's environment entry.
    return Layer("template defaults", defaults_document().data)


@dataclass(frozen=True)
class Resolved:
    release: Release
    env: Environment
    merged: Merged

    @property
    def spec(self) -> dict[str, Any]:
        return self.merged.data

    @property
    def name(self) -> str:
        return self.release.name

    def get(self, *path: str | int, default: Any = None) -> Any:
        return self.merged.get(tuple(path), default)

    def locate(self, path: Path) -> Location:
        """The line that set `path`; template defaults point at the release's environment entry."""
        loc = self.merged.locate(tuple(path))
        if loc.file.startswith("<"):
            return self.release.doc.locate(("spec", "environments", self.env.name))
        return loc

    def diagnostic(
        self, path: Path, message: str, rule: str = catalog.SPEC, severity: Severity = Severity.ERROR
    ) -> Diagnostic:
        return Diagnostic(
            message,
            self.locate(path),
            format_path(("spec", *path)),
            severity=severity,
            rule=rule,
            environment=self.env.name,
            release=self.release.name,
        )


def resolve(release: Release, env: Environment) -> Resolved:
    body = {k: v for k, v in release.spec.items() if k != "environments"}
    layers = [
        _builtin_defaults(),
        Layer(f"environment {env.name} defaults", env.spec.get("defaults", {}), env.doc, ("spec", "defaults")),
        Layer("release spec", body, release.doc, ("spec",)),
        Layer(
            f"release spec for {env.name}",
            release.spec["environments"][env.name] or {},
            release.doc,
            ("spec", "environments", env.name),
        ),
    ]
    resolved = Resolved(release, env, merge(layers, ATOMIC))
    findings = shipped.validate("resolved.schema.json", resolved.spec)
    if findings:
        raise InputError([resolved.diagnostic(path, message, rule=catalog.SPEC_SCHEMA) for path, message in findings])
    return resolved


def resolve_all(inputs: Inputs, environments: set[str] | None = None) -> list[Resolved]:
    """Every (release, environment) pair in promotion order, then by release name."""
    out: list[Resolved] = []
    diagnostics: list[Diagnostic] = []
    for env_name, env in inputs.environments.items():
        if environments is not None and env_name not in environments:
            continue
        for release in inputs.releases.values():
            if env_name not in release.spec["environments"]:
                continue
            try:
                out.append(resolve(release, env))
            except InputError as exc:
                diagnostics.extend(exc.diagnostics)
    if diagnostics:
        raise InputError(diagnostics)
    return out

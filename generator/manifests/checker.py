"""Checking loaded manifests against their schemas: `modelops validate PATH...` without the I/O.

`check` takes what generator.manifests read and a schema lookup and returns a Report, so the
reporters of the repository mode (text, JSON, JUnit, SARIF, TAP) print this mode too.  Each
object ends in one of kubeconform's four states: valid, invalid (schema findings), error (it
could not be checked: no schema, not a Kubernetes object, unreadable) or skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from generator import catalog
from generator.errors import Diagnostic, ModelOpsError, Path, Severity, format_path
from generator.manifests.reader import READ_RULE, Loaded, Manifest
from generator.schemas import kubernetes
from generator.schemas.messages import Finding
from generator.validate.report import Report, ResourceResult

SCHEMA_FINDING_RULE = catalog.KUBERNETES_SCHEMA
MISSING_RULE = catalog.MISSING_SCHEMA
OBJECT_RULE = catalog.MANIFEST
DUPLICATE_RULE = catalog.DUPLICATE_KEY
SCHEMA_RULE = catalog.SCHEMA_LOCATION
# Findings that mean "could not be checked" rather than "checked and invalid".
ERROR_RULES = frozenset({MISSING_RULE, OBJECT_RULE, READ_RULE, SCHEMA_RULE})


class SchemaLookup(Protocol):
    def validate(self, obj: dict[str, Any]) -> list[Finding]:
        """Findings for one object; raises kubernetes.NoSchema when its kind is unknown."""
        ...


@dataclass(frozen=True)
class Options:
    strict: bool = False
    skip: frozenset[str] = frozenset()  # kinds, or apiVersion/kind ("apps/v1/Deployment", "v1/Pod")
    ignore_missing_schemas: bool = False


def parse_skip(values: Iterable[str]) -> frozenset[str]:
    """--skip values: comma-separated and repeatable."""
    return frozenset(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass
class Skipped:
    file: str
    kind: str
    name: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "kind": self.kind, "name": self.name, "status": "skipped", "reason": self.reason}


@dataclass
class ManifestReport(Report):
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    kubernetes_version: str = ""

    def status(self, resource: ResourceResult) -> str:
        failing = [d for d in resource.diagnostics if self.failing(d.severity)]
        if not failing:
            return "valid"
        return "error" if any(d.rule in ERROR_RULES for d in failing) else "invalid"

    def counts(self) -> dict[str, int]:
        out = {"valid": 0, "invalid": 0, "error": 0}
        for resource in self.resources:
            out[self.status(resource)] += 1
        out["error"] += sum(1 for d in self.findings if d.rule in ERROR_RULES)  # unreadable files and documents
        out["skipped"] = len(self.skipped)
        return out

    def summary(self) -> str:
        c = self.counts()
        return (
            f"Summary: {sum(c.values())} resources found in {self.files} files - Valid: {c['valid']}, "
            f"Invalid: {c['invalid']}, Errors: {c['error']}, Skipped: {c['skipped']}"
        )

    def to_json(self) -> dict[str, object]:
        c = self.counts()
        return {
            "summary": {
                "resources": sum(c.values()),
                "files": self.files,
                "valid": c["valid"],
                "invalid": c["invalid"],
                "notValidated": c["error"],
                "skipped": c["skipped"],
                "errors": self.count(Severity.ERROR),
                "warnings": self.count(Severity.WARNING),
                "kubernetesVersion": self.kubernetes_version,
            },
            "resources": [
                *(
                    {
                        "file": r.path,
                        "kind": r.kind,
                        "name": r.name,
                        "status": self.status(r),
                        "errors": [d.to_json() for d in r.diagnostics],
                    }
                    for r in self.resources
                ),
                *(s.to_json() for s in self.skipped),
            ],
            "diagnostics": [d.to_json() for d in self.diagnostics()],
        }


def _identity(obj: Any) -> tuple[str, str]:
    if not isinstance(obj, dict):
        return "", ""
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else ""
    metadata = obj.get("metadata")
    meta = metadata if isinstance(metadata, dict) else {}
    name = meta.get("name") or meta.get("generateName") or ""
    return str(kind), str(name)


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _skipped(obj: dict[str, Any], skip: frozenset[str]) -> bool:
    return obj["kind"] in skip or f"{obj['apiVersion']}/{obj['kind']}" in skip


def _schema_findings(obj: dict[str, Any], schemas: SchemaLookup) -> list[Finding]:
    findings = schemas.validate(obj)
    meta = obj.get("metadata")
    if isinstance(meta, dict) and meta.get("generateName") and "name" not in meta:
        # The API server makes the name up; kubeschema's metadata check expects one written.
        findings = [f for f in findings if f != (("metadata", "name"), "missing required field")]
    return findings


def _check_one(manifest: Manifest, schemas: SchemaLookup, options: Options, report: ManifestReport) -> None:
    obj = manifest.obj
    kind, name = _identity(obj)
    kind, name = kind or "?", name or "?"  # reporters name objects Kind/name; "?" says it was not there
    result = ResourceResult(manifest.file, kind, name, environment="", release=None)
    label = f"{kind}/{name}"

    def add(path: Path, message: str, rule: str, severity: Severity = Severity.ERROR, loc: Any = None) -> None:
        where = loc or manifest.locate(path)
        result.diagnostics.append(Diagnostic(message, where, format_path(path), severity, rule, resource=label))

    if not (isinstance(obj, dict) and _text(obj.get("apiVersion")) and _text(obj.get("kind"))):
        add((), "not a Kubernetes object: a manifest needs non-empty string apiVersion and kind fields", OBJECT_RULE)
        report.resources.append(result)
        return
    if _skipped(obj, options.skip):
        report.skipped.append(Skipped(manifest.file, kind, name, f"{kind} is in --skip"))
        return
    for path, loc in manifest.duplicates():
        key = f'duplicate key "{path[-1]}"'
        if options.strict:
            add(path, key, DUPLICATE_RULE, loc=loc)
        else:
            add(path, f"{key}: the later value is used (an error with --strict)", DUPLICATE_RULE, Severity.WARNING, loc)
    try:
        findings = _schema_findings(obj, schemas)
    except kubernetes.NoSchema as exc:
        if options.ignore_missing_schemas:
            report.skipped.append(Skipped(manifest.file, kind, name, f"{exc} (--ignore-missing-schemas)"))
            return
        add(("kind",), f"{exc}; give its schema with --schema-location, or pass --ignore-missing-schemas", MISSING_RULE)
        findings = []
    except ModelOpsError as exc:  # a --schema-location file that cannot be used: say where it is
        result.diagnostics.extend(d.with_context(resource=label) for d in exc.diagnostics)
        findings = []
    for path, message in findings:
        add(path, message, SCHEMA_FINDING_RULE)
    report.resources.append(result)


def check(loaded: Loaded, schemas: SchemaLookup, options: Options, kubernetes_version: str = "") -> ManifestReport:
    """Validate every loaded manifest; what could not be read is reported as an error of its file."""
    report = ManifestReport(files=len(loaded.files), kubernetes_version=kubernetes_version)
    report.rules = dict(catalog.MANIFEST_RULES)  # the repository's spec and policy rules do not apply here
    report.strict = options.strict
    report.findings.extend(loaded.errors)
    for manifest in loaded.manifests:
        _check_one(manifest, schemas, options, report)
    return report

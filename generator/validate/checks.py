"""Cross-field rules on an effective release spec that JSON Schema cannot state."""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator import catalog
from generator.errors import Diagnostic, InputError, format_path
from generator.inputs.resolve import Resolved
from generator.render import analysis, artifact, context, pod, shared
from generator.render.runtimes import registry
from generator.schemas.kubernetes import dns_subdomain
from generator.validate import capabilities, gates, quantity
from generator.validate.plaintext import plaintext_secret

_ENV_SOURCES = ("value", "secretKeyRef", "configMapKeyRef")


def _env_vars(r: Resolved) -> Iterable[Diagnostic]:
    seen: set[str] = set()
    runtime = registry.get(r.get("runtime", "kind"))
    reserved = {var["name"] for var in context.server_env(runtime.server(r), runtime.workload)}
    for index, var in enumerate(r.get("runtime", "env")):
        path = ("runtime", "env", index)
        name = var["name"]
        sources = [s for s in _ENV_SOURCES if s in var]
        if len(sources) != 1:
            yield r.diagnostic(path, f"env var {name} needs exactly one of value, secretKeyRef, configMapKeyRef")
        if name in seen:
            yield r.diagnostic((*path, "name"), f"env var {name} is set twice")
        if name in reserved:
            yield r.diagnostic((*path, "name"), f"env var {name} is set by modelops and cannot be overridden")
        seen.add(name)
        if plaintext_secret(name, var.get("value")):
            yield r.diagnostic(
                (*path, "value"),
                f"env var {name} holds a plaintext secret; reference a Secret with secretKeyRef "
                "(or declare an ExternalSecret under spec.secrets)",
                rule=catalog.NO_PLAINTEXT_SECRETS,
            )


def _scaling(r: Resolved) -> Iterable[Diagnostic]:
    low, high = r.get("scaling", "minReplicas"), r.get("scaling", "maxReplicas")
    if low > high:
        yield r.diagnostic(("scaling", "minReplicas"), f"minReplicas {low} is greater than maxReplicas {high}")
    if low < 1 and registry.get(r.get("runtime", "kind")).workload != "kserve":
        yield r.diagnostic(("scaling", "minReplicas"), "minReplicas must be at least 1 (only kserve scales to zero)")
    metric = r.get("scaling", "metric")
    kind = metric["type"]
    # Fields each metric type needs, and the types each optional field applies to.
    needed = {"pods": ("name", "averageValue"), "queue": ("averageValue",)}.get(kind, ("target",))
    for field in needed:
        if field not in metric:
            what = "target (percent)" if field == "target" else field
            yield r.diagnostic(("scaling", "metric", field), f"a {kind} metric needs {what}")
    applies = {
        "name": ("pods",),
        "averageValue": ("pods", "queue"),
        "target": ("cpu", "memory"),
        "latencySeconds": ("queue",),
    }
    for field, types in applies.items():
        if field in metric and kind not in types:
            yield r.diagnostic(("scaling", "metric", field), f"{field} applies only to type: {' or '.join(types)}")


def _resources(r: Resolved) -> Iterable[Diagnostic]:
    for request, limit in (("cpu", "cpuLimit"), ("memory", "memoryLimit")):
        if limit in r.spec["resources"]:
            low, high = r.get("resources", request), r.get("resources", limit)
            if quantity.parse(high) < quantity.parse(low):
                yield r.diagnostic(("resources", limit), f"{limit} {high} is below the request {request} {low}")
    runtime = registry.get(r.get("runtime", "kind"))
    declared = r.spec["resources"].get("ephemeralStorage")
    if declared and runtime.workload == "pods":
        needed = pod.storage_needed(r, runtime.server(r))
        if quantity.parse(declared) < quantity.parse(needed):
            yield r.diagnostic(
                ("resources", "ephemeralStorage"),
                f"ephemeralStorage {declared} is below what the pod's emptyDirs may hold ({needed}: the model's "
                "model.artifact.size, /tmp, HOME and headroom for logs): the kubelet would evict the pod",
            )
    gpu = r.get("resources", "gpu")
    if gpu["count"] > 0:
        types = r.env.get("gpuTypes", default={})
        if "type" not in gpu:
            yield r.diagnostic(("resources", "gpu"), "a GPU request needs resources.gpu.type")
        elif gpu["type"] not in types:
            known = ", ".join(types) or "none"
            yield r.diagnostic(
                ("resources", "gpu", "type"),
                f"GPU type {gpu['type']!r} is not among the environment's gpuTypes ({known})",
            )


def _rollout(r: Resolved) -> Iterable[Diagnostic]:
    strategy = r.get("rollout", "strategy")
    required = r.env.get("policy", "requiredStrategies")
    if required and strategy not in required:
        yield r.diagnostic(
            ("rollout", "strategy"),
            f"environment {r.env.name} requires rollout strategy {' or '.join(required)}, not {strategy}",
            rule=catalog.REQUIRED_STRATEGY,
        )
    if strategy == "canary" and registry.get(r.get("runtime", "kind")).workload == "pods":
        steps = r.get("rollout", "canary", "steps")
        if not any("setWeight" in step for step in steps):
            yield r.diagnostic(("rollout", "canary", "steps"), "canary steps need at least one setWeight")
    blue_green = r.get("rollout", "blueGreen")
    if "autoPromotionSeconds" in blue_green and not blue_green["autoPromotionEnabled"]:
        yield r.diagnostic(
            ("rollout", "blueGreen", "autoPromotionSeconds"), "autoPromotionSeconds needs autoPromotionEnabled: true"
        )


def _analysis(r: Resolved) -> Iterable[Diagnostic]:
    found = analysis.settings(r)
    if found is None:
        return
    block, spec = found
    path = ("rollout", block, "analysis")
    what = "canary" if block == "canary" else "blue-green"
    if not r.env.get("monitoring", "prometheusURL"):
        yield r.diagnostic(
            (*path, "enabled"), f"{what} analysis needs monitoring.prometheusURL in environment {r.env.name}"
        )
    if not r.get("monitoring", "enabled"):
        yield r.diagnostic(
            (*path, "enabled"),
            f"{what} analysis reads the metrics the ServiceMonitor collects: it needs monitoring.enabled true",
        )
    if "count" in spec and spec["count"] < spec["failureLimit"]:
        # Argo Rollouts rejects such a metric ("count must be >= failureLimit").
        yield r.diagnostic((*path, "count"), f"count {spec['count']} is below failureLimit {spec['failureLimit']}")


def _scheduling(r: Resolved) -> Iterable[Diagnostic]:
    for index, tol in enumerate(r.get("scheduling", "tolerations")):
        operator = tol.get("operator", "Equal")
        if operator == "Exists" and "value" in tol:
            yield r.diagnostic(
                ("scheduling", "tolerations", index, "value"), "a toleration with operator Exists takes no value"
            )
        if operator == "Equal" and "key" not in tol:
            yield r.diagnostic(("scheduling", "tolerations", index), "a toleration with operator Equal needs a key")


def _monitoring(r: Resolved) -> Iterable[Diagnostic]:
    def seconds(text: str) -> float:
        units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
        return sum(float(n) * units[u] for n, u in re.findall(r"([0-9]+)(ms|s|m|h)", text))

    interval, timeout = r.get("monitoring", "interval"), r.get("monitoring", "scrapeTimeout")
    if seconds(timeout) > seconds(interval):
        yield r.diagnostic(
            ("monitoring", "scrapeTimeout"), f"scrapeTimeout {timeout} is longer than interval {interval}"
        )


def _secrets(r: Resolved) -> Iterable[Diagnostic]:
    """A release's own secrets are its own: none named like one of the environment's (both would render
    it, in two Applications); a shared one it uses must be one the environment declares."""
    seen: set[str] = set()
    used: set[str] = set()
    environment = shared.names(r.env)
    for index, secret in enumerate(r.get("secrets")):
        if "shared" in secret:
            name = secret["shared"]
            if name in used:
                yield r.diagnostic(("secrets", index, "shared"), f"shared secret {name} is listed twice")
            used.add(name)
            if name not in environment:
                listed = ", ".join(sorted(environment)) or "none"
                yield r.diagnostic(
                    ("secrets", index, "shared"),
                    f"secret {name} is not declared in environment {r.env.name}: {r.env.file} spec.secrets "
                    f"declares {listed}",
                )
            continue
        if secret["name"] in seen:
            yield r.diagnostic(("secrets", index, "name"), f"secret {secret['name']} is declared twice")
        seen.add(secret["name"])
        if secret["name"] in environment:
            there = r.env.doc.locate(("spec", "secrets", environment[secret["name"]], "name"))
            yield r.diagnostic(
                ("secrets", index, "name"),
                f"secret {secret['name']} is also declared for environment {r.env.name} at {there} "
                f"(spec.secrets[{environment[secret['name']]}]): both would render ExternalSecret/{secret['name']}; "
                f"use the environment's with `- shared: {secret['name']}`, or rename this one",
            )


def _pins(r: Resolved) -> Iterable[Diagnostic]:
    """An environment that pins a model version pins its artifact too, and the reverse: a half
    pin would label the workload with one version while it pulls another's weights."""
    block = (r.release.spec.get("environments") or {}).get(r.env.name) or {}
    model = block.get("model")
    if not isinstance(model, dict) or ("version" in model) == ("artifact" in model):
        return
    have, missing = ("version", "artifact") if "version" in model else ("artifact", "version")
    path = ("spec", "environments", r.env.name, "model", have)
    yield Diagnostic(
        f"{r.env.name} pins model.{have} without model.{missing}: it would run the release-wide "
        f"{missing} under this {have}; pin both (modelops set-version and promote write both)",
        r.release.doc.locate(path),
        format_path(path),
        rule=catalog.SPEC,
        environment=r.env.name,
        release=r.release.name,
    )


def _artifact(r: Resolved) -> Iterable[Diagnostic]:
    """Pods get the artifact from `modelops fetch`, which reads fewer schemes than the spec's pattern
    (KServe's own schemes are the kserve runtime's check); pvc:// must name a claim and a subPath."""
    path = ("model", "artifact", "uri")
    uri = r.get(*path)
    if registry.get(r.get("runtime", "kind")).workload == "pods" and not uri.startswith(artifact.FETCH_SCHEMES):
        yield r.diagnostic(
            path,
            f"the artifact fetcher cannot read {uri.split('://')[0]}:// URIs; use one of "
            + ", ".join(artifact.FETCH_SCHEMES),
        )
    found = artifact.claim(uri)
    if found and not dns_subdomain(found.name):
        yield r.diagnostic(path, f"pvc://CLAIM/PATH: {found.name!r} is not a PersistentVolumeClaim name")
    if found and found.path and any(part in ("", ".", "..") for part in found.path.split("/")):
        yield r.diagnostic(
            path, f"pvc://CLAIM/PATH: {found.path!r} must be a relative path inside the claim, without . or .."
        )


def check(r: Resolved) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    rules = (
        _env_vars,
        _scaling,
        _resources,
        _rollout,
        _analysis,
        _scheduling,
        _monitoring,
        _secrets,
        _pins,
        _artifact,
        capabilities.check,
        gates.check,
    )
    for rule in rules:
        out.extend(rule(r))
    out.extend(registry.get(r.get("runtime", "kind")).check(r))
    return out


def check_all(resolved: Iterable[Resolved]) -> None:
    diagnostics = [d for r in resolved for d in check(r)]
    if diagnostics:
        raise InputError(diagnostics)

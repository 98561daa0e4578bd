"""What a release needs from its cluster, against what the environment declares the cluster runs.

Undeclared capabilities count as absent: a manifest for a controller the cluster lacks is
accepted by nobody, or worse, applied and ignored (an analysis reading no metrics passes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.render import analysis, kserve_cluster
from generator.render.runtimes import registry
from generator.validate import autoscaling

_FIELD = "spec.cluster.capabilities"


def declared(r: Resolved) -> dict[str, Any]:
    caps: dict[str, Any] = r.env.get("cluster", "capabilities", default={})
    return caps


def service_monitor_labels(r: Resolved) -> dict[str, str]:
    """The labels Prometheus selects ServiceMonitors by: the operator's declared selector, else spec.monitoring's."""
    selector = declared(r).get("prometheusOperator", {}).get("serviceMonitorSelector", {})
    labels: dict[str, str] = selector.get("matchLabels") or r.env.get("monitoring", "serviceMonitorLabels", default={})
    return labels


def needs(r: Resolved) -> Iterable[tuple[tuple[str | int, ...], str, str]]:
    """(release field, capability, why) for every capability this release's rendered objects need."""
    workload = registry.get(r.get("runtime", "kind")).workload
    strategy = r.get("rollout", "strategy")
    if workload == "pods" and strategy != "rolling":
        yield ("rollout", "strategy"), "argoRollouts", f"a {strategy} rollout renders an Argo Rollouts Rollout"
    if workload == "kserve":
        yield ("runtime", "kind"), "kserve", "this runtime renders a KServe InferenceService"
    if r.get("monitoring", "enabled"):
        yield ("monitoring", "enabled"), "prometheusOperator", "monitoring renders a Prometheus Operator ServiceMonitor"
    if r.get("secrets"):
        yield ("secrets",), "externalSecrets", "secrets render External Secrets Operator ExternalSecrets"


def check(r: Resolved) -> Iterable[Diagnostic]:
    caps = declared(r)
    where = f"environment {r.env.name} ({r.env.file})"
    for path, capability, why in needs(r):
        if capability not in caps:
            yield r.diagnostic(path, f"{why}, but {where} does not declare {_FIELD}.{capability}")
    yield from autoscaling.check(r)
    yield from _kserve_canary(r, caps, where)
    store = caps.get("externalSecrets", {}).get("clusterSecretStore")
    for index, secret in enumerate(r.get("secrets")):
        external = secret.get("external", {})
        if (
            store
            and external.get("storeKind", "ClusterSecretStore") == "ClusterSecretStore"
            and external.get("store") not in (None, store)
        ):
            yield r.diagnostic(
                ("secrets", index, "external", "store"),
                f"ClusterSecretStore {external['store']} is not the one {where} declares "
                f"({_FIELD}.externalSecrets.clusterSecretStore: {store}): the ExternalSecret would never sync",
            )
    found = analysis.settings(r)
    if found is not None and not service_monitor_labels(r):
        block = found[0]
        yield r.diagnostic(
            ("rollout", block, "analysis", "enabled"),
            f"analysis reads metrics that Prometheus collects only from ServiceMonitors it selects, and {where} "
            f"declares no {_FIELD}.prometheusOperator.serviceMonitorSelector "
            "(nor spec.monitoring.serviceMonitorLabels): "
            "the analysis would pass on no data",
        )


def _kserve_canary(r: Resolved, caps: dict[str, Any], where: str) -> Iterable[Diagnostic]:
    """KServe splits traffic between revisions only through Knative: RawDeployment has one Deployment."""
    workload = registry.get(r.get("runtime", "kind")).workload
    if workload != "kserve" or r.get("rollout", "strategy") != "canary" or "kserve" not in caps:
        return
    mode = kserve_cluster.mode(r)
    if mode != kserve_cluster.SERVERLESS:
        yield r.diagnostic(
            ("rollout", "strategy"),
            f"a KServe canary (canaryTrafficPercent) needs KServe's Serverless deployment mode, and {where} "
            f"declares {_FIELD}.kserve.deploymentMode: {mode}: the new revision would take all traffic at once "
            "(use rolling here, or declare Serverless with Knative Serving)",
        )

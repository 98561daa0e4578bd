"""What templates see: an effective release spec turned into Kubernetes-shaped pieces.

Templates hold the structure of each object; this module holds the logic (names,
labels, container arguments, scheduling, security) so that templates stay declarative.
It works on a release's view (generator.render.view), whose mappings already have their
keys sorted, so that no output depends on the order keys were written in; maps it merges
from several places (labels, node selectors) are sorted again after merging.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from generator.inputs.resolve import Resolved
from generator.render import alerts, analysis, argocd, artifact, autoscaling, kserve_cluster, pod, smoketest, traffic
from generator.render.argocd import MANAGED_BY, WAVES, application_name
from generator.render.runtimes import registry
from generator.render.runtimes.base import CONFIG_DIR, Port, Server

GPU_RESOURCE = "nvidia.com/gpu"
GPU_TOLERATION = {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}
RUN_AS = 1000


def label_value(text: str) -> str:
    """`meta-llama/Llama-3.1-8B` -> `meta-llama-Llama-3.1-8B`, valid as a label value."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", text)[:63]
    return re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", cleaned)


def _sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(mapping.items()))


def names(r: Resolved) -> dict[str, str]:
    n = r.name
    return {
        "app": n,
        "workload": n,
        "service": n,
        "previewService": f"{n}-preview",
        "serviceAccount": n,
        "configMap": f"{n}-runtime",
        "metricsService": f"{n}-metrics",
        "analysisTemplate": f"{n}-analysis",
        "smokeTest": f"{n}-smoke-test",
        "application": application_name(n, r.env.name),
    }


def labels(r: Resolved) -> tuple[dict[str, str], dict[str, str]]:
    """(all labels, the immutable selector subset: never the version)."""
    team = r.release.metadata["team"]
    version = r.get("model", "version")
    selector = {"app.kubernetes.io/name": r.name, "app.kubernetes.io/instance": application_name(r.name, r.env.name)}
    every = {
        **selector,
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/component": "model-server",
        "app.kubernetes.io/part-of": team,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "modelops.io/environment": r.env.name,
        "modelops.io/model-name": label_value(r.get("model", "name")),
        "modelops.io/model-version": version,
        "modelops.io/runtime": r.get("runtime", "kind"),
        "modelops.io/team": team,
    }
    return _sorted(every), _sorted(selector)


def annotation_map(r: Resolved) -> dict[str, str]:
    return _sorted(
        {
            "modelops.io/model-name": r.get("model", "name"),
            "modelops.io/artifact-uri": r.get("model", "artifact", "uri"),
            "modelops.io/artifact-digest": r.get("model", "artifact", "digest"),
            "modelops.io/image": r.get("runtime", "image"),
            "modelops.io/owner": r.release.metadata["owner"],
            "modelops.io/rollout-strategy": r.get("rollout", "strategy"),
            "modelops.io/source": r.release.file,
        }
    )


def pod_annotations(r: Resolved, server: Server) -> dict[str, str]:
    """The workload's annotations, plus a hash of the runtime config so that a config change rolls the pods."""
    extra = {"modelops.io/config-hash": config_hash(server.config_files)} if server.config_files else {}
    return _sorted({**annotation_map(r), **extra})


def resources(r: Resolved, server: Server, workload: str) -> dict[str, dict[str, Any]]:
    spec = r.spec["resources"]
    requests: dict[str, Any] = {"cpu": spec["cpu"], "memory": spec["memory"]}
    limits: dict[str, Any] = {
        "cpu": spec.get("cpuLimit", spec["cpu"]),
        "memory": spec.get("memoryLimit", spec["memory"]),
    }
    if workload == "pods":
        # The kubelet evicts a pod whose emptyDirs and logs outgrow its containers' limits, and the
        # scheduler places it only on a node with the requested disk free: both cover the model.
        requests["ephemeral-storage"] = limits["ephemeral-storage"] = pod.ephemeral_storage(r, server)
    elif "ephemeralStorage" in spec:
        requests["ephemeral-storage"] = limits["ephemeral-storage"] = spec["ephemeralStorage"]
    gpus = spec["gpu"]["count"]
    if gpus:
        # An extended resource: the request must equal the limit.
        requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = gpus
    return {"requests": requests, "limits": limits}


def security(server: Server) -> dict[str, dict[str, Any]]:
    return {
        "pod": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "container": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": server.read_only_root,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }


def _volume_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"


def volumes(r: Resolved, server: Server) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """(pod volumes, server mounts, the volume the fetcher mounts at /tmp)."""
    vols: list[dict[str, Any]] = [artifact.volume(r)]
    server_mounts = [artifact.server_mount(r)]
    if server.config_files:
        vols.append({"name": "config", "configMap": {"name": names(r)["configMap"]}})
        server_mounts.append({"name": "config", "mountPath": CONFIG_DIR, "readOnly": True})
    fetch_tmp = None
    for path, size in pod.scratch(server).items():
        name = _volume_name(path)
        vols.append({"name": name, "emptyDir": {"sizeLimit": size}})
        server_mounts.append({"name": name, "mountPath": path})
        if path == "/tmp":
            fetch_tmp = name
    if fetch_tmp is None:
        fetch_tmp = artifact.FETCH_TMP
        vols.append({"name": fetch_tmp, "emptyDir": {}})
    if server.shm_size:
        # NCCL exchanges tensors between the GPUs of one pod through /dev/shm.
        vols.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": server.shm_size}})
        server_mounts.append({"name": "dshm", "mountPath": "/dev/shm"})
    return vols, server_mounts, fetch_tmp


def server_env(server: Server, workload: str) -> list[dict[str, Any]]:
    """The variables modelops sets on the server: the pod's identity (where modelops builds the pod,
    HOME on its emptyDir), then the runtime's own."""
    return [*(pod.identity_env() if workload == "pods" else []), *server.env]


def _env_var(var: dict[str, Any]) -> dict[str, Any]:
    if "value" in var:
        return {"name": var["name"], "value": var["value"]}
    source = "secretKeyRef" if "secretKeyRef" in var else "configMapKeyRef"
    return {"name": var["name"], "valueFrom": {source: dict(var[source])}}


def env_vars(r: Resolved, server: Server, workload: str) -> list[dict[str, Any]]:
    """The server's env; a Hub token it would get while offline is left out (validate reports it)."""
    dropped = set(pod.hub_tokens(r, server))
    declared = [var for i, var in enumerate(r.get("runtime", "env")) if i not in dropped]
    return [*server_env(server, workload), *(_env_var(var) for var in declared)]


def fetcher_env(r: Resolved, server: Server) -> list[dict[str, Any]]:
    """A Hub token declared for an offline server goes to the fetcher, the one that reads the Hub."""
    if not pod.fetches_from_hub(r):
        return []
    declared = r.get("runtime", "env")
    return [_env_var(declared[i]) for i in pod.hub_tokens(r, server)]


def scheduling(r: Resolved, selector: dict[str, str]) -> dict[str, Any]:
    spec = r.spec["scheduling"]
    node_selector = dict(spec["nodeSelector"])
    tolerations = list(spec["tolerations"])
    affinity = None
    gpu = r.get("resources", "gpu")
    if gpu["count"]:
        gpu_type = r.env.spec["gpuTypes"][gpu["type"]]
        node_selector.update(gpu_type.get("nodeSelector", {}))
        tolerations = [GPU_TOLERATION, *gpu_type.get("tolerations", []), *tolerations]
        if "products" in gpu_type:
            term = {"key": "nvidia.com/gpu.product", "operator": "In", "values": sorted(gpu_type["products"])}
            affinity = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [{"matchExpressions": [term]}]
                    }
                }
            }
    unique: list[dict[str, Any]] = []
    for tol in tolerations:
        if tol not in unique:
            unique.append(tol)
    spread = []
    if spec["topologySpread"]["enabled"]:
        ts = spec["topologySpread"]
        spread.append(
            {
                "maxSkew": ts["maxSkew"],
                "topologyKey": ts["topologyKey"],
                "whenUnsatisfiable": ts["whenUnsatisfiable"],
                "labelSelector": {"matchLabels": selector},
            }
        )
    return {
        "nodeSelector": _sorted(node_selector),
        "tolerations": unique,
        "affinity": affinity,
        "priorityClassName": spec.get("priorityClassName"),
        "topologySpreadConstraints": spread,
    }


def _from_namespaces(namespaces: list[str]) -> list[dict[str, Any]]:
    return [kserve_cluster.namespace_peer(ns) for ns in namespaces]


def ingress_rules(r: Resolved, server: Server) -> list[dict[str, Any]]:
    """Serving ports from the ingress namespaces, the metrics port from the monitoring namespace."""
    network = r.env.spec.get("network", {})
    rules: list[dict[str, Any]] = []
    serving = [{"port": p.name, "protocol": "TCP"} for p in server.ports if p.serve]
    # The Gateway a canary's HTTPRoute attaches to forwards from its own namespace.
    sources = list(dict.fromkeys([*network.get("ingressNamespaces", []), *traffic.gateway_namespaces(r)]))
    if sources:
        rule: dict[str, Any] = {"from": _from_namespaces(sources)}
        if serving:  # kserve: KServe owns the pod ports, so admit the namespaces on any port
            rule["ports"] = serving
        rules.append(rule)
    if server.metrics and network.get("monitoringNamespace"):
        rules.append(
            {
                "from": _from_namespaces([network["monitoringNamespace"]]),
                "ports": [{"port": server.metrics[0], "protocol": "TCP"}],
            }
        )
    return rules


def service_port(p: Port) -> dict[str, Any]:
    return {
        "name": p.name,
        "port": p.port,
        "targetPort": p.name,
        "protocol": "TCP",
        **({"appProtocol": p.app_protocol} if p.app_protocol else {}),
    }


def canary_steps(r: Resolved) -> list[dict[str, Any]]:
    return [dict(step) for step in r.get("rollout", "canary", "steps")]


def config_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def release_context(r: Resolved) -> dict[str, Any]:
    runtime = registry.get(r.get("runtime", "kind"))
    server = runtime.server(r)
    every, selector = labels(r)
    if runtime.workload == "kserve":
        selector = {"serving.kserve.io/inferenceservice": r.name}
    vols, server_mounts, fetch_tmp = volumes(r, server)
    fetcher = artifact.init_container(r, security(server)["container"], fetch_tmp, fetcher_env(r, server))
    strategy = r.get("rollout", "strategy")
    service_ports = [p for p in server.ports if p.serve]
    metrics_port = next((p for p in server.ports if server.metrics and p.name == server.metrics[0]), None)
    kserve = kserve_cluster.context(r) if runtime.workload == "kserve" else None
    gate = analysis.context(r, names(r)["analysisTemplate"])
    smoke = smoketest.context(r, names(r), server.ports)
    return {
        "release": {"name": r.name, "file": r.release.file, **r.release.metadata},
        "env": argocd.environment(r.env),
        "spec": r.spec,
        "model": r.spec["model"],
        "runtime": {"kind": runtime.kind, "workload": runtime.workload, "image": r.get("runtime", "image")},
        "names": names(r),
        "labels": every,
        "selector": selector,
        "annotations": annotation_map(r),
        "pod_annotations": pod_annotations(r, server),
        "server": server,
        "container_ports": [p.container_port() for p in server.ports],
        "service_ports": [service_port(p) for p in service_ports],
        # The metrics Service exposes the metrics port only: it exists for Prometheus.
        "metrics_service_ports": [service_port(metrics_port)] if metrics_port else [],
        "ingress_rules": kserve_cluster.ingress_rules(r)
        if kserve
        else ingress_rules(r, server) + smoketest.ingress(smoke),
        "metrics_port": metrics_port.name if metrics_port else None,
        "env_vars": env_vars(r, server, runtime.workload),
        "resources": resources(r, server, runtime.workload),
        "lifecycle": {"preStop": pod.pre_stop(r, server)},
        "termination_grace_seconds": pod.termination_grace_seconds(r, server),
        "k8s": pod.features(r.env),
        "security": security(server),
        "volumes": vols,
        "server_mounts": server_mounts,
        "init_containers": [] if runtime.workload == "kserve" else [fetcher],
        "scheduling": scheduling(r, selector),
        "scaling": {**r.spec["scaling"], "metrics": autoscaling.hpa_metrics(r)},
        "autoscaler": autoscaling.kind(r),
        "scale_target": autoscaling.scale_target(r, names(r)["workload"]),
        "keda": autoscaling.keda(r, names(r)["metricsService"]),
        "rollout": {**r.spec["rollout"], "steps": canary_steps(r)},
        "analysis": gate,
        "smoke_test": smoke,
        "pre_promotion": smoketest.pre_promotion(gate, smoke),
        "alerts": alerts.context(r, names(r)),
        "strategy": strategy,
        "traffic": traffic.context(r, [service_port(p) for p in service_ports]),
        "monitoring": r.spec["monitoring"],
        "secrets": [s for s in r.spec["secrets"] if "shared" not in s],  # the environment renders shared ones
        "waves": WAVES,
        "gitops": argocd.gitops(r.env),
        "network": r.env.spec.get("network", {}),
        "env_monitoring": r.env.spec.get("monitoring", {}),
        "kserve": kserve,
    }

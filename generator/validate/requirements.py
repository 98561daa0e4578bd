"""What each cluster must run and hold for what the repository renders: `modelops requirements`.

Two sources, never one: the environment's `spec.cluster.capabilities` (what the platform team
says the cluster runs, with versions) and the rendered objects themselves (what they need). A
component is listed because a rendered object needs it, never because it is declared, so the
table cannot promise a controller nothing uses, and an undeclared one shows as "not declared"
instead of disappearing.

References are the objects the rendered manifests name but do not create (a pod's
priorityClassName, an envFrom Secret, an ExternalSecret's store): they must exist before Argo CD
syncs, or pods stay Pending and ExternalSecrets never become ready. What the repository renders
(including a Secret an ExternalSecret creates) is subtracted, so what is left is exactly the
cluster's side of the contract.

Data in, data out: callers give the environments and the rendered objects, and format the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.inputs.spec import Environment
from generator.render import kserve_cluster
from generator.render.objects import RenderedObject
from generator.validate import references
from generator.validate.references import Reference, walk

_GPU = "nvidia.com/gpu"
Need = tuple[str, str, str | None]  # apiVersion, kind, the feature of it that needs the component (None: the kind)


@dataclass(frozen=True)
class Component:
    """One controller or add-on, the capability that declares it, and how it is usually installed."""

    name: str  # the upstream project's own name
    capability: str | None  # key under spec.cluster.capabilities; None where the schema has none
    install: str


ARGO_CD = Component("Argo CD", None, "helm install argocd argo/argo-cd -n argocd --create-namespace")
ARGO_ROLLOUTS = Component(
    "Argo Rollouts", "argoRollouts", "helm install argo-rollouts argo/argo-rollouts -n argo-rollouts --create-namespace"
)
KSERVE = Component(
    "KServe",
    "kserve",
    "helm install kserve-crd oci://ghcr.io/kserve/charts/kserve-crd && "
    "helm install kserve oci://ghcr.io/kserve/charts/kserve -n kserve --create-namespace",
)
CERT_MANAGER = Component(
    "cert-manager", None, "helm install cert-manager jetstack/cert-manager -n cert-manager --set crds.enabled=true"
)
KNATIVE = Component(
    "Knative Serving", None, "kubectl apply -f serving-crds.yaml -f serving-core.yaml (knative/serving release)"
)
KNATIVE_HPA = Component(
    "Knative Serving HPA autoscaler", None, "kubectl apply -f serving-hpa.yaml (knative/serving release)"
)
PROMETHEUS_OPERATOR = Component(
    "Prometheus Operator",
    "prometheusOperator",
    "helm install kube-prometheus-stack prometheus-community/kube-prometheus-stack -n monitoring --create-namespace",
)
EXTERNAL_SECRETS = Component(
    "External Secrets Operator",
    "externalSecrets",
    "helm install external-secrets external-secrets/external-secrets -n external-secrets --create-namespace",
)
KEDA = Component("KEDA", "autoscaling", "helm install keda kedacore/keda -n keda --create-namespace")
PROMETHEUS_ADAPTER = Component(
    "prometheus-adapter",
    "autoscaling",
    "helm install prometheus-adapter prometheus-community/prometheus-adapter -n monitoring",
)
# The PrometheusRule's alerts read these exporters' series: kube-state-metrics for pods not
# ready (kube_pod_status_ready, kube_pod_status_phase), the DCGM exporter for GPU memory.
KUBE_STATE_METRICS = Component(
    "kube-state-metrics",
    None,
    "part of kube-prometheus-stack; else helm install kube-state-metrics prometheus-community/kube-state-metrics",
)
DCGM_EXPORTER = Component(
    "NVIDIA DCGM exporter",
    "dcgmExporter",
    "helm install gpu-operator nvidia/gpu-operator -n gpu-operator --create-namespace "
    "(dcgmExporter.serviceMonitor.enabled=true)",
)
_EXPORTERS = {"kube_pod_status_ready": KUBE_STATE_METRICS, "DCGM_FI_DEV_FB_USED": DCGM_EXPORTER}
METRICS_SERVER = Component(
    "Kubernetes Metrics Server", None, "helm install metrics-server metrics-server/metrics-server -n kube-system"
)
DEVICE_PLUGIN = Component(
    "NVIDIA device plugin",
    None,
    "helm install gpu-operator nvidia/gpu-operator -n gpu-operator --create-namespace (NVIDIA GPU Operator)",
)
GPU_FEATURE_DISCOVERY = Component(
    "NVIDIA GPU Feature Discovery",
    "gpuFeatureDiscovery",
    "helm install gpu-operator nvidia/gpu-operator -n gpu-operator --create-namespace (NVIDIA GPU Operator)",
)
# NetworkPolicy is a core kind, yet only the network plugin enforces it: under one that does not,
# every rendered policy is accepted and ignored.
NETWORK_POLICY = Component(
    "NetworkPolicy-enforcing CNI", None, "a network plugin that enforces NetworkPolicy (e.g. Cilium, Calico)"
)
# Rollout spec.strategy.canary.trafficRouting keys, and what each needs beside Argo Rollouts.
_ROUTERS = {
    "istio": Component("Istio", None, "istioctl install"),
    "nginx": Component("NGINX Ingress Controller", None, "helm install ingress-nginx ingress-nginx/ingress-nginx"),
    "smi": Component("SMI traffic split provider", None, "a service mesh implementing SMI TrafficSplit"),
    "plugins": Component(
        "Argo Rollouts Gateway API plugin",
        None,
        "trafficRouterPlugins in the argo-rollouts-config ConfigMap of the argo-rollouts namespace: "
        '{name: "argoproj-labs/gatewayAPI", location: "https://github.com/argoproj-labs/'
        'rollouts-plugin-trafficrouter-gatewayapi/releases/download/<version>/gatewayapi-plugin-linux-amd64"}, '
        "then restart the Argo Rollouts controller",
    ),
}
# The routes a canary's router splits (generator.render.traffic) need their API and its implementation.
GATEWAY_API = Component(
    "Gateway API",
    None,
    "kubectl apply -f standard-install.yaml (kubernetes-sigs/gateway-api release), and an implementation "
    "serving the Gateway the HTTPRoutes attach to",
)
_BY_GROUP = {
    "serving.kserve.io": KSERVE,
    "monitoring.coreos.com": PROMETHEUS_OPERATOR,
    "external-secrets.io": EXTERNAL_SECRETS,
    "keda.sh": KEDA,
    "gateway.networking.k8s.io": GATEWAY_API,
    "networking.istio.io": _ROUTERS["istio"],
}
_ARGO_CD_KINDS = {"Application", "AppProject", "ApplicationSet"}
# The table's order: what syncs first, then the workload controllers, then what they lean on.
_ORDER = [
    ARGO_CD,
    ARGO_ROLLOUTS,
    *_ROUTERS.values(),
    GATEWAY_API,
    KSERVE,
    KNATIVE,
    KNATIVE_HPA,
    CERT_MANAGER,
    PROMETHEUS_OPERATOR,
    KUBE_STATE_METRICS,
    DCGM_EXPORTER,
    EXTERNAL_SECRETS,
    NETWORK_POLICY,
    METRICS_SERVER,
    PROMETHEUS_ADAPTER,
    KEDA,
    DEVICE_PLUGIN,
    GPU_FEATURE_DISCOVERY,
]


@dataclass(frozen=True)
class Requirement:
    """A component one environment's rendered objects need, and what the environment declares of it."""

    component: str
    capability: str | None
    declared: bool
    version: str | None
    settings: dict[str, Any]  # the rest of the declared block (trafficRouter, deploymentMode, ...)
    needed_by: dict[Need, int]  # how many rendered objects need it, by what they are and what of them needs it
    releases: tuple[str, ...]
    install: str

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "capability": self.capability,
            "declared": self.declared,
            "version": self.version,
            "settings": self.settings,
            "neededBy": [
                {"apiVersion": api, "kind": kind, "feature": feature, "count": count}
                for (api, kind, feature), count in self.needed_by.items()
            ],
            "releases": list(self.releases),
            "install": self.install,
        }


@dataclass(frozen=True)
class Prerequisites:
    environment: str
    cluster: str
    components: list[Requirement]
    references: list[Reference]

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "cluster": self.cluster,
            "components": [c.to_json() for c in self.components],
            "references": [r.to_json() for r in self.references],
        }


@dataclass
class _Tally:
    needed_by: dict[Need, int] = field(default_factory=dict)
    releases: set[str] = field(default_factory=set)

    def add(self, what: Need, releases: Iterable[str]) -> None:
        self.needed_by[what] = self.needed_by.get(what, 0) + 1
        self.releases.update(releases)


def _kserve_mode(obj: dict[str, Any], caps: Mapping[str, Any]) -> str:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    mode = annotations.get("serving.kserve.io/deploymentMode")
    if mode is None and "kserve" in caps:
        mode = caps["kserve"].get("deploymentMode", "RawDeployment")  # the environment schema's default
    # Else KServe's own default (its inferenceservice-config), which is Serverless.
    return str(mode or "Serverless")


def _needs(obj: dict[str, Any], caps: Mapping[str, Any]) -> Iterator[tuple[Component, Need]]:
    """(component, what needs it) for one rendered object."""
    api, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    group = api.split("/")[0] if "/" in api else ""
    what: Need = (api, kind, None)
    if group == "argoproj.io":
        yield (ARGO_CD if kind in _ARGO_CD_KINDS else ARGO_ROLLOUTS), what
    elif group in _BY_GROUP:
        yield _BY_GROUP[group], what
    if kind == "NetworkPolicy" and group == "networking.k8s.io":
        yield NETWORK_POLICY, what
    if group == "serving.kserve.io":
        yield CERT_MANAGER, what
        if kind == "InferenceService" and _kserve_mode(obj, caps) == "Serverless":
            yield KNATIVE, (api, kind, "Serverless mode")
            annotations = obj.get("metadata", {}).get("annotations") or {}
            if annotations.get(kserve_cluster.AUTOSCALER_CLASS_ANNOTATION) == kserve_cluster.HPA_CLASS:
                yield KNATIVE_HPA, (api, kind, "cpu/memory scaleMetric")
    if kind == "Rollout":
        routing = obj.get("spec", {}).get("strategy", {}).get("canary", {}).get("trafficRouting") or {}
        for key in routing:
            if key in _ROUTERS:
                yield _ROUTERS[key], (api, kind, f"trafficRouting.{key}")
    if kind == "PrometheusRule":
        yield from _exporters(obj, what)
    if kind == "HorizontalPodAutoscaler":
        for metric in obj.get("spec", {}).get("metrics") or []:
            yield _metrics_source(metric.get("type"), caps), (api, kind, f"{metric.get('type')} metric")
    gpu = node_labels = False
    for parent, key, value in walk(obj.get("spec", {})):
        where = parent[-1:]
        if key == _GPU and where in (("limits",), ("requests",)):
            gpu = True
        # GPU Feature Discovery sets the nvidia.com/gpu.* labels that node selectors and affinities match.
        elif (where == ("nodeSelector",) and key.startswith(f"{_GPU}.")) or (
            where == ("matchExpressions",) and key == "key" and str(value).startswith(f"{_GPU}.")
        ):
            node_labels = True
    if gpu:
        yield DEVICE_PLUGIN, (api, kind, f"{_GPU} resources")
    if node_labels:
        yield GPU_FEATURE_DISCOVERY, (api, kind, f"{_GPU}.* node labels")


def _exporters(obj: dict[str, Any], what: Need) -> Iterator[tuple[Component, Need]]:
    """The exporters whose series a PrometheusRule's alerts read, named by the alert."""
    for group in obj.get("spec", {}).get("groups") or []:
        for rule in group.get("rules") or []:
            expr = str(rule.get("expr", ""))
            for metric, component in _EXPORTERS.items():
                if metric in expr:
                    yield component, (what[0], what[1], f"alert {rule.get('alert') or rule.get('record')}")


def _metrics_source(metric_type: Any, caps: Mapping[str, Any]) -> Component:
    if metric_type == "Resource" or metric_type == "ContainerResource":
        return METRICS_SERVER
    # Pods and Object metrics come from custom.metrics.k8s.io (an adapter), External from
    # external.metrics.k8s.io: KEDA serves the latter only, for its own ScaledObjects.
    chosen = caps.get("autoscaling", {}).get("metrics")
    return KEDA if chosen == "keda" and metric_type == "External" else PROMETHEUS_ADAPTER


def _declared(component: Component, caps: Mapping[str, Any]) -> tuple[bool, str | None, dict[str, Any]]:
    """Whether the environment declares `component`, its version, and its other declared settings."""
    if component.capability is None or component.capability not in caps:
        return False, None, {}
    block = caps[component.capability]
    if component.capability == "gpuFeatureDiscovery":
        return block is True, None, {}
    if component.capability == "autoscaling":  # one field says which of KEDA and prometheus-adapter runs
        chosen = block.get("metrics", "none")
        mine = chosen == component.name.lower()
        return mine, block.get("version") if mine else None, {"metrics": chosen}
    settings = {k: v for k, v in block.items() if k not in ("version", "apiVersion")}
    return True, block.get("version") or block.get("apiVersion"), settings


def components(env: Environment, objects: Iterable[RenderedObject]) -> list[Requirement]:
    """What `env`'s cluster must run for `objects` (its rendered objects), in a fixed order."""
    caps: dict[str, Any] = env.get("cluster", "capabilities", default={})
    tallies: dict[Component, _Tally] = {}
    items = list(objects)
    serving = references.served(items, env.namespace)
    for item in items:
        for component, what in _needs(item.obj, caps):
            tallies.setdefault(component, _Tally()).add(what, serving[item.key])
    out = []
    for component in sorted(tallies, key=_ORDER.index):
        tally = tallies[component]
        declared, version, settings = _declared(component, caps)
        out.append(
            Requirement(
                component.name,
                component.capability,
                declared,
                version,
                settings,
                dict(sorted(tally.needed_by.items(), key=lambda n: (n[0][1], n[0][2] or ""))),
                tuple(sorted(tally.releases)),
                component.install,
            )
        )
    return out


def for_environment(env: Environment, objects: Iterable[RenderedObject]) -> Prerequisites:
    items = list(objects)
    cluster = env.get("cluster", "server") or env.get("cluster", "name") or ""
    return Prerequisites(env.name, str(cluster), components(env, items), references.collect(env, items))


def collect(environments: Mapping[str, Environment], objects: Iterable[RenderedObject]) -> list[Prerequisites]:
    """Each environment's prerequisites, in promotion order, from the objects rendered for it."""
    by_env: dict[str, list[RenderedObject]] = {name: [] for name in environments}
    for item in objects:
        if item.environment in by_env:
            by_env[item.environment].append(item)
    return [for_environment(environments[name], items) for name, items in by_env.items()]

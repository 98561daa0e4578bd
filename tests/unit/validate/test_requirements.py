from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.render.objects import RenderedObject
from generator.validate import requirements
from generator.validate.requirements import Prerequisites, Requirement
from tests.conftest import PROJECT, edit
from tests.render_helpers import findings

ROLLOUTS = "argoproj.io/v1alpha1"


def prerequisites(repo: Path) -> dict[str, Prerequisites]:
    built = compose.build(WorkTree(repo), cross_check=False)  # as `modelops requirements` builds
    return {p.environment: p for p in requirements.collect(built.inputs.environments, built.tree.objects.values())}


@cache
def bundled() -> dict[str, Prerequisites]:
    return prerequisites(PROJECT)


def rows(env: str, found: dict[str, Prerequisites] | None = None) -> dict[str, Requirement]:
    return {r.component: r for r in (found or bundled())[env].components}


def test_prod_needs_what_its_rendered_objects_use_in_a_fixed_order() -> None:
    assert list(rows("prod")) == [
        "Argo CD",
        "Argo Rollouts",
        "Argo Rollouts Gateway API plugin",
        "Gateway API",
        "KServe",
        "Knative Serving",
        "Knative Serving HPA autoscaler",  # distilbert-sentiment scales on cpu
        "cert-manager",
        "Prometheus Operator",
        "kube-state-metrics",
        "NVIDIA DCGM exporter",
        "External Secrets Operator",
        "NetworkPolicy-enforcing CNI",
        "Kubernetes Metrics Server",
        "prometheus-adapter",
        "NVIDIA device plugin",
        "NVIDIA GPU Feature Discovery",
    ]
    assert bundled()["prod"].cluster == "https://prod-gpu.k8s.example.com"


def test_each_row_has_the_declared_version_and_what_needs_it() -> None:
    prod = rows("prod")
    rollouts = prod["Argo Rollouts"]
    assert (rollouts.capability, rollouts.declared, rollouts.version) == ("argoRollouts", True, "1.7")
    assert rollouts.settings == {
        "trafficRouter": "gatewayAPI",
        "gatewayAPI": {
            "gateway": {"name": "inference-gateway", "namespace": "inference-gateway"},
            "domain": "models.example.com",
        },
    }
    assert rollouts.needed_by == {(ROLLOUTS, "AnalysisTemplate", None): 4, (ROLLOUTS, "Rollout", None): 5}
    assert "distilbert-sentiment" not in rollouts.releases and len(rollouts.releases) == 5  # an InferenceService
    assert rollouts.install == "helm install argo-rollouts argo/argo-rollouts -n argo-rollouts --create-namespace"

    # The router the canaries' trafficRouting names, and the API of the routes it edits.
    plugin = prod["Argo Rollouts Gateway API plugin"]
    assert plugin.needed_by == {(ROLLOUTS, "Rollout", "trafficRouting.plugins"): 3}
    assert "argo-rollouts-config" in plugin.install and '"argoproj-labs/gatewayAPI"' in plugin.install
    routes = prod["Gateway API"]
    assert routes.needed_by == {("gateway.networking.k8s.io/v1", "HTTPRoute", None): 3}
    assert routes.releases == ("bge-embeddings", "llama3-8b-chat", "toxicity-classifier")

    kserve = prod["KServe"]
    assert (kserve.version, kserve.settings) == ("0.13", {"deploymentMode": "Serverless"})
    assert kserve.needed_by == {("serving.kserve.io/v1beta1", "InferenceService", None): 1}
    assert kserve.releases == ("distilbert-sentiment",)

    monitors = prod["Prometheus Operator"]
    assert monitors.version == "0.75"
    selector = {"matchLabels": {"release": "kube-prometheus-stack"}}
    assert monitors.settings == {"serviceMonitorSelector": selector, "ruleSelector": selector}
    assert monitors.needed_by == {
        ("monitoring.coreos.com/v1", "PrometheusRule", None): 5,
        ("monitoring.coreos.com/v1", "ServiceMonitor", None): 6,  # with KServe's
    }
    # The alerts' series: which exporter each needs, named by the alert that reads it.
    states = prod["kube-state-metrics"]
    assert states.needed_by == {("monitoring.coreos.com/v1", "PrometheusRule", "alert ModelServerPodsNotReady"): 5}
    assert (states.capability, states.declared) == (None, False)
    dcgm = prod["NVIDIA DCGM exporter"]
    assert dcgm.needed_by == {("monitoring.coreos.com/v1", "PrometheusRule", "alert ModelServerGPUMemoryPressure"): 2}
    assert (dcgm.capability, dcgm.declared, dcgm.version) == ("dcgmExporter", True, "4.2.3-4.1.3")
    assert dcgm.releases == ("llama3-70b-instruct", "llama3-8b-chat")
    assert "NVIDIA DCGM exporter" not in rows("staging")  # not declared there: no GPU memory alert

    secrets = prod["External Secrets Operator"]
    assert (secrets.version, secrets.settings) == ("external-secrets.io/v1", {"clusterSecretStore": "vault-backend"})
    assert secrets.needed_by == {("external-secrets.io/v1", "ExternalSecret", None): 1}
    # The environment's one ExternalSecret (model-store-readonly), for every release that reads its Secret.
    assert len(secrets.releases) == 6

    gpus = prod["NVIDIA device plugin"]
    assert gpus.needed_by == {(ROLLOUTS, "Rollout", "nvidia.com/gpu resources"): 2}
    assert gpus.releases == ("llama3-70b-instruct", "llama3-8b-chat")
    assert (gpus.capability, gpus.declared) == (None, False)
    labels = prod["NVIDIA GPU Feature Discovery"]
    assert (labels.capability, labels.declared, labels.releases) == ("gpuFeatureDiscovery", True, gpus.releases)


def test_hpa_metrics_name_their_source() -> None:
    prod = rows("prod")
    assert prod["Kubernetes Metrics Server"].needed_by == {
        ("autoscaling/v2", "HorizontalPodAutoscaler", "Resource metric"): 3
    }
    adapter = prod["prometheus-adapter"]
    assert adapter.needed_by == {("autoscaling/v2", "HorizontalPodAutoscaler", "Pods metric"): 2}
    assert (adapter.capability, adapter.declared, adapter.settings) == (
        "autoscaling",
        True,
        {"metrics": "prometheus-adapter"},
    )
    assert adapter.version is None  # the example declares none


def test_staging_runs_keda_for_the_scaled_objects_with_its_declared_version() -> None:
    staging = rows("staging")
    keda = staging["KEDA"]
    assert keda.needed_by == {("keda.sh/v1alpha1", "ScaledObject", None): 2}
    assert keda.releases == ("llama3-70b-instruct", "llama3-8b-chat")
    assert (keda.capability, keda.declared, keda.version, keda.settings) == (
        "autoscaling",
        True,
        "2.17",
        {"metrics": "keda"},
    )
    # The ScaledObjects replace the vLLM releases' HPAs: no adapter is needed there.
    assert "prometheus-adapter" not in staging


def test_dev_runs_no_rollout_controller() -> None:
    dev = rows("dev")
    assert "Argo Rollouts" not in dev
    # The root Application, one per release, and the one of the shared secrets.
    assert dev["Argo CD"].needed_by == {(ROLLOUTS, "AppProject", None): 1, (ROLLOUTS, "Application", None): 8}


def test_every_custom_resource_rendered_has_a_component() -> None:
    # A template that starts rendering a new CRD must say which controller serves it.
    built = compose.build(WorkTree(PROJECT))
    groups = {o.key: o.obj["apiVersion"].rpartition("/")[0] for o in built.tree.objects.values()}
    custom = {
        (o.environment, o.obj["apiVersion"], o.obj["kind"])
        for o in built.tree.objects.values()
        if "." in groups[o.key] and not groups[o.key].endswith(".k8s.io")
    }
    needed = {
        (env, api, kind) for env, found in bundled().items() for r in found.components for api, kind, _ in r.needed_by
    }
    assert custom and custom <= needed


def test_an_undeclared_capability_is_not_declared_and_refused_by_validate(example: Path) -> None:
    edit(
        example / "environments/prod.yaml",
        '      kserve:\n        version: "0.13"\n        deploymentMode: Serverless'
        "    # with Knative Serving: KServe canaries split traffic by revision\n",
        "",
    )
    kserve = rows("prod", prerequisites(example))["KServe"]
    assert (kserve.declared, kserve.version, kserve.settings) == (False, None, {})
    assert any("spec.cluster.capabilities.kserve" in f and "(in prod)" in f for f in findings(example))


def test_serverless_kserve_needs_knative_and_a_declared_adapter_is_declared(example: Path) -> None:
    assert "Knative Serving" not in rows("dev", prerequisites(example))
    edit(example / "environments/dev.yaml", "deploymentMode: RawDeployment", "deploymentMode: Serverless")
    dev = rows("dev", prerequisites(example))
    assert dev["Knative Serving"].needed_by == {
        ("serving.kserve.io/v1beta1", "InferenceService", "Serverless mode"): 1
    }
    assert (dev["prometheus-adapter"].declared, dev["prometheus-adapter"].settings) == (
        True,
        {"metrics": "prometheus-adapter"},
    )


def _object(env: str, obj: dict[str, Any], release: str = "demo") -> RenderedObject:
    key = f"rendered/{env}/{release}/{obj['kind'].lower()}-{obj['metadata']['name']}"
    return RenderedObject(key, f"rendered/{env}/{release}/manifest.yaml", obj, "", env, "t.yaml.j2", release)


def test_traffic_routers_keda_and_external_metrics_from_the_objects_alone() -> None:
    env = compose.build(WorkTree(PROJECT), ("prod",)).inputs.environments["prod"]
    rollout = {
        "apiVersion": ROLLOUTS,
        "kind": "Rollout",
        "metadata": {"name": "demo"},
        "spec": {
            "strategy": {"canary": {"trafficRouting": {"istio": {}, "plugins": {"argoproj-labs/gatewayAPI": {}}}}}
        },
    }
    scaled = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "demo"}, "spec": {}}
    found = {r.component: r for r in requirements.components(env, [_object("prod", rollout), _object("prod", scaled)])}
    assert list(found) == ["Argo Rollouts", "Istio", "Argo Rollouts Gateway API plugin", "KEDA"]
    assert found["Istio"].needed_by == {(ROLLOUTS, "Rollout", "trafficRouting.istio"): 1}
    assert (found["KEDA"].capability, found["KEDA"].declared) == ("autoscaling", False)  # the adapter, not KEDA

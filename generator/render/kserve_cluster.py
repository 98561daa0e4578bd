"""An InferenceService's side of the cluster: deployment mode, who may call its pods, metrics, storage credentials.

Field names and numbers are KServe's and Knative's, checked against their sources:

- The mode annotation `serving.kserve.io/deploymentMode` (kserve pkg/constants/constants.go,
  DeploymentMode).  KServe up to 0.15 knows `Serverless` and `RawDeployment`; 0.16 renamed them
  `Knative` and `Standard` and still accepts the old names (ParseDeploymentMode), so the old names
  are rendered: every declared version reads them.
- Serverless pods are reached through Knative's queue-proxy (knative/serving
  pkg/networking/constants.go: 8012 HTTP/1, 8013 HTTP/2), from the ingress gateway or, while a
  revision scales from zero or is over its burst capacity, from the activator
  (config/core/deployments/activator.yaml: namespace knative-serving, label app=activator); the
  Knative autoscaler (app=autoscaler) scrapes queue-proxy's statistics on 9090.  A NetworkPolicy
  that admits only the gateway leaves every request the activator holds unanswered.
- With `serving.kserve.io/enable-metric-aggregation: "true"` KServe's pod webhook makes
  queue-proxy serve its own and the model server's metrics together on port 9088, `aggr-metric`
  (pkg/webhook/admission/pod/metrics_aggregate_injector.go).  RawDeployment pods have no
  queue-proxy: the model server answers /metrics on its HTTP port, 8080 in KServe's serving
  runtimes (their `prometheus.kserve.io/port`), which is also the port the gateway calls, so in
  that mode the metrics cannot be walled off by port.
- The storage initializer takes its credentials from the predictor's ServiceAccount
  (pkg/credentials/service_account_credentials.go): the Secrets its `secrets` list names (S3: data
  keys awsAccessKeyID and awsSecretAccessKey, endpoint and region from the Secret's own
  serving.kserve.io/s3-* annotations), or, when the ServiceAccount carries
  `eks.amazonaws.com/role-arn`, IRSA with the s3-* annotations read from the ServiceAccount.
  GKE workload identity (`iam.gke.io/gcp-service-account`) needs nothing from KServe: the
  storage initializer's Google client finds the node's metadata server.
"""

from __future__ import annotations

from typing import Any

from generator.inputs.resolve import Resolved
from generator.render.runtimes import registry

MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
SERVERLESS = "Serverless"
RAW = "RawDeployment"
KNATIVE_NAMESPACE = "knative-serving"
QUEUE_PROXY_PORTS = (8012, 8013)
AUTOSCALER_METRICS_PORT = 9090
AGGREGATE_METRICS = ("aggr-metric", 9088)
RAW_METRICS = ("metrics", 8080)
METRICS_PATH = "/metrics"
REVISION_LABEL = "serving.knative.dev/revision"
# knative/serving pkg/apis/autoscaling/register.go
AUTOSCALER_CLASS_ANNOTATION = "autoscaling.knative.dev/class"
HPA_CLASS = "hpa.autoscaling.knative.dev"
AWS_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
GCP_SERVICE_ACCOUNT_ANNOTATION = "iam.gke.io/gcp-service-account"
# Environment field -> the annotation KServe reads it from (pkg/credentials/s3/s3_secret.go).
S3_ANNOTATIONS = {
    "endpoint": "serving.kserve.io/s3-endpoint",
    "useHttps": "serving.kserve.io/s3-usehttps",
    "region": "serving.kserve.io/s3-region",
    "verifySSL": "serving.kserve.io/s3-verifyssl",
}


def capability(r: Resolved) -> dict[str, Any]:
    found: dict[str, Any] = r.env.get("cluster", "capabilities", "kserve", default={}) or {}
    return found


def mode(r: Resolved) -> str:
    """The environment's deployment mode; the environment schema's default when it says none."""
    return str(capability(r).get("deploymentMode", RAW))


def knative_namespace(r: Resolved) -> str:
    return str(capability(r).get("knativeNamespace", KNATIVE_NAMESPACE))


def splits_traffic(r: Resolved) -> bool:
    """Whether a new revision of this release starts as a canary: a KServe canary in Serverless mode."""
    workload = registry.get(r.get("runtime", "kind")).workload
    return workload == "kserve" and r.get("rollout", "strategy") == "canary" and mode(r) == SERVERLESS


def canary_percent(r: Resolved) -> int | None:
    """canaryTrafficPercent while a canary runs (rollout.canary.inProgress, which `modelops promote` sets).

    Absent otherwise: KServe keeps a revision at the percentage for as long as the field is there,
    so a canary ends by removing it (`modelops promote --finish`), which sends all traffic to the
    latest revision.  Only Serverless splits traffic; validate refuses a canary in RawDeployment.
    """
    canary = r.get("rollout", "canary")
    if not splits_traffic(r) or not canary.get("inProgress"):
        return None
    percent = canary.get("trafficPercent")
    return int(percent) if percent is not None else None


def namespace_peer(name: str) -> dict[str, Any]:
    """A NetworkPolicy peer: every pod of namespace `name` (by the label Kubernetes sets on each)."""
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def _knative(r: Resolved, app: str) -> dict[str, Any]:
    return {**namespace_peer(knative_namespace(r)), "podSelector": {"matchLabels": {"app": app}}}


def _ports(*numbers: int) -> list[dict[str, Any]]:
    return [{"port": n, "protocol": "TCP"} for n in numbers]


def ingress_rules(r: Resolved) -> list[dict[str, Any]]:
    network = r.env.spec.get("network", {})
    gateways = [namespace_peer(ns) for ns in network.get("ingressNamespaces", [])]
    monitoring = network.get("monitoringNamespace")
    port = scrape(r)["port"]
    if mode(r) != SERVERLESS:
        # KServe's runtime picks the pod's ports; the metrics share the serving port (see above).
        rules: list[dict[str, Any]] = [{"from": gateways}] if gateways else []
        if monitoring:
            rules.append({"from": [namespace_peer(monitoring)], "ports": _ports(port["port"])})
        return rules
    rules = [
        {"from": [*gateways, _knative(r, "activator")], "ports": _ports(*QUEUE_PROXY_PORTS)},
        {"from": [_knative(r, "autoscaler")], "ports": _ports(AUTOSCALER_METRICS_PORT)},
    ]
    if monitoring:
        rules.append({"from": [namespace_peer(monitoring)], "ports": _ports(port["port"])})
    return rules


def scrape(r: Resolved) -> dict[str, Any]:
    """The metrics Service port, path and pod labels the ServiceMonitor copies onto each series."""
    serverless = mode(r) == SERVERLESS
    name, number = AGGREGATE_METRICS if serverless else RAW_METRICS
    return {
        "port": {"name": name, "port": number, "targetPort": number, "protocol": "TCP"},
        "path": METRICS_PATH,
        # Which revision (stable or canary) a series comes from, so the two can be compared.
        "podTargetLabels": [REVISION_LABEL] if serverless else [],
    }


def isvc_annotations(r: Resolved) -> dict[str, str]:
    """The InferenceService's own annotations: its mode, and in Serverless the autoscaler class a metric needs."""
    found = {MODE_ANNOTATION: mode(r)}
    if mode(r) == SERVERLESS and r.get("scaling", "metric", "type") in ("cpu", "memory"):
        # Knative's own autoscaler scales on concurrency or rps only: KServe's webhook refuses a cpu or
        # memory scaleMetric unless the class is Knative's HPA autoscaler (the serving-hpa extension).
        found[AUTOSCALER_CLASS_ANNOTATION] = HPA_CLASS
    return found


def pod_annotations(r: Resolved) -> dict[str, str]:
    if mode(r) != SERVERLESS:
        return {}
    return {
        "serving.kserve.io/enable-metric-aggregation": "true",
        # The ServiceMonitor scrapes the pods; prometheus.io/* annotations would have an
        # annotation-based scrape config collect every series a second time.
        "serving.kserve.io/enable-prometheus-scraping": "false",
    }


def s3_annotations(initializer: dict[str, Any]) -> dict[str, str]:
    """spec.artifacts.storageInitializer.s3 of an environment as KServe's serving.kserve.io/s3-* annotations."""
    s3 = initializer.get("s3") or {}
    return {key: _annotation_value(s3[field]) for field, key in S3_ANNOTATIONS.items() if field in s3}


def _annotation_value(value: Any) -> str:
    if isinstance(value, bool):
        # KServe compares s3-usehttps with "0"; the storage initializer reads S3_VERIFY_SSL "0" as false.
        return "1" if value else "0"
    return str(value)


def storage_credentials(r: Resolved) -> dict[str, Any]:
    """The predictor ServiceAccount's annotations and `secrets`, from spec.artifacts of the environment."""
    artifacts = r.env.spec.get("artifacts") or {}
    initializer = artifacts.get("storageInitializer") or {}
    annotations: dict[str, str] = {}
    if "awsRoleArn" in initializer:
        # With IRSA KServe reads the s3-* annotations from the ServiceAccount (s3.BuildServiceAccountEnvs).
        annotations = {AWS_ROLE_ANNOTATION: initializer["awsRoleArn"], **s3_annotations(initializer)}
    if "gcpServiceAccount" in initializer:
        annotations[GCP_SERVICE_ACCOUNT_ANNOTATION] = initializer["gcpServiceAccount"]
    secret = None
    if not annotations:  # workload identity replaces a stored key
        secret = initializer.get("secret") or artifacts.get("credentialsSecret")
    return {
        "annotations": dict(sorted(annotations.items())),
        "secrets": [{"name": secret}] if secret else [],
    }


def context(r: Resolved) -> dict[str, Any]:
    return {
        "mode": mode(r),
        "annotations": isvc_annotations(r),
        "canaryTrafficPercent": canary_percent(r),
        "podAnnotations": pod_annotations(r),
        "scrape": scrape(r),
        "serviceAccount": storage_credentials(r),
    }

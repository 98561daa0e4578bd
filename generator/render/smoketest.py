"""The blue-green smoke test: a sample request to the preview Service before promotion.

Nothing else sends the preview pods a request: a blue-green pre-promotion analysis on the
runtime's metrics measures no traffic and passes on NaN.  The smoke test is a metric of its
own AnalysisTemplate with the Argo Rollouts Job provider (analysis_types.go JobMetric): one
Job that sends the release's declared request (`rollout.blueGreen.smokeTest`, or the
runtime's own sample request) to the preview Service once and fails unless the status is the
expected one within the latency bound.  The Rollout lists it in `prePromotionAnalysis`, beside
the metrics analysis when there is one; its pods carry POD_LABEL, which the release's
NetworkPolicy admits on the serving ports.
"""

from __future__ import annotations

import json
from typing import Any

from generator.inputs.resolve import Resolved
from generator.render.runtimes import registry
from generator.render.runtimes.base import Port

# The label on the Job's pods that the NetworkPolicy admits (value: the release name).
POD_LABEL = "modelops.io/smoke-test"
# curlimages/curl runs as curl_user, uid 100, and has a POSIX shell.
RUN_AS = 100
# Passed in the environment, so that the script holds no data and nothing needs quoting.
_SCRIPT = """set -eu
if [ -n "${SMOKE_BODY:-}" ]; then
  set -- --header "Content-Type: $SMOKE_CONTENT_TYPE" --data-raw "$SMOKE_BODY"
fi
status=$(curl --silent --show-error --output /tmp/response --write-out '%{http_code}' \\
  --max-time "$SMOKE_MAX_SECONDS" --request "$SMOKE_METHOD" "$@" "$SMOKE_URL")
echo "$SMOKE_METHOD $SMOKE_URL: HTTP $status"
if [ "$status" != "$SMOKE_EXPECT_STATUS" ]; then
  head -c 2048 /tmp/response
  echo
  echo "expected HTTP $SMOKE_EXPECT_STATUS"
  exit 1
fi
"""


def _runtime_request(r: Resolved) -> dict[str, Any] | None:
    module = registry.RUNTIMES[r.get("runtime", "kind")]
    sample = getattr(module, "sample_request", None)
    found: dict[str, Any] | None = sample(r) if sample is not None else None
    return found


def request(r: Resolved) -> dict[str, Any] | None:
    """The request the smoke test sends: {path, method, body, expectStatus, maxLatencyMs}, or None."""
    if r.get("rollout", "strategy") != "blue-green" or registry.get(r.get("runtime", "kind")).workload != "pods":
        return None
    spec: dict[str, Any] = r.get("rollout", "blueGreen", "smokeTest", default={})
    base = {"path": spec["path"], "body": spec.get("body")} if "path" in spec else _runtime_request(r)
    if base is None:
        return None
    body = base.get("body")
    method = spec.get("method") or ("POST" if body is not None else "GET")
    return {
        "path": base["path"],
        "method": method,
        "body": body,
        "expectStatus": spec.get("expectStatus", 200),
        "maxLatencyMs": spec.get("maxLatencyMs", 30000),
    }


def image(r: Resolved) -> str | None:
    found = r.env.get("smokeTest", "image", default=None)
    return str(found) if found else None


def _body_env(body: Any) -> list[dict[str, str]]:
    if body is None:
        return []
    if isinstance(body, str):
        return [{"name": "SMOKE_BODY", "value": body}, {"name": "SMOKE_CONTENT_TYPE", "value": "text/plain"}]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return [{"name": "SMOKE_BODY", "value": text}, {"name": "SMOKE_CONTENT_TYPE", "value": "application/json"}]


def _seconds(ms: int) -> str:
    whole, rest = divmod(ms, 1000)
    return f"{whole}.{rest:03d}" if rest else str(whole)


def job_spec(r: Resolved, sample: dict[str, Any], url: str, pull_image: str) -> dict[str, Any]:
    """The Job: one attempt, bounded in time, restricted Pod Security, nothing mounted."""
    env = [
        {"name": "SMOKE_URL", "value": url},
        {"name": "SMOKE_METHOD", "value": sample["method"]},
        {"name": "SMOKE_EXPECT_STATUS", "value": str(sample["expectStatus"])},
        {"name": "SMOKE_MAX_SECONDS", "value": _seconds(sample["maxLatencyMs"])},
        *_body_env(sample["body"]),
    ]
    container = {
        "name": "smoke-test",
        "image": pull_image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", _SCRIPT],
        "env": env,
        "resources": {
            "requests": {"cpu": "50m", "memory": "32Mi"},
            "limits": {"cpu": "200m", "memory": "64Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    deadline = sample["maxLatencyMs"] // 1000 + 120  # the request, plus pulling a small image
    return {
        # A failed request fails the metric at once: a retry would hide a flaky preview.
        "backoffLimit": 0,
        "activeDeadlineSeconds": deadline,
        "ttlSecondsAfterFinished": 3600,
        "template": {
            "metadata": {"labels": {POD_LABEL: r.name}},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "enableServiceLinks": False,
                "securityContext": {
                    "runAsNonRoot": True,
                    "runAsUser": RUN_AS,
                    "runAsGroup": RUN_AS,
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "containers": [container],
                "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}],
            },
        },
    }


def context(r: Resolved, names: dict[str, str], ports: list[Port]) -> dict[str, Any] | None:
    """What smoketest.yaml.j2 sees as `smoke_test`: None without a request or an image to send it with.

    validate reports both: the policy on the Rollout's gate, and the spec check on a missing image.
    """
    sample = request(r)
    pull_image = image(r)
    serving = next((p for p in ports if p.serve), None)
    if sample is None or pull_image is None or serving is None:
        return None
    url = f"http://{names['previewService']}.{r.env.namespace}.svc:{serving.port}{sample['path']}"
    metric = {"name": "smoke-test", "provider": {"job": {"spec": job_spec(r, sample, url, pull_image)}}}
    return {
        "name": names["smokeTest"],
        "spec": {"metrics": [metric]},
        "ports": [{"port": serving.name, "protocol": "TCP"}],
        "release": r.name,
    }


def ingress(smoke: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The NetworkPolicy rule admitting the smoke test's pods (same namespace) on the serving port."""
    if smoke is None:
        return []
    return [{"from": [{"podSelector": {"matchLabels": {POD_LABEL: smoke["release"]}}}], "ports": smoke["ports"]}]


def pre_promotion(analysis: dict[str, Any] | None, smoke: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Rollout's blueGreen.prePromotionAnalysis: the smoke test first, then the metrics analysis."""
    if smoke is None:
        return analysis["rollout"] if analysis else None
    if analysis is None:
        return {"templates": [{"templateName": smoke["name"]}]}
    ref = dict(analysis["rollout"])
    ref["templates"] = [{"templateName": smoke["name"]}, *ref["templates"]]
    return ref

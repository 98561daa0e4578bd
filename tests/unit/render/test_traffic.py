"""Canary traffic through the environment's router: the Rollout, its Services, the route and the Application."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.errors import ModelOpsError
from tests.conftest import edit
from tests.render_helpers import argocd, example, obj, render

PROD = "environments/prod.yaml"
GATEWAY = """        trafficRouter: gatewayAPI
        gatewayAPI:
          gateway:
            name: inference-gateway
            namespace: inference-gateway
          domain: models.example.com
"""


def with_router(repo: Path, block: str) -> dict[str, dict[str, Any]]:
    """The example rendered with prod's router block (trafficRouter and its settings) replaced."""
    edit(repo / PROD, GATEWAY, block)
    return render(repo)


def canary(objects: dict[str, dict[str, Any]], release: str = "llama3-8b-chat") -> dict[str, Any]:
    found: dict[str, Any] = obj(objects, "prod", release, "Rollout")["spec"]["strategy"]["canary"]
    return found


def test_gateway_api_rollout_names_its_services_and_the_plugin_route() -> None:
    strategy = canary(example())
    assert strategy["canaryService"] == "llama3-8b-chat-canary"
    assert strategy["stableService"] == "llama3-8b-chat-stable"
    assert strategy["trafficRouting"] == {
        "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "llama3-8b-chat", "namespace": "models-prod"}}
    }


def test_stable_and_canary_services_select_the_release_pods_for_the_controller_to_narrow() -> None:
    rollout = obj(example(), "prod", "llama3-8b-chat", "Rollout")
    front = obj(example(), "prod", "llama3-8b-chat", "Service")
    for role, name in (("canary-stable", "llama3-8b-chat-stable"), ("canary", "llama3-8b-chat-canary")):
        service = obj(example(), "prod", "llama3-8b-chat", "Service", name)
        assert service["metadata"]["labels"]["modelops.io/service-role"] == role
        # Argo Rollouts adds rollouts-pod-template-hash itself; the rendered selector is the release's.
        assert service["spec"]["selector"] == front["spec"]["selector"]
        assert service["spec"]["selector"].items() <= rollout["spec"]["template"]["metadata"]["labels"].items()
        assert service["spec"]["ports"] == front["spec"]["ports"]


def test_http_route_rests_on_the_stable_service_with_explicit_weights() -> None:
    route = obj(example(), "prod", "llama3-8b-chat", "HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["metadata"]["namespace"] == "models-prod"
    spec = route["spec"]
    assert spec["parentRefs"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "inference-gateway",
            "namespace": "inference-gateway",
        }
    ]
    assert spec["hostnames"] == ["llama3-8b-chat.models.example.com"]
    # Weights written out: Gateway API's default of 1 each would send half the requests to the canary.
    assert spec["rules"] == [
        {
            "backendRefs": [
                {"group": "", "kind": "Service", "name": "llama3-8b-chat-stable", "port": 8000, "weight": 100},
                {"group": "", "kind": "Service", "name": "llama3-8b-chat-canary", "port": 8000, "weight": 0},
            ]
        }
    ]


def test_application_ignores_the_weights_the_controller_sets_and_respects_that_on_sync() -> None:
    app = argocd(example(), "prod", "Application", "llama3-8b-chat-prod")
    assert app["spec"]["ignoreDifferences"] == [
        {
            "group": "gateway.networking.k8s.io",
            "kind": "HTTPRoute",
            "name": "llama3-8b-chat",
            "namespace": "models-prod",
            "jqPathExpressions": [".spec.rules[].backendRefs[].weight"],
            "jsonPointers": ["/metadata/labels/rollouts.argoproj.io~1gatewayapi-canary"],
        }
    ]
    assert "RespectIgnoreDifferences=true" in app["spec"]["syncPolicy"]["syncOptions"]
    # A blue-green release renders no route: nothing to ignore, the sync options as before.
    other = argocd(example(), "prod", "Application", "llama3-70b-instruct-prod")
    assert "ignoreDifferences" not in other["spec"]
    assert other["spec"]["syncPolicy"]["syncOptions"] == ["CreateNamespace=true", "PruneLast=true"]


def test_only_canaries_of_pods_get_a_route() -> None:
    objects = example()
    assert not [p for p in objects if "/llama3-70b-instruct/httproute-" in p]  # blue-green
    assert not [p for p in objects if "/distilbert-sentiment/httproute-" in p]  # KServe's own canary
    assert not [p for p in objects if p.startswith("rendered/staging/") and "/httproute-" in p]  # no router
    staging = obj(objects, "staging", "toxicity-classifier", "Deployment")
    assert staging["kind"] == "Deployment"


def test_istio_virtual_service_with_a_named_route(example: Path) -> None:
    objects = with_router(example, "        trafficRouter: istio\n")
    assert canary(objects)["trafficRouting"] == {
        "istio": {"virtualService": {"name": "llama3-8b-chat", "routes": ["primary"]}}
    }
    service = obj(objects, "prod", "llama3-8b-chat", "VirtualService")
    assert service["apiVersion"] == "networking.istio.io/v1beta1"
    assert service["spec"] == {
        "hosts": ["llama3-8b-chat"],
        "http": [
            {
                "name": "primary",
                "route": [
                    {"destination": {"host": "llama3-8b-chat-stable", "port": {"number": 8000}}, "weight": 100},
                    {"destination": {"host": "llama3-8b-chat-canary", "port": {"number": 8000}}, "weight": 0},
                ],
            }
        ],
    }
    app = argocd(objects, "prod", "Application", "llama3-8b-chat-prod")
    assert app["spec"]["ignoreDifferences"] == [
        {
            "group": "networking.istio.io",
            "kind": "VirtualService",
            "name": "llama3-8b-chat",
            "namespace": "models-prod",
            "jqPathExpressions": [".spec.http[].route[].weight"],
        }
    ]


def test_istio_gateways_keep_the_mesh_and_add_the_public_host(example: Path) -> None:
    block = "        trafficRouter: istio\n        istio:\n          gateways: [istio-ingress/public]\n"
    objects = with_router(example, block + "          domain: models.example.com\n")
    spec = obj(objects, "prod", "llama3-8b-chat", "VirtualService")["spec"]
    assert spec["hosts"] == ["llama3-8b-chat", "llama3-8b-chat.models.example.com"]
    assert spec["gateways"] == ["mesh", "istio-ingress/public"]


def test_nginx_stable_ingress_routes_to_the_stable_service(example: Path) -> None:
    objects = with_router(
        example, "        trafficRouter: nginx\n        nginx:\n          domain: models.example.com\n"
    )
    assert canary(objects)["trafficRouting"] == {"nginx": {"stableIngress": "llama3-8b-chat"}}
    ingress = obj(objects, "prod", "llama3-8b-chat", "Ingress")
    assert ingress["spec"] == {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": "llama3-8b-chat.models.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "llama3-8b-chat-stable", "port": {"name": "http"}}},
                        }
                    ]
                },
            }
        ],
    }
    # The controller writes only the canary Ingress it creates: nothing of the rendered one to ignore.
    assert "ignoreDifferences" not in argocd(objects, "prod", "Application", "llama3-8b-chat-prod")["spec"]


def test_smi_renders_no_route_the_controller_owns_the_traffic_split(example: Path) -> None:
    objects = with_router(example, "        trafficRouter: smi\n")
    assert canary(objects)["trafficRouting"] == {
        "smi": {"rootService": "llama3-8b-chat", "trafficSplitName": "llama3-8b-chat"}
    }
    assert not [
        p for p in objects if "/llama3-8b-chat/" in p and p.rsplit("/", 1)[1].startswith(("httproute", "ingress"))
    ]
    obj(objects, "prod", "llama3-8b-chat", "Service", "llama3-8b-chat-canary")


def test_no_router_keeps_the_pod_ratio_canary(example: Path) -> None:
    objects = with_router(example, "        trafficRouter: none\n")
    strategy = canary(objects)
    assert not {"canaryService", "stableService", "trafficRouting"} & set(strategy)
    for side in ("stable", "canary"):
        assert f"rendered/prod/llama3-8b-chat/service-llama3-8b-chat-{side}" not in objects
    assert "ignoreDifferences" not in argocd(objects, "prod", "Application", "llama3-8b-chat-prod")["spec"]


def test_application_set_ignores_the_route_weights_by_kind(example: Path) -> None:
    edit(example / PROD, "    targetRevision: main\n", "    targetRevision: main\n    applicationSet: true\n")
    objects = render(example)
    template = argocd(objects, "prod", "ApplicationSet", "modelops-prod")["spec"]["template"]["spec"]
    (ignored,) = template["ignoreDifferences"]
    assert (ignored["kind"], ignored["namespace"]) == ("HTTPRoute", "models-prod") and "name" not in ignored
    assert "RespectIgnoreDifferences=true" in template["syncPolicy"]["syncOptions"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("        trafficRouter: gatewayAPI\n", "gatewayAPI"),
        ("        trafficRouter: nginx\n", "nginx"),
    ],
)
def test_a_router_without_its_settings_is_refused(example: Path, block: str, message: str) -> None:
    edit(example / PROD, GATEWAY, block)
    with pytest.raises(ModelOpsError) as caught:
        render(example)
    assert "environments/prod.yaml" in str(caught.value) and message in str(caught.value)


def test_network_policy_admits_the_gateway_namespace(example: Path) -> None:
    objects = with_router(example, GATEWAY.replace("namespace: inference-gateway", "namespace: gateway-system"))
    policy = obj(objects, "prod", "llama3-8b-chat", "NetworkPolicy")
    admitted = [
        peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
    ]
    assert admitted[:2] == ["inference-gateway", "gateway-system"]
    # A blue-green release does not go through the Gateway: only the declared ingress namespaces.
    other = obj(objects, "prod", "llama3-70b-instruct", "NetworkPolicy")
    assert "gateway-system" not in str(other["spec"]["ingress"])

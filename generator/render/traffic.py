"""Canary traffic through the environment's traffic router: exact weights instead of pod ratios.

Without a router (`spec.cluster.capabilities.argoRollouts.trafficRouter: none`, the default) the
release's Service selects every pod and a step's share follows the pod counts
(generator.render.canary_split). With one, the Rollout gets `canaryService`, `stableService` and
`trafficRouting`, and Argo Rollouts sets the step's weight on the router, whatever the pod counts:

- gatewayAPI: the argoproj-labs/gatewayAPI plugin edits the `weight` of the HTTPRoute backendRefs
  naming the two Services (rollouts-plugin-trafficrouter-gatewayapi, pkg/plugin/httproute.go);
- istio: the controller edits the route weights of the named `http` route of a VirtualService;
- nginx: the controller creates a canary Ingress beside the stable one and sets its
  `canary-weight` annotation; the stable Ingress is left as rendered;
- smi: the controller creates and owns the TrafficSplit (named after the Rollout) behind the
  root Service.

Who owns the route object: modelops renders it, one per release, in the release's namespace and
in its Argo CD Application, named after the release. A route per environment, named by the
platform team, cannot work: its backendRefs name one release's Services, and every release of
the environment needs its own. The price is that Argo Rollouts mutates an object Argo CD also
manages: the HTTPRoute backendRef weights and the VirtualService route weights. Left alone, a
self-healing Application would put the rendered weights (stable 100, canary 0) back during every
canary step and the two controllers would fight. So the Application ignores exactly those
weights (`spec.ignoreDifferences` with jqPathExpressions) and syncs with
`RespectIgnoreDifferences=true`, so that a sync of anything else keeps the live weights too. The
rendered weights are explicit (100 and 0): Gateway API's default weight is 1 each, which would
send half the requests to the canary Service the moment the route is created.

The stable and canary Services select the same pods as the release's Service; the controller adds
`rollouts-pod-template-hash` to their selectors. Argo CD's diff compares only the fields the
manifest sets, so an added selector key is no difference and needs no ignore rule. The release's
own Service keeps selecting every pod: in-cluster clients that call it directly still get the
pod-ratio split, and only requests through the router get the exact weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.render.runtimes import registry

NONE = "none"
GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"
GATEWAY_GROUP = "gateway.networking.k8s.io"
ISTIO_GROUP = "networking.istio.io"
# The VirtualService route Argo Rollouts edits; named, so that the Rollout says which one.
ISTIO_ROUTE = "primary"
# Added by the Gateway API plugin while a canary runs (rollouts-plugin-trafficrouter-gatewayapi,
# internal/defaults): also a difference Argo CD must not undo.
GATEWAY_IN_PROGRESS_LABEL = "rollouts.argoproj.io/gatewayapi-canary"
_SERVING_PORT = "http"


def router(env: Environment) -> str:
    return str(env.get("cluster", "capabilities", "argoRollouts", "trafficRouter", default=NONE))


def settings(env: Environment) -> dict[str, Any]:
    """The declared block of the environment's router (`gatewayAPI: {...}`), empty if none."""
    found: dict[str, Any] = env.get("cluster", "capabilities", "argoRollouts", router(env), default={}) or {}
    return found


def routed(r: Resolved) -> str | None:
    """The router this release's canary goes through, or None when its traffic follows pod counts."""
    if r.get("rollout", "strategy") != "canary" or registry.get(r.get("runtime", "kind")).workload != "pods":
        return None
    chosen = router(r.env)
    return None if chosen == NONE else chosen


def gateway_namespaces(r: Resolved) -> list[str]:
    """Where the Gateway that forwards this release's routed requests runs: its pods must be admitted."""
    if routed(r) != "gatewayAPI":
        return []
    return [str(settings(r.env)["gateway"]["namespace"])]


def service_names(release: str) -> dict[str, str]:
    return {"stable": f"{release}-stable", "canary": f"{release}-canary"}


def hostname(r: Resolved) -> str | None:
    domain = settings(r.env).get("domain")
    return f"{r.name}.{domain}" if domain else None


def _routing(r: Resolved, chosen: str) -> dict[str, Any]:
    """The Rollout's spec.strategy.canary.trafficRouting (pkg/apis/rollouts/v1alpha1/types.go)."""
    if chosen == "gatewayAPI":
        return {"plugins": {GATEWAY_API_PLUGIN: {"httpRoute": r.name, "namespace": r.env.namespace}}}
    if chosen == "istio":
        return {"istio": {"virtualService": {"name": r.name, "routes": [ISTIO_ROUTE]}}}
    if chosen == "nginx":
        return {"nginx": {"stableIngress": r.name}}
    return {"smi": {"rootService": r.name, "trafficSplitName": r.name}}


def _backends(names: dict[str, str], port: int) -> list[dict[str, Any]]:
    return [
        {"group": "", "kind": "Service", "name": names["stable"], "port": port, "weight": 100},
        {"group": "", "kind": "Service", "name": names["canary"], "port": port, "weight": 0},
    ]


def _route(r: Resolved, chosen: str, names: dict[str, str], serving: dict[str, Any]) -> dict[str, Any] | None:
    """What the route template needs; None for smi, whose TrafficSplit the controller creates."""
    declared = settings(r.env)
    host = hostname(r)
    port = serving["port"]
    if chosen == "gatewayAPI":
        gateway = declared["gateway"]
        parent = {"group": GATEWAY_GROUP, "kind": "Gateway", "name": gateway["name"], "namespace": gateway["namespace"]}
        if "sectionName" in gateway:
            parent["sectionName"] = gateway["sectionName"]
        return {"kind": "HTTPRoute", "parentRefs": [parent], "hostnames": [host], "backendRefs": _backends(names, port)}
    if chosen == "istio":
        gateways = list(declared.get("gateways", []))
        return {
            "kind": "VirtualService",
            "name": ISTIO_ROUTE,
            "hosts": [r.name, *([host] if gateways and host else [])],
            # Naming gateways replaces the implicit `mesh`: keep the in-cluster traffic routed too.
            "gateways": ["mesh", *gateways] if gateways else [],
            "route": [
                {"destination": {"host": names[side], "port": {"number": port}}, "weight": weight}
                for side, weight in (("stable", 100), ("canary", 0))
            ],
        }
    if chosen == "nginx":
        return {
            "kind": "Ingress",
            "ingressClassName": declared.get("ingressClassName", "nginx"),
            "host": host,
            "service": names["stable"],
            "portName": serving["name"],
        }
    return None


def context(r: Resolved, ports: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The templates' `traffic`: None without a router, else the Services, trafficRouting and route."""
    chosen = routed(r)
    if chosen is None:
        return None
    names = service_names(r.name)
    # The HTTP port: every pods runtime serves one named so (gRPC, where offered, stays off the route).
    serving = next((p for p in ports if p["name"] == _SERVING_PORT), ports[0])
    return {
        "router": chosen,
        "stableService": names["stable"],
        "canaryService": names["canary"],
        "trafficRouting": _routing(r, chosen),
        "route": _route(r, chosen, names, serving),
    }


def _ignores(chosen: str | None, name: str | None, namespace: str) -> list[dict[str, Any]]:
    target: dict[str, Any] = {"name": name} if name else {}
    target["namespace"] = namespace
    if chosen == "gatewayAPI":
        return [
            {
                "group": GATEWAY_GROUP,
                "kind": "HTTPRoute",
                **target,
                "jqPathExpressions": [".spec.rules[].backendRefs[].weight"],
                "jsonPointers": ["/metadata/labels/" + GATEWAY_IN_PROGRESS_LABEL.replace("/", "~1")],
            }
        ]
    if chosen == "istio":
        return [
            {
                "group": ISTIO_GROUP,
                "kind": "VirtualService",
                **target,
                "jqPathExpressions": [".spec.http[].route[].weight"],
            }
        ]
    return []


# The route kinds this module renders, by the router that mutates them.
ROUTE_KINDS = {(GATEWAY_GROUP, "HTTPRoute"): "gatewayAPI", (ISTIO_GROUP, "VirtualService"): "istio"}


def ignore_differences(release: str, namespace: str, kinds: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """What a release's Application must not diff: the weights the Rollouts controller sets.

    From the (group, kind) pairs the release rendered, not from its spec: the environment's
    Applications are rendered from each release's facts alone (generator.pipeline.units).
    """
    found = sorted({ROUTE_KINDS[k] for k in kinds if k in ROUTE_KINDS})
    return [entry for chosen in found for entry in _ignores(chosen, release, namespace)]


def environment_ignore_differences(env: Environment) -> list[dict[str, Any]]:
    """The same for every Application of an ApplicationSet: by kind, as its template cannot name each route."""
    return _ignores(router(env), None, env.namespace)

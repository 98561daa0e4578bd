"""The summary rows and the version-label collapse of `diff`, on the example's committed rendered/ objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from generator.render import emitter
from generator.render.objects import RenderedObject, RenderedTree
from generator.repo import diff, diff_summary
from tests.conftest import PROJECT

ENVIRONMENTS = ["dev", "staging", "prod"]


def unit(env: str, release: str) -> list[dict[str, Any]]:
    text = (PROJECT / f"rendered/{env}/{release}/manifest.yaml").read_text(encoding="utf-8")
    return [d for d in yaml.safe_load_all(text) if d]


def tree(units: dict[tuple[str, str], list[dict[str, Any]]]) -> RenderedTree:
    out = RenderedTree()
    for (env, release), objects in units.items():
        for obj in objects:
            key = f"rendered/{env}/{release}/{obj['kind'].lower()}-{obj['metadata']['name']}"
            path = f"rendered/{env}/{release}/manifest.yaml"
            out.objects[key] = RenderedObject(key, path, obj, emitter.dump(obj), env, "t", release)
    out.objects = dict(sorted(out.objects.items()))
    return out


def unrouted(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects as an environment without a traffic router renders them: the Rollout splits by pods."""
    out = copy.deepcopy(objects)
    for canary in [o["spec"]["strategy"].get("canary", {}) for o in out if o["kind"] == "Rollout"]:
        for key in ("trafficRouting", "canaryService", "stableService"):
            canary.pop(key, None)
    return out


def find(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(o for o in objects if o["kind"] == kind)


def bump(objects: list[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    """The objects with another version in every label and annotation that carries it (as a bump renders)."""
    out = copy.deepcopy(objects)

    def relabel(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if key == "labels" and k in diff_summary.VERSION_LABELS:
                    node[k] = version
                elif key == "annotations" and k == "modelops.io/artifact-uri":
                    node[k] = f"s3://models/x/{version}/"
                else:
                    relabel(v, k)
        elif isinstance(node, list):
            for v in node:
                relabel(v)

    relabel(out)
    return out


def test_facts_of_a_canary_without_a_router_give_the_split_the_pods_get() -> None:
    facts = diff_summary.facts(unrouted(unit("prod", "llama3-8b-chat")))
    assert facts == {
        "version": "3.1.0",
        "image": "registry.example.com/mirror/vllm/vllm-openai:v0.11.0"
        "@sha256:e44d97c0831ea25f1a5afb18388af5136e27eec77f466915df43bcd1f50f96d5",
        "artifact": "s3://models/meta-llama/llama-3.1-8b-instruct/3.1.0/"
        "@sha256:550df0e1d8540389ee7f5dde6ff95a2b1c8756658281ca2be325dade60521948",
        "replicas": "2\u20136",
        "gpus": "1",
        "strategy": "canary",
        # setWeight 10 on 2 replicas is one canary beside two stable pods; on 6, one of 7 (maxSurge 25%: 2).
        "canary": "10%→33%/14%, 50%",
    }


def test_a_routed_canary_gets_its_declared_weights() -> None:
    objects = copy.deepcopy(unit("prod", "llama3-8b-chat"))
    canary = find(objects, "Rollout")["spec"]["strategy"]["canary"]
    canary["trafficRouting"] = {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "llama3-8b-chat"}}}
    assert (diff_summary.facts(objects) or {})["canary"] == "10%, 50%"


def test_a_kserve_canary_in_progress_gets_its_declared_percent() -> None:
    objects = copy.deepcopy(unit("prod", "distilbert-sentiment"))
    find(objects, "InferenceService")["spec"]["predictor"]["canaryTrafficPercent"] = 10
    facts = diff_summary.facts(objects) or {}
    assert (facts["strategy"], facts["canary"]) == ("canary", "10%")


@pytest.mark.parametrize(
    ("env", "release", "strategy", "canary", "replicas"),
    [
        # KServe renders canaryTrafficPercent only while a canary runs (promote sets it): otherwise
        # a new revision takes all traffic once ready, and the row says so.
        ("prod", "distilbert-sentiment", "rolling", None, "2\u20134"),
        ("prod", "llama3-70b-instruct", "blue-green", None, "2\u20134"),
        ("dev", "llama3-70b-instruct", "rolling", None, "1"),
        ("prod", "toxicity-classifier", "canary", "20%→33%/17%, 60%→67%/57%", "2\u20136"),
    ],
)
def test_strategies(env: str, release: str, strategy: str, canary: str | None, replicas: str) -> None:
    facts = diff_summary.facts(unrouted(unit(env, release))) or {}
    assert (facts["strategy"], facts["canary"], facts["replicas"]) == (strategy, canary, replicas)


def test_prods_gateway_api_canary_gets_its_declared_weights() -> None:
    assert (diff_summary.facts(unit("prod", "toxicity-classifier")) or {})["canary"] == "20%, 60%"


def test_no_objects_no_facts() -> None:
    assert diff_summary.facts([]) is None


def test_version_only_ignores_the_version_labels_and_annotations_alone() -> None:
    objects = unit("dev", "llama3-8b-chat")
    bumped = bump(objects, "9.9.9")
    service, new_service = find(objects, "Service"), find(bumped, "Service")
    assert service != new_service and diff_summary.version_only(service, new_service)
    assert not diff_summary.version_only(service, service)  # equal objects are not "changed"
    new_service["spec"]["ports"][0]["port"] = 9999
    assert not diff_summary.version_only(service, new_service)
    # The pod template's labels carry the version too; the fetcher's arguments are content.
    deployment = find(bumped, "Deployment")
    assert diff_summary.version_only(find(objects, "Deployment"), deployment)
    deployment["spec"]["template"]["spec"]["initContainers"][0]["args"][1] = "s3://models/x/9.9.9/"
    assert not diff_summary.version_only(find(objects, "Deployment"), deployment)


def test_rows_and_collapse_from_compare() -> None:
    llama = unit("dev", "llama3-8b-chat")
    bumped = bump(llama, "3.2.0")
    find(bumped, "HorizontalPodAutoscaler")["spec"]["maxReplicas"] = 5
    base = tree({("dev", "llama3-8b-chat"): llama, ("dev", "bge-embeddings"): unit("dev", "bge-embeddings")})
    head = tree(
        {("dev", "llama3-8b-chat"): bumped, ("prod", "resnet50-classifier"): unit("prod", "resnet50-classifier")}
    )
    result = diff.compare(base, head, "main", order=ENVIRONMENTS)
    assert [(r.environment, r.release, r.status) for r in result.rows] == [
        ("dev", "bge-embeddings", "removed"),
        ("dev", "llama3-8b-chat", "changed"),
        ("prod", "resnet50-classifier", "added"),
    ]
    row = result.rows[1]
    assert row.changed == ["version", "artifact", "replicas"]
    assert (row.before["version"], row.after["version"]) == ("3.1.1", "3.2.0")
    assert (row.before["replicas"], row.after["replicas"]) == ("1\u20133", "1\u20135")
    dev = result.environments["dev"]
    collapsed = diff.collapsed(dev)
    # Everything but the HPA (its maxReplicas changed) differs in version labels only.
    assert [c.resource for c in collapsed["llama3-8b-chat"]] == [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in sorted(llama, key=lambda o: f"{o['kind'].lower()}-{o['metadata']['name']}")
        if o["kind"] != "HorizontalPodAutoscaler"
    ]
    hpa = next(c for c in dev if c.kind == "HorizontalPodAutoscaler" and c.status == "changed")
    assert not hpa.version_only and hpa.lines() == (3, 3)  # two version labels and maxReplicas
    report = diff.to_json(result)
    assert report["summary"][1]["fields"]["replicas"] == {"before": "1\u20133", "after": "1\u20135"}
    objects = report["environments"]["dev"]["objects"]  # type: ignore[index]
    assert {o["kind"]: (o["added"], o["removed"]) for o in objects if o["status"] == "changed"}["Service"] == (2, 2)

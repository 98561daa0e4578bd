"""The artifact in the pod: the fetcher init container (its default image, its command as the CLI parses it,
what it mounts) and pvc:// claims mounted read-only and verified in place, for pods and for KServe."""

from __future__ import annotations

from pathlib import Path

from generator import distribution
from generator.cli.fetching import fetch as fetch_command
from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from generator.validate import references
from tests.conftest import edit
from tests.render_helpers import container, example, findings, obj, pod, render

FETCHER_LINE = (
    "    fetcherImage: registry.example.com/platform/model-fetcher:1.4.2@sha256:"
    "cc4324e0eff00b36bbd6b0a25ca8e6c86ffdfcbfce0d0da1b66d4db799b5fc6c\n"
)
LLAMA_URI = "uri: s3://models/meta-llama/llama-3.1-8b-instruct/3.1.1/"
PVC_URI = "pvc://model-store/meta-llama/llama-3.1-8b-instruct/3.1.1"


def _fetcher(workload: dict) -> dict:
    (init,) = pod(workload)["initContainers"]
    assert init["name"] == "fetch-model"
    return init


def _kserve_uri(example: Path, uri: str) -> None:
    edit(example / "releases/distilbert-sentiment.yaml", "uri: s3://models/distilbert/sst2/1.2.0/", f"uri: {uri}")


def test_the_init_container_runs_modelops_fetch_as_the_cli_parses_it() -> None:
    init = _fetcher(obj(example(), "dev", "llama3-8b-chat", "Deployment"))
    assert init["command"] == ["modelops", "fetch"]
    params = fetch_command.make_context("fetch", list(init["args"])).params
    assert params["uri"] == "s3://models/meta-llama/llama-3.1-8b-instruct/3.1.1/"
    assert params["expected"] == "sha256:699d88c83fa006cba4f3c7b2aae94bb5bea48b80f8f0892e66e92d3a9246d3db"
    assert str(params["dest"]) == "/mnt/models"


def test_every_fetcher_stages_beside_dest_with_a_read_only_root_and_a_writable_tmp() -> None:
    objects = example()
    workloads = [o for o in objects.values() if o["kind"] in ("Deployment", "Rollout")]
    assert workloads
    for workload in workloads:
        init, spec = _fetcher(workload), pod(workload)
        volumes = {v["name"]: v for v in spec["volumes"]}
        security = init["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["runAsNonRoot"] is True
        assert security["allowPrivilegeEscalation"] is False and security["capabilities"] == {"drop": ["ALL"]}
        mounts = {m["mountPath"]: m for m in init["volumeMounts"]}
        # DEST is /mnt/models: its parent is on the model volume, so the staging directory can be renamed to it.
        assert mounts["/mnt"]["name"] == "model" and "readOnly" not in mounts["/mnt"]
        assert "emptyDir" in volumes["model"]
        assert "emptyDir" in volumes[mounts["/tmp"]["name"]]  # HOME and TMPDIR of the image
        server_mount = next(m for m in container(workload)["volumeMounts"] if m["name"] == "model")
        assert server_mount == {"name": "model", "mountPath": "/mnt/models", "readOnly": True, "subPath": "models"}


def test_an_environment_without_a_fetcher_image_runs_the_one_built_from_this_package(example: Path) -> None:
    edit(example / "environments/dev.yaml", FETCHER_LINE, "")
    edit(example / "environments/staging.yaml", "  artifacts:\n" + FETCHER_LINE, "  artifacts:\n")
    objects = render(example)
    assert distribution.fetcher_image() == f"ghcr.io/modelops-gitops/modelops-fetcher:v{distribution.tag()[1:]}"
    for env in ("dev", "staging"):
        assert _fetcher(obj(objects, env, "llama3-8b-chat", "Deployment"))["image"] == distribution.fetcher_image()
    assert _fetcher(obj(objects, "prod", "llama3-8b-chat", "Rollout"))["image"].startswith("registry.example.com/")


def test_an_environment_may_leave_out_artifacts_altogether(example: Path) -> None:
    text = (example / "environments/dev.yaml").read_text(encoding="utf-8")
    block = text[text.index("  artifacts:\n") : text.index("  registries:\n")]
    edit(example / "environments/dev.yaml", block, "")
    init = _fetcher(obj(render(example), "dev", "llama3-8b-chat", "Deployment"))
    assert init["image"] == distribution.fetcher_image()
    assert "envFrom" not in init  # no credentials Secret named: the image's own credential chain


def test_a_pvc_artifact_is_mounted_read_only_where_the_server_reads_it(example: Path) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", LLAMA_URI, f"uri: {PVC_URI}")
    deployment = obj(render(example), "dev", "llama3-8b-chat", "Deployment")
    volumes = {v["name"]: v for v in pod(deployment)["volumes"]}
    claim = {"claimName": "model-store", "readOnly": True}
    assert volumes["model"] == {"name": "model", "persistentVolumeClaim": claim}
    mount = {
        "name": "model",
        "mountPath": "/mnt/models",
        "readOnly": True,
        "subPath": "meta-llama/llama-3.1-8b-instruct/3.1.1",
    }
    assert mount in container(deployment)["volumeMounts"]
    init = _fetcher(deployment)
    # The fetcher sees the same read-only view and verifies it in place: `modelops fetch` with pvc:// copies nothing.
    assert init["volumeMounts"][0] == mount
    assert init["args"] == ["--uri", PVC_URI, "--digest", init["args"][3], "--dest", "/mnt/models"]
    assert "envFrom" not in init  # no object store to log in to
    configmap = obj(render(example), "dev", "llama3-8b-chat", "ConfigMap", "llama3-8b-chat-runtime")
    assert "model: /mnt/models\n" in configmap["data"]["vllm.yaml"]  # the runtime reads into the mount
    assert not [f for f in findings(example) if "llama3-8b-chat" in f and "waived" not in f]


def test_a_whole_claim_is_mounted_without_a_sub_path(example: Path) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", LLAMA_URI, "uri: pvc://llama-weights")
    deployment = obj(render(example), "dev", "llama3-8b-chat", "Deployment")
    assert {"name": "model", "mountPath": "/mnt/models", "readOnly": True} in container(deployment)["volumeMounts"]


def test_kserve_gets_the_pvc_uri_as_its_storage_uri_and_mounts_it_itself(example: Path) -> None:
    _kserve_uri(example, "pvc://model-store/distilbert/sst2/1.2.0")
    isvc = obj(render(example), "dev", "distilbert-sentiment", "InferenceService")
    assert isvc["spec"]["predictor"]["model"]["storageUri"] == "pvc://model-store/distilbert/sst2/1.2.0"
    assert "initContainers" not in isvc["spec"]["predictor"] and "volumes" not in isvc["spec"]["predictor"]


def test_oci_stays_allowed_for_kserve_only(example: Path) -> None:
    _kserve_uri(example, "oci://registry.example.com/models/sst2:1.2.0")
    assert not [f for f in findings(example) if "artifact" in f]


def test_the_claim_is_a_prerequisite_of_the_environment(example: Path) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", LLAMA_URI, f"uri: {PVC_URI}")
    _kserve_uri(example, "pvc://sst2-weights/1.2.0")
    built = compose.build(WorkTree(example))
    objects = [o for o in built.tree.objects.values() if o.environment == "dev"]
    claims = {
        r.name: r
        for r in references.collect(built.inputs.environments["dev"], objects)
        if r.kind == "PersistentVolumeClaim"
    }
    assert sorted(claims) == ["model-store", "sst2-weights"]
    assert claims["model-store"].namespace == "models-dev"
    assert claims["model-store"].fields == ("Deployment spec.template.spec.volumes.persistentVolumeClaim.claimName",)
    assert claims["sst2-weights"].fields == ("InferenceService spec.predictor.model.storageUri",)

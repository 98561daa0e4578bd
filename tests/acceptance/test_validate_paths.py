"""`modelops validate PATH...`: any Kubernetes YAML against offline schemas, as kubeconform checks it.

Driven through the real CLI (in-process, and once through the real `pre-commit`). Custom
resources are checked against CRDs this project writes itself (tests/data/crds/) and JSON
Schema files named as kubeconform reads them (tests/data/schemas/).
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from generator.schemas import kubernetes, lookup
from tests.conftest import PROJECT, Runner, write

DATA = PROJECT / "tests/data"
CRDS = DATA / "crds"
SCHEMAS = DATA / "schemas"
SARIF_SUBSET = json.loads((DATA / "sarif-subset.schema.json").read_text(encoding="utf-8"))

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
          ports:
            - containerPort: 8080
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
"""

MODEL_CACHE = """\
apiVersion: cache.modelops.io/v1alpha1
kind: ModelCache
metadata:
  name: llama
spec:
  model: meta-llama/Llama-3.1-8B-Instruct
  size: {size}
  tier: {tier}
  ttlSeconds: {ttl}
  fetcher:
    image: registry.example.com/fetcher:1.4
    retries: 3
"""


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a scratch directory, so diagnostics name files as a user typed them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def model_cache(size: str = "40Gi", tier: str = "hot", ttl: str = "3600") -> str:
    return MODEL_CACHE.format(size=size, tier=tier, ttl=ttl)


# ------------------------------------------------------------------ core kinds


def test_valid_deployment_passes_silently(cwd: Path, run: Runner) -> None:
    write(cwd / "deploy.yaml", DEPLOYMENT)
    result = run(None, "validate", "--strict", "deploy.yaml")
    assert (result.exit_code, result.out, result.err) == (0, "", "")


def test_summary_line_counts_resources_and_files(cwd: Path, run: Runner) -> None:
    write(cwd / "deploy.yaml", DEPLOYMENT + "---\n" + SERVICE)
    result = run(None, "validate", "--summary", "deploy.yaml")
    assert result.exit_code == 0
    assert result.out == "Summary: 2 resources found in 1 files - Valid: 2, Invalid: 0, Errors: 0, Skipped: 0\n"


def test_the_cycle_collector_is_off_only_while_manifests_are_read_and_checked(cwd: Path, run: Runner) -> None:
    """Reading in bulk turns it off (the values hold no cycles); afterwards it is as it was."""
    write(cwd / "deploy.yaml", DEPLOYMENT.replace("replicas: 2", "replicas: two"))
    assert gc.isenabled()
    failed = run(None, "validate", "deploy.yaml")
    assert failed.exit_code == 1
    assert failed.out.startswith("deploy.yaml:7:3: spec.replicas: ")  # placed by reading the file again
    assert gc.isenabled()
    gc.disable()
    try:
        assert run(None, "validate", "deploy.yaml").exit_code == 1
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_unknown_field_is_an_error_with_file_line_and_field_under_strict(cwd: Path, run: Runner) -> None:
    write(
        cwd / "deploy.yaml",
        DEPLOYMENT.replace("          ports:", "          imagePullPolicyy: Always\n          ports:"),
    )
    strict = run(None, "validate", "--strict", "deploy.yaml")
    assert strict.exit_code == 1
    assert strict.out.splitlines() == [
        "deploy.yaml:17:11: spec.template.spec.containers[0].imagePullPolicyy: "
        'unknown field "imagePullPolicyy" (did you mean "imagePullPolicy"?) [kubernetes-schema]'
    ]
    # Without --strict unknown fields pass, as with kubeconform (kubernetes-validate's non-strict schemas).
    assert run(None, "validate", "deploy.yaml").exit_code == 0


def test_wrong_type_is_invalid_in_both_modes(cwd: Path, run: Runner) -> None:
    write(cwd / "svc.yaml", SERVICE.replace("port: 80", 'port: "eighty"'))
    for flags in ([], ["--strict"]):
        result = run(None, "validate", *flags, "--summary", "svc.yaml")
        assert result.exit_code == 1
        assert 'svc.yaml:8:7: spec.ports[0].port: expected an integer, got "eighty" [kubernetes-schema]' in result.out
        assert result.out.endswith("Valid: 0, Invalid: 1, Errors: 0, Skipped: 0\n")


def test_duplicate_keys_fail_under_strict_and_warn_otherwise(cwd: Path, run: Runner) -> None:
    write(cwd / "deploy.yaml", DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"))
    strict = run(None, "validate", "--strict", "deploy.yaml")
    assert strict.exit_code == 1
    assert strict.out == 'deploy.yaml:8:3: spec.replicas: duplicate key "replicas" [duplicate-key]\n'
    relaxed = run(None, "validate", "-o", "json", "deploy.yaml")
    assert relaxed.exit_code == 0
    (diag,) = relaxed.json()["diagnostics"]
    assert (diag["severity"], diag["line"], diag["rule"]) == ("warning", 8, "duplicate-key")


def test_metadata_names_are_checked_as_the_api_server_does(cwd: Path, run: Runner) -> None:
    write(cwd / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n")
    result = run(None, "validate", "cm.yaml")
    assert result.exit_code == 1
    assert "cm.yaml:4:3: metadata.name: invalid name 'Bad_Name': must be a DNS-1123 subdomain" in result.out
    # generateName: the API server makes the name up, so a missing name is no finding.
    write(cwd / "job.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: settings-\n")
    assert run(None, "validate", "--strict", "job.yaml").exit_code == 0


# ------------------------------------------------------------------ what is read


def test_lists_are_expanded_and_empty_documents_skipped(cwd: Path, run: Runner) -> None:
    items = "".join("  - " + doc.replace("\n", "\n    ").rstrip() + "\n" for doc in (DEPLOYMENT, SERVICE))
    write(cwd / "all.yaml", "---\n# nothing here\n---\napiVersion: v1\nkind: List\nitems:\n" + items + "---\n")
    result = run(None, "validate", "--strict", "--summary", "all.yaml")
    assert result.exit_code == 0, result.out
    assert result.out.startswith("Summary: 2 resources found in 1 files - Valid: 2,")
    # A finding in a List item points at the item's line and names the field inside the item.
    write(cwd / "bad.yaml", "apiVersion: v1\nkind: List\nitems:\n" + items.replace("port: 80", "port: x"))
    bad = run(None, "validate", "bad.yaml")
    assert bad.exit_code == 1
    assert bad.out.startswith('bad.yaml:29:11: spec.ports[0].port: expected an integer, got "x"')


def test_directories_are_walked_for_yaml_and_json(cwd: Path, run: Runner) -> None:
    write(cwd / "k8s/app/deploy.yaml", DEPLOYMENT)
    write(cwd / "k8s/app/svc.yml", SERVICE)
    write(cwd / "k8s/raw/cm.json", json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}))
    write(cwd / "k8s/notes.txt", "not yaml: [")
    write(cwd / "k8s/.hidden/x.yaml", "not: a manifest\n")
    result = run(None, "validate", "--strict", "--summary", "k8s")
    assert result.exit_code == 0, result.out
    assert result.out.startswith("Summary: 3 resources found in 3 files - Valid: 3,")
    tap = run(None, "validate", "-o", "tap", "k8s")
    assert [line.split(" - ")[1] for line in tap.out.splitlines() if line.startswith("ok")] == [
        "k8s/app/deploy.yaml Deployment/web",
        "k8s/app/svc.yml Service/web",
        "k8s/raw/cm.json ConfigMap/c",
    ]


def test_stdin(cwd: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (SERVICE.replace("port: 80", "port: x")).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    result = run(None, "validate", "-")
    assert result.exit_code == 1
    assert result.out.startswith('stdin:8:7: spec.ports[0].port: expected an integer, got "x"')


def test_stdin_through_the_console_script(cwd: Path) -> None:
    done = subprocess.run(
        ["modelops", "validate", "--strict", "--summary", "-"], input=DEPLOYMENT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Summary: 1 resources found in 1 files - Valid: 1")


def test_unreadable_yaml_is_an_error_not_a_traceback(cwd: Path, run: Runner) -> None:
    write(cwd / "broken.yaml", DEPLOYMENT + "---\nkind: [unclosed\n")
    result = run(None, "validate", "--summary", "broken.yaml")
    assert result.exit_code == 1
    assert result.out.startswith("broken.yaml:21:")
    assert "[yaml]" in result.out.splitlines()[0]
    assert result.out.endswith("Valid: 1, Invalid: 0, Errors: 1, Skipped: 0\n")
    write(cwd / "scalar.yaml", "just a string\n")
    scalar = run(None, "validate", "scalar.yaml")
    assert scalar.exit_code == 1
    assert scalar.out.startswith("scalar.yaml:1:1: not a Kubernetes object")


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("{name: c, labels: [a]}", "cm.yaml:3:21: metadata.labels: expected a mapping, got a list"),
        ('{name: c, annotations: "text"}', 'cm.yaml:3:21: metadata.annotations: expected a mapping, got "text"'),
        ("{name: c, labels: {1: a}}", None),  # kubectl reads the key as "1": a valid label key
    ],
)
def test_malformed_labels_and_annotations_are_findings_not_crashes(
    cwd: Path, run: Runner, strict: bool, metadata: str, expected: str | None
) -> None:
    write(cwd / "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {metadata}\n")
    result = run(None, "validate", *(["--strict"] if strict else []), "cm.yaml")
    assert "internal error" not in result.err
    assert result.exit_code == (1 if expected else 0), (result.out, result.err)
    if expected:
        assert result.out.startswith(expected), result.out


def test_empty_apiversion_or_kind_is_not_an_object(cwd: Path, run: Runner) -> None:
    write(cwd / "e.yaml", 'apiVersion: ""\nkind: ConfigMap\nmetadata: {name: c}\n')
    result = run(None, "validate", "e.yaml")
    assert result.exit_code == 1
    assert result.out.startswith("e.yaml:1:1: not a Kubernetes object") and "[manifest]" in result.out


def test_aliases_are_read_but_their_expansion_is_bounded(cwd: Path, run: Runner) -> None:
    write(cwd / "a.yaml", DEPLOYMENT.replace("labels: {app: web}\nspec", "labels: &labels {app: web}\nspec"))
    assert run(None, "validate", "--strict", "a.yaml").exit_code == 0
    laughs = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 8):
        laughs += f"{chr(97 + level)}: &{chr(97 + level)} [" + ", ".join([f"*{chr(96 + level)}"] * 10) + "]\n"
    write(cwd / "lol.yaml", laughs)
    result = run(None, "validate", "lol.yaml")
    assert result.exit_code == 1
    assert "values [yaml]" in result.out and "more than" in result.out


def test_missing_path_is_a_usage_error(cwd: Path, run: Runner) -> None:
    result = run(None, "validate", "nope.yaml")
    assert (result.exit_code, result.err) == (2, "modelops: nope.yaml: no such file or directory\n")


# ------------------------------------------------------------------ options


def test_skip_by_kind_or_by_apiversion_and_kind(cwd: Path, run: Runner) -> None:
    write(cwd / "app.yaml", DEPLOYMENT.replace("replicas: 2", "replicas: two") + "---\n" + SERVICE)
    assert run(None, "validate", "app.yaml").exit_code == 1
    for skip in (["--skip", "Deployment"], ["--skip", "apps/v1/Deployment"], ["--skip", "ConfigMap,Deployment"]):
        result = run(None, "validate", "--summary", *skip, "app.yaml")
        assert result.exit_code == 0, skip
        assert result.out.endswith("Valid: 1, Invalid: 0, Errors: 0, Skipped: 1\n")
    # A different group/version does not match.
    assert run(None, "validate", "--skip", "extensions/v1beta1/Deployment", "app.yaml").exit_code == 1


def test_missing_schema_is_an_error_unless_ignored(cwd: Path, run: Runner) -> None:
    write(cwd / "cr.yaml", model_cache())
    missing = run(None, "validate", "--summary", "cr.yaml")
    assert missing.exit_code == 1
    assert missing.out.splitlines() == [
        "cr.yaml:2:1: kind: no schema for ModelCache (cache.modelops.io/v1alpha1) in Kubernetes 1.33; "
        "give its schema with --schema-location, or pass --ignore-missing-schemas [missing-schema]",
        "Summary: 1 resources found in 1 files - Valid: 0, Invalid: 0, Errors: 1, Skipped: 0",
    ]
    ignored = run(None, "validate", "--summary", "--ignore-missing-schemas", "cr.yaml")
    assert ignored.exit_code == 0
    assert ignored.out.endswith("Valid: 0, Invalid: 0, Errors: 0, Skipped: 1\n")


def test_kubernetes_version(cwd: Path, run: Runner) -> None:
    # FlowSchema flowcontrol.apiserver.k8s.io/v1beta3 was served up to 1.31: the version decides.
    write(
        cwd / "fs.yaml",
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\n"
        "spec: {priorityLevelConfiguration: {name: p}}\n",
    )
    assert run(None, "validate", "--kubernetes-version", "1.29.4", "fs.yaml").exit_code == 0
    assert run(None, "validate", "--kubernetes-version", "v1.29", "fs.yaml").exit_code == 0
    assert run(None, "validate", "--kubernetes-version", "1.33", "fs.yaml").exit_code == 1
    unsupported = run(None, "validate", "--kubernetes-version", "1.19", "fs.yaml")
    assert unsupported.exit_code == 2
    supported = ", ".join(kubernetes.supported_versions())
    assert unsupported.err == (
        f"modelops: --kubernetes-version 1.19: not supported; the bundled schemas cover {supported}\n"
    )
    assert run(None, "validate", "--kubernetes-version", "latest", "fs.yaml").exit_code == 2


def test_default_version_is_pinned_and_documented(run: Runner) -> None:
    default = lookup.DEFAULT_KUBERNETES_VERSION
    assert default in kubernetes.supported_versions()
    assert f"(default {default})" in run(None, "validate", "--help").out.replace("\n", " ").replace("  ", "")
    assert f"`{default}`" in (PROJECT / "README.md").read_text(encoding="utf-8")


def test_path_options_and_repository_options_do_not_mix(example: Path, cwd: Path, run: Runner) -> None:
    write(cwd / "deploy.yaml", DEPLOYMENT)
    assert run(example, "validate", "--summary").exit_code == 2
    assert run(example, "validate", "--skip", "Service").exit_code == 2
    assert run(example, "validate", "--env", "prod", "deploy.yaml").exit_code == 2


# ------------------------------------------------------------------ custom resources


def test_crd_yaml_is_converted_and_custom_resources_checked(cwd: Path, run: Runner) -> None:
    write(cwd / "ok.yaml", model_cache() + "---\n" + model_cache(size="1073741824", tier="null", ttl="null"))
    result = run(None, "validate", "--strict", "--summary", "--schema-location", str(CRDS), "ok.yaml")
    assert result.exit_code == 0, result.out
    assert result.out.startswith("Summary: 2 resources found in 1 files - Valid: 2,")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"size": "40 GB"}, 'spec.size: invalid value "40 GB": must match ^[0-9]+(Ki|Mi|Gi|Ti)?$'),
        ({"size": "true"}, "spec.size: expected an integer or a string, got true"),
        ({"tier": "lukewarm"}, 'spec.tier: "lukewarm" is not allowed; expected one of: hot, warm, cold, null'),
        ({"ttl": "0"}, "spec.ttlSeconds: 0 is out of range; must be more than 0"),
        ({"ttl": '"1h"'}, 'spec.ttlSeconds: expected an integer, got "1h"'),
    ],
)
def test_crd_constraints(cwd: Path, run: Runner, edit: dict[str, str], expected: str) -> None:
    write(cwd / "cr.yaml", model_cache(**edit))
    result = run(None, "validate", "--schema-location", str(CRDS), "cr.yaml")
    assert result.exit_code == 1
    assert f"cr.yaml:{7 if 'size' in edit else 8 if 'tier' in edit else 9}:3: {expected} [kubernetes-schema]" in (
        result.out
    )


def test_crd_required_fields_and_unknown_fields(cwd: Path, run: Runner) -> None:
    text = model_cache().replace("  model: meta-llama/Llama-3.1-8B-Instruct\n", "  modle: x\n")
    write(cwd / "cr.yaml", text)
    strict = run(None, "validate", "--strict", "--schema-location", str(CRDS), "cr.yaml")
    assert strict.exit_code == 1
    assert strict.out.splitlines() == [
        "cr.yaml:5:1: spec.model: missing required field [kubernetes-schema]",
        'cr.yaml:6:3: spec.modle: unknown field "modle" (did you mean "model"?) [kubernetes-schema]',
    ]
    relaxed = run(None, "validate", "--schema-location", str(CRDS), "cr.yaml")
    assert relaxed.out.splitlines() == ["cr.yaml:5:1: spec.model: missing required field [kubernetes-schema]"]


def test_preserve_unknown_fields_and_embedded_resources(cwd: Path, run: Runner) -> None:
    # fetcher preserves unknown fields (retries is not declared); the template is an embedded object.
    text = model_cache() + "  template:\n    apiVersion: apps/v1\n    kind: Deployment\n    spec: {replicas: 2}\n"
    write(cwd / "cr.yaml", text)
    assert run(None, "validate", "--strict", "--schema-location", str(CRDS), "cr.yaml").exit_code == 0
    write(cwd / "bad.yaml", text.replace("{replicas: 2}", "{replicas: 2, paused: true}"))
    bad = run(None, "validate", "--strict", "--schema-location", str(CRDS), "bad.yaml")
    assert bad.exit_code == 1
    assert 'spec.template.spec.paused: unknown field "paused"' in bad.out


def test_unserved_crd_version_has_no_schema(cwd: Path, run: Runner) -> None:
    write(cwd / "old.yaml", model_cache().replace("v1alpha1", "v1alpha0"))
    result = run(None, "validate", "--schema-location", str(CRDS), "old.yaml")
    assert result.exit_code == 1
    assert "no schema for ModelCache (cache.modelops.io/v1alpha0)" in result.out


def test_json_schema_files_named_kind_version(cwd: Path, run: Runner) -> None:
    quota = "apiVersion: quota.example.com/v1\nkind: GPUQuota\nmetadata: {name: q}\nspec: {gpus: %s}\n"
    endpoint = "apiVersion: serving.modelops.io/v1\nkind: Endpoint\nmetadata: {name: e}\nspec: {url: %s}\n"
    write(cwd / "ok.yaml", quota % "4" + "---\n" + endpoint % "https://models.example.com")
    assert run(None, "validate", "--schema-location", str(SCHEMAS), "ok.yaml").exit_code == 0
    write(cwd / "bad.yaml", quota % "-1" + "---\n" + endpoint % "http://plain")
    bad = run(None, "validate", "--schema-location", str(SCHEMAS), "bad.yaml")
    assert bad.exit_code == 1
    assert bad.out.splitlines() == [
        "bad.yaml:4:8: spec.gpus: -1 is out of range; must be at least 0 [kubernetes-schema]",
        'bad.yaml:9:8: spec.url: invalid value "http://plain": must match ^https:// [kubernetes-schema]',
    ]
    # {group}/{kind}_{version}.json matches only that group.
    write(cwd / "other.yaml", (endpoint % "x").replace("serving.modelops.io", "other.example.com"))
    assert run(None, "validate", "--schema-location", str(SCHEMAS), "other.yaml").exit_code == 1


def test_project_crd_schemas_are_known_by_default() -> None:
    done = subprocess.run(
        ["modelops", "validate", "--strict", "--summary", "rendered/prod"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in done.stdout


def test_project_crds_admit_unknown_fields_only_without_strict(cwd: Path, run: Runner) -> None:
    app = (PROJECT / "rendered/prod/_argocd/manifest.yaml").read_text(encoding="utf-8")  # an Application first
    write(cwd / "app.yaml", app.replace("\nspec:\n", "\nspec:\n  futureField: 1\n", 1))
    assert run(None, "validate", "app.yaml").exit_code == 0
    strict = run(None, "validate", "--strict", "app.yaml")
    assert strict.exit_code == 1 and 'spec.futureField: unknown field "futureField"' in strict.out


def test_unusable_schema_location_names_the_file(cwd: Path, run: Runner) -> None:
    write(cwd / "deploy.yaml", DEPLOYMENT)
    old = (
        (CRDS / "modelcache-crd.yaml")
        .read_text(encoding="utf-8")
        .replace("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1")
    )
    write(cwd / "crds/old.yaml", old)
    result = run(None, "validate", "--schema-location", "crds", "deploy.yaml")
    assert result.exit_code == 1
    assert result.err.startswith(
        "crds/old.yaml:4:1: apiVersion: only apiextensions.k8s.io/v1 CustomResourceDefinitions"
    )
    write(cwd / "schemas/widget_v1.json", '{"type": "object", "$ref": "https://example.com/remote.json"}')
    write(cwd / "w.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    remote = run(None, "validate", "--schema-location", "schemas", "w.yaml")
    assert remote.exit_code == 1
    assert remote.out.startswith("schemas/widget_v1.json: the schema of Widget does not compile")
    assert run(None, "validate", "--schema-location", "nowhere", "w.yaml").exit_code == 2


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ('"oops"', "spec.versions[0].schema: expected a mapping"),
        ("[1]", "spec.versions[0].schema: expected a mapping"),
        ("{openAPIV3Schema: 5}", "spec.versions[0].schema.openAPIV3Schema: expected a schema (a mapping)"),
    ],
)
def test_crd_with_a_malformed_schema_is_a_finding_not_a_crash(
    cwd: Path, run: Runner, schema: str, expected: str
) -> None:
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: foos.x.io}\n"
        "spec:\n  group: x.io\n  names: {kind: Foo, plural: foos}\n  scope: Namespaced\n"
        f"  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema: {schema}\n"
    )
    write(cwd / "crd.yaml", crd)
    write(cwd / "foo.yaml", "apiVersion: x.io/v1\nkind: Foo\nmetadata: {name: a}\n")
    result = run(None, "validate", "--schema-location", "crd.yaml", "foo.yaml")
    assert result.exit_code == 1, result.err
    assert result.err.startswith("crd.yaml:12:") and f"{expected} [schema-location]" in result.err


# ------------------------------------------------------------------ report formats


def _mixed(cwd: Path) -> list[str]:
    write(cwd / "k8s/deploy.yaml", DEPLOYMENT.replace("replicas: 2", "replicas: two") + "---\n" + SERVICE)
    write(cwd / "k8s/cr.yaml", model_cache())
    write(cwd / "k8s/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    return ["validate", "--skip", "ConfigMap", "k8s"]


def test_json_report(cwd: Path, run: Runner) -> None:
    result = run(None, *_mixed(cwd), "-o", "json", "--summary")
    assert result.exit_code == 1
    report = result.json()  # stdout is only the document; the summary line went to stderr
    assert result.err.startswith("Summary: 4 resources found in 3 files")
    summary = report["summary"]
    assert {k: summary[k] for k in ("resources", "files", "valid", "invalid", "notValidated", "skipped")} == {
        "resources": 4,
        "files": 3,
        "valid": 1,
        "invalid": 1,
        "notValidated": 1,
        "skipped": 1,
    }
    status = {(r["kind"], r["status"]) for r in report["resources"]}
    assert status == {
        ("Deployment", "invalid"),
        ("Service", "valid"),
        ("ModelCache", "error"),
        ("ConfigMap", "skipped"),
    }
    bad = next(d for d in report["diagnostics"] if d["rule"] == "kubernetes-schema")
    assert (bad["file"], bad["line"], bad["field"]) == ("k8s/deploy.yaml", 7, "spec.replicas")


def test_junit_report(cwd: Path, run: Runner) -> None:
    result = run(None, *_mixed(cwd), "-o", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.out)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"k8s/deploy.yaml", "k8s/cr.yaml", "k8s/cm.yaml"}
    assert root.get("tests") == "4" and root.get("failures") == "2"
    cases = {c.get("name"): c for s in suites.values() for c in s.findall("testcase")}
    assert cases["Deployment/web"].find("failure").get("type") == "kubernetes-schema"
    assert cases["ModelCache/llama"].find("failure").get("type") == "missing-schema"
    assert cases["ConfigMap/c"].find("skipped") is not None
    assert cases["Service/web"].find("failure") is None


def test_tap_report(cwd: Path, run: Runner) -> None:
    result = run(None, *_mixed(cwd), "-o", "tap")
    assert result.exit_code == 1
    lines = result.out.splitlines()
    assert lines[:2] == ["TAP version 13", "1..4"]
    points = [line for line in lines if line.startswith(("ok ", "not ok "))]
    assert [p.split(" - ")[0] for p in points] == ["not ok 1", "not ok 2", "ok 3", "ok 4"]
    assert points[-1] == "ok 4 - k8s/cm.yaml ConfigMap/c # SKIP ConfigMap is in --skip"
    # The diagnostics of a failing point follow it as a TAP 13 YAML block.
    block = lines[lines.index(next(p for p in points if "Deployment/web" in p)) + 1 :]
    assert block[0] == "  ---" and "  ..." in block
    assert '  message: "expected an integer, got \\"two\\""' in block
    assert run(None, "validate", "-o", "tap", "k8s/cm.yaml").out.splitlines()[1:] == [
        "1..1",
        "ok 1 - k8s/cm.yaml ConfigMap/c",
    ]


def test_sarif_report(cwd: Path, run: Runner) -> None:
    result = run(None, *_mixed(cwd), "-o", "sarif")
    assert result.exit_code == 1
    document = result.json()
    jsonschema.Draft202012Validator(SARIF_SUBSET).validate(document)
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"kubernetes-schema", "missing-schema"}
    where = next(r for r in results if r["ruleId"] == "kubernetes-schema")["locations"][0]["physicalLocation"]
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"]) == ("k8s/deploy.yaml", 7)


# ------------------------------------------------------------------ pre-commit


def test_pre_commit_hook(
    tmp_path: Path,
    hook_repo: tuple[Path, str],
    pre_commit_home: Path,
    pip_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    monkeypatch.setenv("PIP_CACHE_DIR", str(pip_cache))
    repo = tmp_path / "team"
    path, rev = hook_repo
    write(
        repo / ".pre-commit-config.yaml",
        f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n      - id: modelops-validate-manifests\n"
        f"        args: [--schema-location, {CRDS}]\n",
    )
    write(repo / "k8s/deploy.yaml", DEPLOYMENT)
    write(repo / "k8s/cache.yaml", model_cache())
    write(repo / "k8s/bad.yaml", SERVICE.replace("    - port: 80\n", "    - port: 80\n      prot: TCP\n"))
    write(repo / "releases/not-kubernetes.yaml", "kind: ModelRelease\n")  # excluded by the hook
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)

    def pre_commit(*files: str) -> subprocess.CompletedProcess[str]:
        command = ["pre-commit", "run", "modelops-validate-manifests", "--files", *files]
        return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=900)

    good = pre_commit("k8s/deploy.yaml", "k8s/cache.yaml", "releases/not-kubernetes.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "modelops validate (Kubernetes manifests, offline schemas)" in good.stdout and "Passed" in good.stdout
    bad = pre_commit("k8s/deploy.yaml", "k8s/bad.yaml")
    assert bad.returncode == 1
    assert 'k8s/bad.yaml:9:7: spec.ports[0].prot: unknown field "prot"' in bad.stdout
    assert "Summary: 2 resources found in 2 files - Valid: 1, Invalid: 1, Errors: 0, Skipped: 0" in bad.stdout


MULTI_SOURCE_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: someone-elses
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: https://git.example.com/charts.git
      path: web
  destination:
    server: https://kubernetes.default.svc
"""


def test_custom_resources_modelops_did_not_render_need_their_own_schema(cwd: Path, run: Runner) -> None:
    """The built-in CRD schemas describe what modelops writes; a valid multi-source Application is not that."""
    write(cwd / "app.yaml", MULTI_SOURCE_APP)
    result = run(None, "validate", "app.yaml")
    assert result.exit_code == 1
    assert "no schema for Application (argoproj.io/v1alpha1) not rendered by modelops" in result.out
    assert "spec.source" not in result.out  # not a false "missing required field"
    skipped = run(None, "validate", "--ignore-missing-schemas", "--summary", "app.yaml")
    assert skipped.exit_code == 0 and "Skipped: 1" in skipped.out
    mine = MULTI_SOURCE_APP.replace(
        "  namespace: argocd\n", "  namespace: argocd\n  labels:\n    app.kubernetes.io/managed-by: modelops\n"
    )
    write(cwd / "mine.yaml", mine)
    assert "spec.source: missing required field" in run(None, "validate", "mine.yaml").out

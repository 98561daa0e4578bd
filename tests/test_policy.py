"""Policies as data: every bundled rule against its examples, rules end to end through the CLI, waivers."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.validate.policy import engine, loader
from tests.conftest import PROJECT, Runner, edit, write

BUNDLED = loader.load(WorkTree(PROJECT))


def test_the_bundled_policies_cover_security_supply_chain_and_reliability() -> None:
    prefixes = {rule_id.rsplit("-", 1)[0] for rule_id in BUNDLED.rules}
    assert {"MO-SEC", "MO-SUP", "MO-RES", "MO-REL", "MO-NET", "MO-META"} <= prefixes
    assert len(BUNDLED.rules) >= 20


@pytest.mark.parametrize("rule_id", sorted(BUNDLED.rules))
def test_rule_examples_behave(rule_id: str) -> None:
    passing, failing = engine.check_examples(BUNDLED.rules[rule_id])
    assert passing == []
    assert failing, f"{rule_id}'s failing example passes"
    assert all(message for _, message in failing)


def test_policy_test_command_reports_an_example_that_does_not_fail(example: Path, run: Runner) -> None:
    assert run(example, "policy", "test").exit_code == 0
    edit(
        example / "policies/security.yaml",
        "      fail: {kind: Deployment, spec: {template: {spec: {securityContext: {runAsUser: 0}}}}}",
        "      fail: {kind: Deployment, spec: {template: {spec: {securityContext: {runAsNonRoot: true}}}}}",
    )
    result = run(example, "policy", "test")
    assert result.exit_code == 1
    assert "policies/security.yaml:9:5: examples: failing example passes [MO-SEC-001]" in result.err


# --- rules end to end: the finding names the file, line and field that a user fixes ---------


def test_spec_rule_points_at_the_release_line(example: Path, run: Runner) -> None:
    edit(example / "releases/toxicity-classifier.yaml", "        minReplicas: 2\n", "        minReplicas: 1\n")
    result = run(example, "validate")
    assert result.exit_code == 1
    line = next(line for line in result.out.splitlines() if "[MO-REL-001]" in line and "toxicity" in line)
    assert line.startswith("releases/toxicity-classifier.yaml:")
    assert ": spec.scaling.minReplicas: production needs scaling.minReplicas of at least 2" in line
    assert line.endswith("(in prod) [MO-REL-001]")
    assert run(example, "render").exit_code == 1  # a policy error stops the render like any other error
    assert not (example / "rendered").exists()


def test_lint_applies_spec_rules_to_the_staged_file_only(example: Path, run: Runner) -> None:
    edit(example / "releases/toxicity-classifier.yaml", "        minReplicas: 2\n", "        minReplicas: 1\n")
    bad = run(example, "lint", str(example / "releases/toxicity-classifier.yaml"))
    assert bad.exit_code == 1
    assert "[MO-REL-001]" in bad.err
    assert run(example, "lint", str(example / "releases/llama3-8b-chat.yaml")).exit_code == 0


def test_a_team_rule_on_rendered_manifests_names_the_rendered_line(example: Path, run: Runner) -> None:
    write(
        example / "policies/cost.yaml",
        """apiVersion: modelops.io/v1alpha1
kind: PolicySet
metadata:
  name: cost
rules:
  - id: ACME-COST-001
    title: Workloads carry a cost centre label
    severity: error
    layer: manifest
    match:
      kinds: [Deployment, Rollout]
      environments: [prod]
    select: $.metadata.labels
    assert:
      required: [acme.com/cost-center]
    message: label acme.com/cost-center is missing
    rationale: Finance splits the GPU bill by this label.
    examples:
      pass: {kind: Deployment, metadata: {labels: {acme.com/cost-center: "42"}}}
      fail: {kind: Deployment, metadata: {labels: {}}}
""",
    )
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 1
    found = [
        (r["file"], e["line"], e["field"])
        for r in result.json()["resources"]
        for e in r["errors"]
        if e["rule"] == "ACME-COST-001"
    ]
    prod_workloads = 6
    assert len(found) == prod_workloads - 1  # the kserve release renders an InferenceService
    assert {field for _, _, field in found} == {'metadata.labels["acme.com/cost-center"]'}
    assert all(f.startswith("rendered/prod/") and line == 6 for f, line, _ in found)  # the labels: line
    assert run(example, "policy", "explain", "ACME-COST-001").exit_code == 0


def test_registry_allowlist_comes_from_the_environment(example: Path, run: Runner) -> None:
    edit(example / "environments/staging.yaml", "    - registry.example.com/\n", "    - mirror.internal/\n")
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 1
    findings = [e for r in result.json()["resources"] for e in r["errors"] if e["rule"] == "MO-SUP-002"]
    assert findings and {f["environment"] for f in findings} == {"staging"}
    assert "is not from an allowed registry (mirror.internal/)" in findings[0]["message"]


def test_policy_levels_decide_which_rules_an_environment_gets(example: Path, run: Runner) -> None:
    listed = run(example, "policy", "list", "-o", "json").json()["environments"]
    ids = {env: {r["id"] for r in entry["rules"]} for env, entry in listed.items()}
    assert listed["prod"]["level"] == "strict"
    assert ids["dev"] < ids["staging"] < ids["prod"]
    assert "MO-REL-001" in ids["prod"] and "MO-REL-001" not in ids["staging"]


def test_explain_an_unknown_rule_suggests_the_close_one(example: Path, run: Runner) -> None:
    result = run(example, "policy", "explain", "MO-SEC-01")
    assert result.exit_code == 2
    assert "unknown rule 'MO-SEC-01'; did you mean MO-SEC-001" in result.err


# --- waivers ------------------------------------------------------------------------------


def test_a_current_waiver_turns_the_finding_into_info(example: Path, run: Runner) -> None:
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0
    waived = [f for f in result.json()["diagnostics"] if f["rule"] == "MO-REL-001"]
    assert len(waived) == 1 and waived[0]["severity"] == "info"
    assert "waived until 2027-09-30: policies/waivers.yaml:10:5" in waived[0]["message"]


def test_quiet_leaves_out_waived_findings(example: Path, run: Runner) -> None:
    assert "[MO-REL-001] (info)" in run(example, "validate").out
    quiet = run(example, "validate", "-q")
    assert quiet.exit_code == 0 and "(info)" not in quiet.out
    assert "(info)" not in run(example, "lint", "-q").out


def test_an_expired_waiver_stops_applying(example: Path, run: Runner) -> None:
    edit(example / "policies/waivers.yaml", 'expires: "2027-09-30"', 'expires: "2026-01-31"')
    result = run(example, "validate")
    assert result.exit_code == 1
    assert (
        "policies/waivers.yaml:10:5: expires: waiver for MO-REL-001 on bge-embeddings in prod expired on "
        "2026-01-31; its findings count again [policy-waiver] (warning)"
    ) in result.out
    assert "releases/bge-embeddings.yaml:41:9: spec.scaling.minReplicas: production needs" in result.out


def test_waivers_are_judged_on_the_date_given(example: Path) -> None:
    from generator.pipeline import compose

    built = compose.build(WorkTree(example))
    before = compose.validate(built, datetime.date(2027, 9, 30))
    after = compose.validate(built, datetime.date(2027, 10, 1))
    assert not before.failed() and after.failed()


def test_an_unused_waiver_is_a_warning_that_strict_turns_into_failure(example: Path, run: Runner) -> None:
    with (example / "policies/waivers.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - rule: MO-SEC-001\n    release: llama3-8b-chat\n    reason: never needed\n"
            '    owner: llm@example.com\n    expires: "2027-01-01"\n'
        )
    result = run(example, "validate")
    assert result.exit_code == 0
    assert "waiver for MO-SEC-001 on llama3-8b-chat matches no finding; remove it [policy-waiver] (warning)" in (
        result.out
    )
    assert run(example, "validate", "--strict").exit_code == 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    owner: search-platform@example.com\n",
            "",
            "policies/waivers.yaml:10:5: waivers[0].owner: missing required field [policy-file]",
        ),
        (
            '    expires: "2027-09-30"\n',
            "",
            "policies/waivers.yaml:10:5: waivers[0].expires: missing required field [policy-file]",
        ),
        (
            "  - rule: MO-REL-001\n",
            "  - rule: MO-REL-999\n",
            "policies/waivers.yaml:10:5: waivers[0].rule: unknown rule 'MO-REL-999' [policy-file]",
        ),
        (
            'expires: "2027-09-30"',
            'expires: "2027-13-01"',
            "policies/waivers.yaml:17:5: waivers[0].expires: '2027-13-01' is not a date (YYYY-MM-DD)",
        ),
    ],
    ids=["no-owner", "no-expiry", "unknown-rule", "bad-date"],
)
def test_a_malformed_waiver_stops_everything(example: Path, run: Runner, old: str, new: str, expected: str) -> None:
    edit(example / "policies/waivers.yaml", old, new)
    for command in ("validate", "render", "lint"):
        result = run(example, command)
        assert result.exit_code == 1, command
        assert expected in result.out + result.err, command
    assert not (example / "rendered").exists()


# --- malformed policy files -----------------------------------------------------------------

RULE = """apiVersion: modelops.io/v1alpha1
kind: PolicySet
metadata:
  name: extra
rules:
  - id: X-001
    title: Something
    severity: error
    layer: manifest
    select: $.spec
    assert:
      required: [replicas]
    rationale: because
    examples:
      pass: {spec: {replicas: 1}}
      fail: {spec: {}}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    select: $.spec\n",
            "    select: $.spec[\n",
            "policies/extra.yaml:10:5: rules[0].select: invalid path: cannot read '$.spec[' at character 7",
        ),
        (
            "      required: [replicas]\n",
            "      required: replicas\n",
            "policies/extra.yaml:11:5: rules[0].assert: not a valid JSON Schema",
        ),
        (
            "    title: Something\n",
            "    title: Something\n    colour: red\n",
            'policies/extra.yaml:8:5: rules[0].colour: unknown field "colour"',
        ),
        (
            "  - id: X-001\n",
            "  - id: MO-SEC-001\n",
            "policies/security.yaml:9:5: rules[0].id: rule MO-SEC-001 is also defined at policies/extra.yaml:6:5",
        ),
        (
            "    assert:\n      required: [replicas]\n",
            "    check:\n      builtin: object-present\n      with: {kinds: [Service]}\n",
            "policies/extra.yaml:11:5: rules[0].check: built-in object-present looks at all of a release's objects",
        ),
        ("    layer: manifest\n", "    layer: manifest\n  bad: [\n", "policies/extra.yaml:10:3: invalid YAML"),
    ],
    ids=["bad-jsonpath", "bad-schema-fragment", "unknown-field", "duplicate-id", "builtin-with-select", "bad-yaml"],
)
def test_a_malformed_policy_file_names_file_line_and_field(
    example: Path, run: Runner, old: str, new: str, expected: str
) -> None:
    write(example / "policies/extra.yaml", RULE.replace(old, new, 1))
    result = run(example, "render")
    assert result.exit_code == 1
    assert expected in result.err
    assert "Traceback" not in result.out + result.err
    assert not (example / "rendered").exists()
    assert run(example, "policy", "list").exit_code == 1


def test_an_expired_waiver_does_not_hide_a_current_one(example: Path, run: Runner) -> None:
    text = (example / "policies/waivers.yaml").read_text(encoding="utf-8")
    expired = (
        "waivers:\n  - rule: MO-REL-001\n    release: bge-embeddings\n    environment: prod\n"
        "    reason: the old exception, kept for the record\n    owner: search-platform@example.com\n"
        '    expires: "2026-01-31"\n'
    )
    (example / "policies/waivers.yaml").write_text(text.replace("waivers:\n", expired, 1), encoding="utf-8")
    result = run(example, "validate")
    assert result.exit_code == 0
    assert "waived until 2027-09-30" in result.out
    assert "expired on 2026-01-31" in result.out


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (
            '$schema: "https://json-schema.org/draft/2020-12/schma"\n      required: [replicas]',
            "fragments are JSON Schema 2020-12; remove $schema",
        ),
        (
            '$ref: "https://schemas.example.com/replicas.json"',
            "$ref 'https://schemas.example.com/replicas.json' points outside the fragment",
        ),
    ],
    ids=["schema-uri", "remote-ref"],
)
def test_a_fragment_that_would_fetch_a_document_is_refused(
    example: Path, run: Runner, fragment: str, expected: str
) -> None:
    write(example / "policies/extra.yaml", RULE.replace("required: [replicas]", fragment))
    result = run(example, "validate")
    assert result.exit_code == 1
    assert f"policies/extra.yaml:11:5: rules[0].assert: not a valid JSON Schema: {expected}" in result.out


# --- built-ins on whatever a template might render: findings, never crashes --------------


@pytest.mark.parametrize(
    "node",
    [
        None,
        [],
        "text",
        {"resources": None, "env": None, "image": 3},
        {"resources": {"limits": None, "requests": "x"}, "env": [None, "x", {"value": "hf_" + "a" * 32}]},
        {"resources": {"limits": {1: 2, "nvidia.com/gpu": "lots"}}},
    ],
)
def test_node_builtins_tolerate_any_node(node: object) -> None:
    from generator.validate.policy import builtins

    for check in builtins.NODE.values():
        for path, message in check(node, {}, {"registries": ["r.example.com/", 5]}):
            assert message and isinstance(path, tuple)


def test_gpu_counts_compare_as_quantities() -> None:
    from generator.validate.policy import builtins

    equal = {"resources": {"requests": {"nvidia.com/gpu": "2"}, "limits": {"nvidia.com/gpu": 2}}}
    assert builtins.NODE["gpu-limits-equal-requests"](equal, {}, {}) == []
    unequal = {"resources": {"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": "2"}}}
    assert builtins.NODE["gpu-limits-equal-requests"](unequal, {}, {})


def _workload(name: str, gpus: object, replicas: object = None) -> dict[str, object]:
    spec: dict[str, object] = {
        "template": {"spec": {"containers": [{"name": "server", "resources": {"limits": {"nvidia.com/gpu": gpus}}}]}}
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def test_the_gpu_budget_sums_every_workload_of_a_release() -> None:
    from generator.validate.policy import builtins

    budget = builtins.RELEASE["max-gpus-per-release"]
    env = {"policy": {"maxGpusPerRelease": 8}}
    assert budget([_workload("a", 2.0, "4")], {}, env) == []
    over = budget([_workload("a", "2", 3), _workload("b", 1, 3)], {}, env)
    assert over == [
        (0, ("spec",), "9 GPUs at max replicas (largest: 2 per pod x 3); the environment allows 8 per release")
    ]
    hpa_without_spec = {"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a"}}
    assert budget([_workload("a", 4, None), hpa_without_spec], {}, env) == []


def test_release_builtins_with_match_kinds_apply_only_to_releases_with_those_kinds() -> None:
    rule = BUNDLED.rules["MO-REL-002"]  # a PodDisruptionBudget must be present
    scoped = dataclasses.replace(rule, kinds=("Deployment", "Rollout"))
    inference_only = [{"kind": "InferenceService", "metadata": {"name": "m"}}]
    assert engine.check_example(rule, inference_only, {}) != []
    assert engine.check_example(scoped, inference_only, {}) == []
    assert engine.check_example(scoped, [{"kind": "Rollout", "metadata": {"name": "m"}}], {}) != []


def test_a_waiver_covers_the_releases_argo_cd_application(example: Path, run: Runner) -> None:
    edit(example / "environments/prod.yaml", "    automated: false\n", "    automated: true\n")
    failing = run(example, "validate", "-o", "json").json()
    apps = [r for r in failing["resources"] if any(e["rule"] == "MO-REL-004" for e in r["errors"])]
    assert {r["kind"] for r in apps} == {"Application"}
    with (example / "policies/waivers.yaml").open("a", encoding="utf-8") as f:
        for release in sorted({a["name"].removesuffix("-prod") for a in apps} - {"modelops"}):
            f.write(
                f"  - rule: MO-REL-004\n    release: {release}\n    environment: prod\n"
                "    reason: synced by the release train bot\n    owner: platform@example.com\n"
                '    expires: "2027-01-01"\n'
            )
    after = run(example, "validate", "-o", "json").json()
    left = [e for r in after["resources"] for e in r["errors"] if e["rule"] == "MO-REL-004" and e["severity"] != "info"]
    assert [e["file"] for e in left] == ["rendered/prod/_argocd/application-modelops-prod.yaml"]  # the root app

"""Policies through the CLI: `policy test|list|explain`, rules end to end, malformed policy files.

The rules against their own examples are in tests/unit/validate/policy/; waivers in test_waivers.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.pipeline import compose
from tests.conftest import Result, Runner, edit, write


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
    written = compose.build(WorkTree(example), cache=None).tree.files()  # validate failed: nothing on disk
    for file, line, _ in found:  # each names the labels: line of its workload, in that unit's manifest
        assert file.startswith("rendered/prod/") and file.endswith("/manifest.yaml")
        assert written[file].decode().splitlines()[line - 1] == "  labels:"
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


# --- a policy set-up that enforces nothing says so --------------------------------------------


def warnings(result: Result) -> list[tuple[str, str, str]]:
    return [(d["file"], d["rule"], d["message"]) for d in result.json()["diagnostics"] if d["severity"] == "warning"]


@pytest.mark.parametrize("layout", ["no directory", "only waivers"])
def test_no_policy_rules_is_a_warning(example: Path, run: Runner, layout: str) -> None:
    if layout == "no directory":
        shutil.rmtree(example / "policies")
        message = "no policies/ directory; no policy is enforced"
    else:
        for path in (example / "policies").glob("*.yaml"):
            if path.name != "waivers.yaml":
                path.unlink()
        write(example / "policies/waivers.yaml", "apiVersion: modelops.io/v1alpha1\nkind: WaiverList\nwaivers: []\n")
        message = "policies/ defines no rules; no policy is enforced"
    for command in ("validate", "lint"):
        result = run(example, command, "-o", "json")
        assert result.exit_code == 0, result.err
        found = warnings(result)
        assert ("policies", "policy-none", message) in found, command
        # without policies/waivers.yaml the example's example.com placeholders count again (validate only)
        others = {rule for _, rule, _ in found} - {"policy-none"}
        assert others == ({"MO-ENV-001"} if command == "validate" else set()), command
        assert run(example, command, "--strict").exit_code == 1
    assert f"policies: {message} [policy-none] (warning)" in run(example, "validate").out


def test_a_rule_whose_select_matches_nothing_is_a_warning(example: Path, run: Runner) -> None:
    edit(
        example / "policies/reliability.yaml",
        "    select: $.spec.template.spec.containers[*]\n    assert:\n",
        "    select: $.spec.template.spec.container[*]\n    assert:\n",
    )
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0, result.err
    [(line, field, message)] = [
        (d["line"], d["field"], d["message"]) for d in result.json()["diagnostics"] if d["rule"] == "policy-unmatched"
    ]
    assert (line, field) == (101, "rules[5].select")
    assert message == (
        "rule MO-REL-003: select $.spec.template.spec.container[*] matches nothing in the 15 rendered objects the "
        "rule applies to, so it enforces nothing; is a path misspelt?"
    )
    assert run(example, "validate", "--strict").exit_code == 1
    # Only a run over the whole repository can tell that a path matches nothing anywhere.
    assert [
        w for w in warnings(run(example, "validate", "--env", "dev", "-o", "json")) if w[1] == "policy-unmatched"
    ] == []


def test_a_spec_rule_whose_select_matches_nothing_is_a_warning_in_lint(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example)
    edit(example / "policies/reliability.yaml", "    select: $.scaling\n", "    select: $.scalling\n")
    expected = (
        "policies/reliability.yaml",
        "policy-unmatched",
        "rule MO-REL-001: select $.scalling matches nothing in the 6 effective specs the rule applies to, so it "
        "enforces nothing; is a path misspelt?",
    )
    for every in ((), ("releases",)):
        result = run(example, "lint", *every, "-o", "json")
        assert result.exit_code == 0, result.err
        assert warnings(result) == [expected]
        assert run(example, "lint", *every, "--strict").exit_code == 1
    # One spec is not the repository: the rule may match in the others.
    assert warnings(run(example, "lint", "releases/bge-embeddings.yaml", "-o", "json")) == []

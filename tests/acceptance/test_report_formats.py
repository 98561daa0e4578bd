"""`modelops validate -o ...` on a repository: the formats other tools read (SARIF for code scanning, JUnit XML
for CI test views, TAP, JSON)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import PROJECT, Runner, edit

# The project's own schema for what the reporter writes (tests/data): always applied, in any clone.
SARIF_SCHEMA = json.loads((PROJECT / "tests/data/sarif-subset.schema.json").read_text(encoding="utf-8"))


def sarif_errors(document: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        SARIF_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def _failing(example: Path) -> None:
    """One spec-layer policy error, one manifest-layer error with a spec origin, plus the example's waivers."""
    edit(example / "releases/toxicity-classifier.yaml", "        minReplicas: 2\n", "        minReplicas: 1\n")
    edit(example / "environments/staging.yaml", "    - registry.example.com/\n", "    - mirror.internal/\n")


def _sarif(example: Path, run: Runner) -> dict:
    result = run(example, "validate", "-o", "sarif")
    assert result.exit_code == 1
    return result.json()


def test_the_sarif_schema_is_a_schema_and_refuses_what_sarif_refuses() -> None:
    jsonschema.Draft202012Validator.check_schema(SARIF_SCHEMA)
    result = {"ruleId": "x", "ruleIndex": 0, "level": "error", "message": {"text": "m"}}
    run = {"tool": {"driver": {"name": "modelops", "rules": [{"id": "x", "shortDescription": {"text": "t"}}]}}}
    assert sarif_errors({"version": "2.1.0", "runs": [{**run, "results": [result]}]}) == []
    where = {"artifactLocation": {"uri": "releases/a b.yaml"}, "region": {"startLine": 0}}
    bad = [
        {**result, "ruleID": "x"},  # misspelt
        {**result, "level": "fatal"},
        {**result, "locations": [{"physicalLocation": where}]},  # an unescaped space, line 0
        {**result, "suppressions": [{"kind": "external"}, {"kind": "external"}]},
    ]
    for document in bad:
        assert sarif_errors({"version": "2.1.0", "runs": [{**run, "results": [document]}]}), document


def test_sarif_follows_the_schema(example: Path, run: Runner) -> None:
    _failing(example)
    assert sarif_errors(_sarif(example, run)) == []


def _at(rendered: str, pattern: str) -> list[str]:
    """`path:line:column` of every key of the checked-in rendered file matching `pattern` (the start of a line)."""
    text = (PROJECT / rendered).read_text(encoding="utf-8").splitlines()
    found = [(n, re.match(rf"^(\s*(?:- )?)({pattern})", line)) for n, line in enumerate(text, 1)]
    return [f"{rendered}:{n}:{len(m.group(1)) + 1}" for n, m in found if m]


def _where(location: dict) -> str:
    physical = location["physicalLocation"]
    region = physical["region"]
    return f"{physical['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}"


def test_sarif_results_land_on_the_exact_spec_lines_with_the_rendered_lines_related(example: Path, run: Runner) -> None:
    """Each result at the spec line that caused it, each related location at the rendered field's own line."""
    _failing(example)
    run_ = _sarif(example, run)["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    found = [
        (
            r["ruleId"],
            r["level"],
            [_where(loc) for loc in r["locations"]],
            [_where(loc) for loc in r.get("relatedLocations", [])],
            "suppressions" in r,
        )
        for r in results
        # MO-SUP-004 (the example's placeholder registry, waived) lands like MO-SUP-002: left out here
        if r["properties"].get("release") in ("toxicity-classifier", "resnet50-classifier")
        and r["ruleId"] != "MO-SUP-004"
    ]
    image = "image: "
    toxicity = "rendered/staging/toxicity-classifier/manifest.yaml"
    resnet = "rendered/staging/resnet50-classifier/manifest.yaml"
    resnet_prod = "rendered/prod/resnet50-classifier/manifest.yaml"
    writable = "readOnlyRootFilesystem: false"
    assert len(_at(toxicity, image)) == len(_at(resnet, image)) == 2  # the fetcher and the server
    assert sorted(found) == sorted(
        [
            # minReplicas: 1 in the prod block of the spec (spec layer: no rendered file)
            ("MO-REL-001", "error", ["releases/toxicity-classifier.yaml:38:9"], [], False),
            # an image outside the staging registries: one result at the spec's image line, a related
            # location per container (the fetcher and the server)
            ("MO-SUP-002", "error", ["releases/toxicity-classifier.yaml:20:5"], _at(toxicity, image), False),
            ("MO-SUP-002", "error", ["releases/resnet50-classifier.yaml:21:5"], _at(resnet, image), False),
            # waived (policies/waivers.yaml): one result at the release's name for staging and prod
            (
                "MO-SEC-006",
                "warning",
                ["releases/resnet50-classifier.yaml:5:3"],
                [*_at(resnet, writable), *_at(resnet_prod, writable)],
                True,
            ),
        ]
    )
    # the example's placeholders: waived, per environment (policies/waivers.yaml), so suppressed
    placeholders = [r for r in results if r["ruleId"] in ("MO-ENV-001", "MO-SUP-004")]
    assert placeholders and all("suppressions" in r for r in placeholders)
    # 4 lines in each environment file, but staging's registry is real (_failing)
    assert len([r for r in placeholders if r["ruleId"] == "MO-ENV-001"]) == 11
    assert len(results) - len(placeholders) == 9  # one per spec line and rule


def test_a_sarif_result_names_the_spec_field_and_its_environments(example: Path, run: Runner) -> None:
    """One result per spec line and rule, its message naming the spec field and every environment."""
    results = _sarif_ok(example, run)["runs"][0]["results"]
    waived = [r for r in results if r["ruleId"] == "MO-SEC-006"]
    assert len(waived) == 1
    assert waived[0]["properties"]["environments"] == ["staging", "prod"]  # promotion order
    assert waived[0]["message"]["text"].startswith("metadata.name: container server should run with")
    assert waived[0]["message"]["text"].endswith("(in staging, prod)")
    related = [loc["message"]["text"] for loc in waived[0]["relatedLocations"]]
    assert related == [
        "rendered Deployment/resnet50-classifier spec.template.spec.containers[0].securityContext."
        "readOnlyRootFilesystem in staging",
        "rendered Rollout/resnet50-classifier spec.template.spec.containers[0].securityContext."
        "readOnlyRootFilesystem in prod",
    ]
    # A rule with a spec source names that field, not the rendered path.
    edit(example / "environments/staging.yaml", "    - registry.example.com/\n", "    - mirror.internal/\n")
    edit(example / "environments/prod.yaml", "    - registry.example.com/\n", "    - mirror.internal/\n")
    document = _sarif(example, run)
    assert sarif_errors(document) == []
    results = document["runs"][0]["results"]
    [image] = [
        r for r in results if r["ruleId"] == "MO-SUP-002" and r["properties"]["release"] == "toxicity-classifier"
    ]
    assert image["message"]["text"].startswith("spec.runtime.image: ")
    assert image["properties"]["environments"] == ["staging", "prod"]
    assert image["properties"]["field"] == "spec.runtime.image"


def _sarif_ok(example: Path, run: Runner) -> dict:
    result = run(example, "validate", "-o", "sarif")
    assert result.exit_code == 0, result.err
    return result.json()


def test_waived_findings_are_suppressed_with_the_reason(example: Path, run: Runner) -> None:
    _failing(example)
    results = _sarif(example, run)["runs"][0]["results"]
    waived = next(r for r in results if r["ruleId"] == "MO-REL-001" and "suppressions" in r)
    assert waived["level"] == "error"  # the rule's level; the suppression says why it does not count
    assert waived["suppressions"][0]["kind"] == "external"
    assert "SEARCH-412" in waived["suppressions"][0]["justification"]


def test_sarif_of_input_errors_is_still_valid(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-8b-chat.yaml", "  runtime:", "  runtme:")
    document = _sarif(example, run)
    assert sarif_errors(document) == []
    assert [(r["ruleId"], [_where(loc) for loc in r["locations"]]) for r in document["runs"][0]["results"]] == [
        ("spec-schema", ["releases/llama3-8b-chat.yaml:9:1"]),  # spec: lacks runtime
        ("spec-schema", ["releases/llama3-8b-chat.yaml:18:3"]),  # the misspelt key
    ]


def test_junit_has_a_failing_case_per_invalid_object(example: Path, run: Runner) -> None:
    _failing(example)
    result = run(example, "validate", "-o", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.out)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert {"dev", "staging", "prod", "inputs"} <= set(suites)
    assert sum(int(s.get("tests")) for s in suites.values()) == int(root.get("tests"))
    failed = [c for c in suites["staging"].findall("testcase") if c.find("failure") is not None]
    assert failed and all(c.find("failure").get("type") == "MO-SUP-002" for c in failed)
    assert all(c.get("file").startswith("rendered/staging/") for c in failed)
    assert int(suites["staging"].get("failures")) == len(failed)
    inputs = [c for c in suites["inputs"].findall("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in inputs] == ["releases/toxicity-classifier.yaml"]


@pytest.mark.parametrize("output", ["json", "sarif", "junit"])
def test_machine_output_is_only_the_document(example: Path, run: Runner, output: str) -> None:
    result = run(example, "validate", "-o", output)
    assert result.exit_code == 0
    if output == "junit":
        ET.fromstring(result.out)
    elif output == "sarif":
        assert sarif_errors(json.loads(result.out)) == []  # the waived findings of the example
    else:
        json.loads(result.out)


def test_junit_counts_warnings_as_failures_under_strict(example: Path, run: Runner) -> None:
    with (example / "policies/waivers.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - rule: MO-SEC-001\n    release: llama3-8b-chat\n    reason: never needed\n"
            '    owner: llm@example.com\n    expires: "2027-01-01"\n'
        )
    relaxed = ET.fromstring(run(example, "validate", "-o", "junit").out)
    assert relaxed.get("failures") == "0"
    strict = run(example, "validate", "--strict", "-o", "junit")
    assert strict.exit_code == 1
    assert ET.fromstring(strict.out).get("failures") == "1"


def test_tap_works_for_the_repository_mode_too(example: Path, run: Runner) -> None:
    result = run(example, "validate", "-o", "tap")
    assert result.exit_code == 0
    plan = result.out.splitlines()[1]
    assert plan.startswith("1..") and int(plan[3:]) == result.out.count("\nok ")

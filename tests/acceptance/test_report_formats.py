"""`modelops validate -o ...` on a repository: the formats other tools read (SARIF for code scanning, JUnit XML
for CI test views, TAP, JSON)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import PROJECT, Runner, edit

SARIF_SUBSET = json.loads((PROJECT / "tests/data/sarif-subset.schema.json").read_text(encoding="utf-8"))
# The full OASIS schema is not shipped with the project; when a copy is at hand, check against it too.
FULL_SARIF = Path(os.environ.get("MODELOPS_SARIF_SCHEMA", PROJECT.parent / "shared/reference/sarif-schema-2.1.0.json"))


def _failing(example: Path) -> None:
    """One spec-layer policy error, one manifest-layer error with a spec origin, plus the example's waivers."""
    edit(example / "releases/toxicity-classifier.yaml", "        minReplicas: 2\n", "        minReplicas: 1\n")
    edit(example / "environments/staging.yaml", "    - registry.example.com/\n", "    - mirror.internal/\n")


def _sarif(example: Path, run: Runner) -> dict:
    result = run(example, "validate", "-o", "sarif")
    assert result.exit_code == 1
    return result.json()


def test_sarif_follows_the_schema(example: Path, run: Runner) -> None:
    _failing(example)
    document = _sarif(example, run)
    jsonschema.Draft202012Validator(SARIF_SUBSET).validate(document)
    if FULL_SARIF.is_file():
        full = json.loads(FULL_SARIF.read_text(encoding="utf-8"))
        jsonschema.validators.validator_for(full)(full).validate(document)


def test_sarif_results_land_on_spec_lines_with_the_rendered_file_related(example: Path, run: Runner) -> None:
    _failing(example)
    run_ = _sarif(example, run)["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    spec_rule = next(r for r in results if r["ruleId"] == "MO-REL-001" and "suppressions" not in r)
    where = spec_rule["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "releases/toxicity-classifier.yaml"
    assert where["region"]["startLine"] >= 1 and spec_rule["level"] == "error"
    registry = next(r for r in results if r["ruleId"] == "MO-SUP-002")
    assert registry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("releases/")
    related = registry["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert related.startswith("rendered/staging/")


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
    jsonschema.Draft202012Validator(SARIF_SUBSET).validate(document)
    assert {r["ruleId"] for r in document["runs"][0]["results"]} == {"spec-schema"}


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

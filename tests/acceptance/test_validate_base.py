"""`validate --base REV`: a pull request whose change skips a stage of the promotion order is a finding."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.test_report_formats import sarif_errors
from tests.conftest import Runner, edit, git

TOXICITY = "releases/toxicity-classifier.yaml"
DIGEST = "sha256:" + "ab" * 32
RULE = "MO-PROM-001"


def _findings(repo: Path, run: Runner, *args: str) -> tuple[int, list[dict]]:
    result = run(repo, "validate", "-o", "json", *args)
    found = [d for d in result.json()["diagnostics"] if d["rule"] == RULE]
    return result.exit_code, found


def _bump_release_wide(repo: Path) -> None:
    """3.0.2 -> 3.0.3 in the release-wide fields, which dev, staging and prod all take."""
    edit(repo / TOXICITY, "    version: 3.0.2\n", "    version: 3.0.3\n")
    edit(repo / TOXICITY, "toxicity-bert/3.0.2/", "toxicity-bert/3.0.3/")


def _line(repo: Path, text: str) -> int:
    lines = (repo / TOXICITY).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line == text)


def test_a_release_wide_edit_skips_stages(example_repo: Path, base: str, run: Runner) -> None:
    _bump_release_wide(example_repo)
    code, found = _findings(example_repo, run, "--base", "main")
    assert code == 1
    by_env = {d["environment"]: d for d in found}
    assert set(by_env) == {"staging", "prod"}  # dev is the first stage: anything may start there
    assert by_env["prod"]["severity"] == "error"  # prod's policy level is strict
    assert by_env["staging"]["severity"] == "warning"  # staging's is standard
    for env, source in (("staging", "dev"), ("prod", "staging")):
        finding = by_env[env]
        assert (finding["file"], finding["line"], finding["field"]) == (
            TOXICITY,
            _line(example_repo, "    version: 3.0.3"),
            "spec.model.version",
        )
        assert f"{env} promotes from {source}, which runs version 3.0.2" in finding["message"]
        assert f"modelops promote toxicity-classifier --from {source} --to {env}" in finding["message"]
    # Without --base there is nothing to compare with: the same tree validates.
    assert _findings(example_repo, run) == (0, [])


def test_the_line_is_the_environment_override_that_set_the_value(example_repo: Path, base: str, run: Runner) -> None:
    edit(
        example_repo / TOXICITY,
        "    prod:\n      scaling:\n",
        "    prod:\n      runtime:\n        image: registry.example.com/mirror/tensorflow/serving:2.19.2@"
        + DIGEST
        + "\n      scaling:\n",
    )
    code, found = _findings(example_repo, run, "--base", base)
    assert code == 1
    [finding] = found
    assert finding["environment"] == "prod"
    assert finding["field"] == "spec.environments.prod.runtime.image"
    image = "        image: registry.example.com/mirror/tensorflow/serving:2.19.2@" + DIGEST
    assert finding["line"] == _line(example_repo, image)
    assert f"at {base[:12]}" in finding["message"]  # a commit id is shortened in the message


def test_set_version_then_promote_follows_the_order(example_repo: Path, base: str, run: Runner) -> None:
    uri = "gs://ts-models/toxicity-bert/3.0.3/"
    bumped = run(
        example_repo, "set-version", "toxicity-classifier", "--version", "3.0.3", "--uri", uri, "--digest", DIGEST
    )
    assert bumped.exit_code == 0, bumped.err
    assert _findings(example_repo, run, "--base", "main") == (0, [])
    git(example_repo, "commit", "-q", "-am", "toxicity-classifier 3.0.3 in dev")
    promoted = run(example_repo, "promote", "toxicity-classifier", "--from", "dev", "--to", "staging")
    assert promoted.exit_code == 0, promoted.err
    git(example_repo, "commit", "-q", "-am", "promote toxicity-classifier 3.0.3 to staging")
    git(example_repo, "checkout", "-q", "main")
    git(example_repo, "merge", "-q", "--ff-only", "change")
    git(example_repo, "checkout", "-q", "-b", "to-prod")
    assert run(example_repo, "promote", "toxicity-classifier", "--from", "staging", "--to", "prod").exit_code == 0
    assert _findings(example_repo, run, "--base", "main") == (0, [])
    # The same pull request against the older base: staging did not run 3.0.3 there.
    code, found = _findings(example_repo, run, "--base", base)
    assert code == 1
    assert sorted((d["environment"], d["field"]) for d in found) == [
        ("prod", "spec.environments.prod.model.version"),
        ("staging", "spec.environments.staging.model.version"),
    ]


def test_a_skipped_stage_is_waivable(example_repo: Path, base: str, run: Runner) -> None:
    _bump_release_wide(example_repo)
    waivers = example_repo / "policies/waivers.yaml"
    waiver = (
        "  - rule: MO-PROM-001\n"
        "    release: toxicity-classifier\n"
        "    reason: a security fix that every stage takes at once (SEC-77)\n"
        "    owner: trust-safety@example.com\n"
        '    expires: "2026-06-30"\n'
    )
    waivers.write_text(waivers.read_text(encoding="utf-8") + waiver, encoding="utf-8")
    code, found = _findings(example_repo, run, "--base", "main")
    assert code == 0
    assert {d["environment"]: d["severity"] for d in found} == {"staging": "info", "prod": "info"}
    assert all("waived until 2026-06-30" in d["message"] for d in found)
    # Its finding exists only against a base: a run without one does not call the waiver unused.
    result = run(example_repo, "validate", "-o", "json")
    assert result.exit_code == 0
    assert not [d for d in result.json()["diagnostics"] if d["rule"] == "policy-waiver"]
    # Expired, it counts again.
    edit(waivers, '"2026-06-30"', '"2026-06-01"')
    code, found = _findings(example_repo, run, "--base", "main")
    assert code == 1
    assert {d["environment"]: d["severity"] for d in found} == {"staging": "warning", "prod": "error"}


def test_sarif_has_one_result_for_the_spec_line_listing_its_environments(
    example_repo: Path, base: str, run: Runner
) -> None:
    _bump_release_wide(example_repo)
    result = run(example_repo, "validate", "-o", "sarif", "--base", "main")
    assert result.exit_code == 1
    document = json.loads(result.out)
    assert sarif_errors(document) == []
    [found] = [r for r in document["runs"][0]["results"] if r["ruleId"] == RULE]
    assert found["level"] == "error"  # the worst of its environments
    assert found["properties"] == {
        "field": "spec.model.version",
        "environments": ["staging", "prod"],
        "release": "toxicity-classifier",
    }
    region = found["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == _line(example_repo, "    version: 3.0.3")
    text = found["message"]["text"]
    assert text.startswith("spec.model.version: ")
    assert "(in staging)" in text and "(in prod)" in text
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert rules[found["ruleIndex"]]["id"] == RULE


def test_a_new_environment_or_release_is_not_a_skipped_stage(example_repo: Path, base: str, run: Runner) -> None:
    text = (example_repo / TOXICITY).read_text(encoding="utf-8")
    (example_repo / "releases/toxicity-v2.yaml").write_text(
        text.replace("toxicity-classifier", "toxicity-v2").replace("3.0.2", "4.0.0"), encoding="utf-8"
    )
    assert _findings(example_repo, run, "--base", "main") == (0, [])


def test_base_errors(example_repo: Path, base: str, run: Runner) -> None:
    unknown = run(example_repo, "validate", "--base", "no-such-rev")
    assert unknown.exit_code == 3
    assert "unknown git revision 'no-such-rev'" in unknown.err
    paths = run(example_repo, "validate", "--base", "main", "rendered/prod")
    assert paths.exit_code == 2
    assert "--base applies to the repository" in paths.err

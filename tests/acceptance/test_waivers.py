"""Waivers in policies/waivers.yaml: current ones turn findings into info, expired and unused ones are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Runner, edit


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


def test_a_waiver_covers_the_releases_argo_cd_application(example: Path, run: Runner) -> None:
    edit(example / "environments/prod.yaml", "    automated: false\n", "    automated: true\n")
    failing = run(example, "validate", "-o", "json").json()
    apps = [r for r in failing["resources"] if any(e["rule"] == "MO-REL-004" for e in r["errors"])]
    assert {r["kind"] for r in apps} == {"Application"}
    with (example / "policies/waivers.yaml").open("a", encoding="utf-8") as f:
        for release in sorted({a["name"].removesuffix("-prod") for a in apps} - {"modelops", "modelops-prod-secrets"}):
            f.write(
                f"  - rule: MO-REL-004\n    release: {release}\n    environment: prod\n"
                "    reason: synced by the release train bot\n    owner: platform@example.com\n"
                '    expires: "2027-01-01"\n'
            )
    after = run(example, "validate", "-o", "json").json()
    left = [e for r in after["resources"] for e in r["errors"] if e["rule"] == "MO-REL-004" and e["severity"] != "info"]
    # The root app and the shared secrets' Application: the environment's own, which no release waiver covers.
    assert [e["file"] for e in left] == ["rendered/prod/_argocd/manifest.yaml"] * 2


def test_waivers_of_environments_left_out_are_not_unused(example: Path, run: Runner) -> None:
    # bge-embeddings' waiver is for prod: validating dev alone cannot use it, so it is not "unused".
    result = run(example, "validate", "--env", "dev", "--strict")
    assert "matches no finding" not in result.out
    assert result.exit_code == 0, result.out


def test_the_examples_placeholders_are_waived_per_environment(example: Path, run: Runner) -> None:
    result = run(example, "validate", "-o", "json")
    assert result.exit_code == 0 and result.json()["summary"]["warnings"] == 0
    placeholders = [f for f in result.json()["diagnostics"] if f["rule"] in ("MO-ENV-001", "MO-SUP-004")]
    assert placeholders and {f["severity"] for f in placeholders} == {"info"}
    assert {f["environment"] for f in placeholders} == {"dev", "staging", "prod"}
    assert run(example, "validate", "--strict").exit_code == 0
    # without the staging waivers, staging's placeholders are warnings again, and only those
    text = (example / "policies/waivers.yaml").read_text(encoding="utf-8")
    kept = "\n  - ".join(block for block in text.split("\n  - ") if "environment: staging" not in block)
    (example / "policies/waivers.yaml").write_text(kept + "\n", encoding="utf-8")
    result = run(example, "validate", "-o", "json")
    warned = [f for f in result.json()["diagnostics"] if f["severity"] == "warning"]
    assert warned and {(f["rule"], f["environment"]) for f in warned} == {
        ("MO-ENV-001", "staging"),
        ("MO-SUP-004", "staging"),
    }
    assert run(example, "validate", "--strict").exit_code == 1


def test_a_waiver_names_a_release_or_an_environment(example: Path, run: Runner) -> None:
    with (example / "policies/waivers.yaml").open("a", encoding="utf-8") as f:
        f.write("  - rule: MO-ENV-001\n    reason: everything, everywhere\n")
        f.write('    owner: a@example.com\n    expires: "2027-01-01"\n')
    result = run(example, "validate")
    assert result.exit_code == 1
    line = len((example / "policies/waivers.yaml").read_text(encoding="utf-8").splitlines()) - 3
    assert (
        f"policies/waivers.yaml:{line}:5: waivers[8]: needs release or environment (at least one of them) [policy-file]"
        in result.out + result.err
    )

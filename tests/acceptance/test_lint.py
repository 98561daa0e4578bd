from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli.commands import lint
from generator.inputs import yamlio
from tests.conftest import Runner, add_fleet, edit, write


def test_lint_only_the_given_files(example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(example)
    edit(example / "releases/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    assert run(example, "lint", "releases/llama3-8b-chat.yaml").exit_code == 0
    result = run(example, "lint", "releases/bge-embeddings.yaml", "releases/llama3-8b-chat.yaml")
    assert result.exit_code == 1
    assert result.err.startswith("releases/bge-embeddings.yaml:20:5: spec.runtime.kind: ")
    assert run(example, "lint").exit_code == 1  # no files: everything


def test_lint_reports_cross_field_errors_once(example: Path, run: Runner) -> None:
    edit(example / "releases/llama3-70b-instruct.yaml", "tensorParallelSize: 4", "tensorParallelSize: 2")
    result = run(example, "lint", str(example / "releases/llama3-70b-instruct.yaml"), "-o", "json")
    assert result.exit_code == 1
    (diag,) = result.json()["diagnostics"]
    assert diag["message"] == (
        "tensorParallelSize 2 must equal the GPU count 4 (resources.gpu.count) (in dev, staging, prod)"
    )
    assert (diag["line"], diag["field"]) == (23, "spec.runtime.args.tensorParallelSize")


def test_lint_refuses_files_outside_the_repository(example: Path, tmp_path: Path, run: Runner) -> None:
    assert run(example, "lint", str(tmp_path / "elsewhere.yaml")).exit_code == 2


def test_lint_a_directory_checks_the_specs_inside_it(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example)
    (example / "releases/team-a").mkdir()
    (example / "releases/bge-embeddings.yaml").rename(example / "releases/team-a/bge-embeddings.yaml")
    everything = run(example, "lint", "releases")
    assert everything.exit_code == 0, everything.err
    assert everything.out.startswith("ok: 13 files checked, ")  # 6 specs, 3 environments, 4 policy files
    assert run(example, "lint", "releases/team-a").out.startswith("ok: 8 files checked, ")
    assert run(example, "lint", ".").out.startswith("ok: 13 files checked, ")

    edit(example / "releases/team-a/bge-embeddings.yaml", "kind: triton", "kind: tritonn")
    for target in ("releases", "releases/team-a", "."):
        result = run(example, "lint", target)
        assert result.exit_code == 1, target
        assert result.err.startswith("releases/team-a/bge-embeddings.yaml:20:5: spec.runtime.kind: ")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("README.md", "README.md: not a release spec, environment or policy file; modelops lint checks those"),
        (
            "releases/.gitkeep",
            "releases/.gitkeep: not a release spec, environment or policy file; modelops lint checks",
        ),
        ("releases/gone.yaml", "releases/gone.yaml: no such file; modelops lint checks those"),
        ("templates", "templates: no release specs, environment or policy files in this directory"),
    ],
)
def test_lint_of_something_it_does_not_check_is_a_usage_error(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch, target: str, message: str
) -> None:
    monkeypatch.chdir(example)
    (example / "README.md").write_text("# GitOps\n", encoding="utf-8")
    (example / "releases/.gitkeep").write_text("", encoding="utf-8")
    (example / "templates").mkdir()
    result = run(example, "lint", target)
    assert result.exit_code == 2
    assert message in result.err
    assert "ok:" not in result.out


def test_lint_of_an_environment_or_policy_file_counts_what_it_checked(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(example)
    for target in ("environments/prod.yaml", "policies/security.yaml", "environments"):
        result = run(example, "lint", target)
        assert result.exit_code == 0, result.err
        assert result.out.startswith("ok: 7 files checked, "), target  # the environments and policies, no spec


def _waivers(names: list[str], expires: str = "2099-01-31") -> str:
    items = "".join(
        f"  - rule: MO-REL-001\n    release: {name}\n    environment: prod\n    reason: batch only\n"
        f'    owner: team@example.com\n    expires: "{expires}"\n'
        for name in names
    )
    return f"apiVersion: modelops.io/v1alpha1\nkind: WaiverList\nmetadata:\n  name: w\nwaivers:\n{items}"


def test_lint_of_one_spec_parses_only_the_waiver_files_that_can_name_it(
    example: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pre-commit hook at 200 releases: the rules and the one waiver file that names the spec are
    parsed, not the other releases' waivers; a broken waiver file is reported to the specs it names."""
    names = add_fleet(example, 200)
    for start in range(0, 200, 20):
        write(example / f"policies/waivers-fleet-{start // 20:02d}.yaml", _waivers(names[start : start + 20]))
    write(example / "policies/waivers-old.yaml", _waivers(["fleet-020"], expires="2020-01-01"))
    parsed: list[str] = []

    def counting(raw: bytes, file: str) -> yamlio.Document:
        parsed.append(file)
        return yamlio.load(raw, file)

    linted = lint.lint(example, (example / "releases/fleet-150.yaml",), read_document=counting)
    assert not linted.report.failed()
    assert parsed == [
        "policies/reliability.yaml",
        "policies/security.yaml",
        "policies/supply-chain.yaml",
        "policies/waivers-fleet-07.yaml",  # fleet-141 to fleet-160
    ]
    assert linted.checked == 1 + 3 + 15  # what it looked at: the spec, every environment and policy file

    # An expired waiver is reported to its own release's lint, and to a lint of every spec.
    monkeypatch.chdir(example)
    assert "expired" not in run(example, "lint", "releases/fleet-150.yaml").out
    assert "policies/waivers-old.yaml:6:5: expires: waiver for MO-REL-001 on fleet-020 in prod expired" in (
        run(example, "lint", "releases/fleet-020.yaml").out
    )
    assert "waivers-old.yaml" in run(example, "lint").out

    # A malformed waiver file fails the lint of each spec it names, and only those.
    edit(example / "policies/waivers-fleet-01.yaml", 'expires: "2099-01-31"', "expires: someday")
    broken = run(example, "lint", "releases/fleet-021.yaml")
    assert broken.exit_code == 1
    assert broken.err.startswith('policies/waivers-fleet-01.yaml:11:5: waivers[0].expires: invalid value "someday"')
    assert run(example, "lint", "releases/fleet-150.yaml").exit_code == 0
    assert run(example, "lint", "policies/waivers-fleet-01.yaml").exit_code == 1  # named: read whole
    assert run(example, "lint").exit_code == 1

"""`modelops explain`: each effective value of a release with the file and line that set it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROJECT, Runner, edit

RELEASE = "releases/llama3-8b-chat.yaml"


def line_of(path: Path, text: str, after: str = "") -> int:
    """1-based line of the first `text` in `path` (after the first `after`), found rather than hard-coded."""
    content = path.read_text(encoding="utf-8")
    start = content.index(after) if after else 0
    return content[: content.index(text, start)].count("\n") + 1


def rows_by_path(result_out: str) -> dict[str, list[str]]:
    """Text rows split on runs of two spaces: {path: [value, file:line, (origin)]}."""
    rows: dict[str, list[str]] = {}
    for line in result_out.splitlines()[1:]:  # the first line is the heading
        cells = [cell for cell in line.split("  ") if cell.strip()]
        rows[cells[0].strip()] = [cell.strip() for cell in cells[1:]]
    return rows


def test_environment_file_value_names_its_file_and_line(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod")
    assert result.exit_code == 0, result.err
    line = line_of(example / "environments/prod.yaml", "priorityClassName:")
    assert rows_by_path(result.out)["scheduling.priorityClassName"] == [
        '"model-serving-critical"',
        f"environments/prod.yaml:{line}",
        "(environment)",
    ]


def test_per_environment_override_names_the_override_line(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod")
    line = line_of(example / RELEASE, "maxReplicas: 6", after="    prod:")
    assert rows_by_path(result.out)["scaling.maxReplicas"] == ["6", f"{RELEASE}:{line}", "(override)"]
    # The same release in staging takes its own override, in the same file.
    staging = run(example, "explain", "llama3-8b-chat", "--env", "staging")
    line = line_of(example / RELEASE, "maxReplicas: 2", after="    staging:")
    assert rows_by_path(staging.out)["scaling.maxReplicas"] == ["2", f"{RELEASE}:{line}", "(override)"]


def test_builtin_default_names_defaults_yaml(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod")
    line = line_of(PROJECT / "generator/defaults.yaml", "scrapeTimeout:")
    assert rows_by_path(result.out)["monitoring.scrapeTimeout"] == [
        '"10s"',
        f"generator/defaults.yaml:{line}",
        "(default)",
    ]


def test_a_value_replaced_whole_is_one_row(example: Path, run: Runner) -> None:
    rows = run(example, "explain", "llama3-8b-chat", "--env", "prod", "-o", "json").json()["values"]
    by_path = {row["path"]: row for row in rows}
    metric = by_path["scaling.metric"]  # atomic mapping: one origin, never mixed with the default cpu target
    assert metric["value"] == {"type": "queue", "averageValue": "5"}
    assert (metric["origin"], metric["line"]) == ("release", line_of(example / RELEASE, "  metric:"))
    steps = by_path["rollout.canary.steps"]  # a list from the override replaces the default steps
    assert steps["origin"] == "override" and len(steps["value"]) == 4
    assert not [path for path in by_path if path.startswith(("scaling.metric.", "rollout.canary.steps["))]


def test_field_filters_by_prefix(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "scaling")
    assert result.exit_code == 0
    assert list(rows_by_path(result.out)) == ["scaling.minReplicas", "scaling.maxReplicas", "scaling.metric"]
    # A prefix is a whole field name, and a field inside a whole-replaced value selects that value.
    assert run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "scal").exit_code == 2
    inner = run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "scaling.metric.type", "-o", "json")
    assert [row["path"] for row in inner.json()["values"]] == ["scaling.metric"]
    spelled = run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "spec.scaling")
    assert spelled.out == result.out


def test_unknown_field_is_a_usage_error(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "scalng")
    assert result.exit_code == 2
    assert "no effective value matches --field scalng; top-level fields: model, runtime" in result.err


def test_json_output(example: Path, run: Runner) -> None:
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod", "-o", "json")
    assert result.exit_code == 0
    document = result.json()  # stdout holds nothing but the document
    assert (document["release"], document["environment"]) == ("llama3-8b-chat", "prod")
    row = next(r for r in document["values"] if r["path"] == "scheduling.priorityClassName")
    assert row == {
        "path": "scheduling.priorityClassName",
        "value": "model-serving-critical",
        "origin": "environment",
        "file": "environments/prod.yaml",
        "line": line_of(example / "environments/prod.yaml", "priorityClassName:"),
    }
    assert {r["origin"] for r in document["values"]} == {"default", "environment", "release", "override"}
    again = run(example, "explain", "llama3-8b-chat", "--env", "prod", "-o", "json")
    assert again.out == result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no-such-model", "--env", "prod"), "unknown release 'no-such-model'; releases/ defines: bge-embeddings,"),
        (("llama3-8b-chat", "--env", "qa"), "unknown environment 'qa'; environments/ defines: dev, staging, prod"),
        (("llama3-8b-chat",), "llama3-8b-chat is deployed to dev, staging, prod; choose one with --env ENV"),
        (("llama3-8b-chat", "--env", "prod", "-o", "yaml"), "Invalid value for '-o'"),
    ],
)
def test_usage_errors_exit_2(example: Path, run: Runner, args: tuple[str, ...], message: str) -> None:
    result = run(example, "explain", *args)
    assert result.exit_code == 2
    assert message in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_release_not_deployed_to_the_environment(example: Path, run: Runner) -> None:
    edit(example / RELEASE, "    dev: {}\n", "")
    result = run(example, "explain", "llama3-8b-chat", "--env", "dev")
    assert result.exit_code == 2
    assert "llama3-8b-chat is not deployed to dev; it is deployed to staging, prod" in result.err


def test_env_may_be_omitted_for_a_release_in_one_environment(example: Path, run: Runner) -> None:
    text = (example / RELEASE).read_text(encoding="utf-8")
    (example / RELEASE).write_text(text[: text.index("    staging:")], encoding="utf-8")
    result = run(example, "explain", "llama3-8b-chat", "-o", "json")
    assert result.exit_code == 0, result.err
    assert result.json()["environment"] == "dev"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "        maxReplicas: 6\n",
            "        maxReplicas: six\n",
            "spec.environments.prod.scaling.maxReplicas: expected an integer",
        ),
        ("    task: chat\n", "    task: [chat\n", "invalid YAML"),
    ],
)
def test_a_broken_spec_exits_1_with_file_and_line(
    example: Path, run: Runner, old: str, new: str, expected: str
) -> None:
    edit(example / RELEASE, old, new)
    result = run(example, "explain", "llama3-8b-chat", "--env", "prod")
    assert result.exit_code == 1
    assert result.err.startswith(f"{RELEASE}:") and expected in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_a_broken_spec_of_another_release_does_not_matter(example: Path, run: Runner) -> None:
    edit(example / "releases/bge-embeddings.yaml", "kind: triton", "kind: onnxruntime")
    assert run(example, "explain", "llama3-8b-chat", "--env", "prod").exit_code == 0


def test_colour_only_when_asked(example: Path, run: Runner) -> None:
    plain = run(example, "explain", "llama3-8b-chat", "--env", "prod", "--field", "scaling")
    assert "\x1b[" not in plain.out  # NO_COLOR is set for every test
    coloured = run(example, "--color", "explain", "llama3-8b-chat", "--env", "prod", "--field", "scaling")
    assert "\x1b[33m(override)\x1b[0m" in coloured.out
    # Colour codes do not shift the columns: stripped, the output is the plain one.
    assert coloured.out.replace("\x1b[33m", "").replace("\x1b[32m", "").replace("\x1b[0m", "") == plain.out


def test_readme_examples_are_the_real_output(example: Path, run: Runner) -> None:
    """Each `$ modelops explain ...` transcript in the README is what the command prints today."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Where did this value come from?") :]
    start = section.index("```\n$ modelops explain") + 4
    block = section[start : section.index("```", start)]
    transcripts = [part for part in block.split("$ modelops ") if part]
    assert transcripts
    for transcript in transcripts:
        command, _, printed = transcript.partition("\n")
        result = run(example, *command.split())
        assert result.exit_code == 0, result.err
        assert result.err + result.out == printed, command

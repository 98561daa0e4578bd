"""action.yml's shell steps, run as GitHub runs a composite action, on the example in a real git repository.

Each `run:` step is written to a file and run with `bash --noprofile --norc -eo pipefail` (GitHub's
`shell: bash`) in its working directory, with the GITHUB_* and RUNNER_* variables a runner sets
(GITHUB_OUTPUT read back after each step, as `steps.<id>.outputs`; GITHUB_ENV into the later steps'
environment), and `${{ ... }}` filled in from the inputs, the event and earlier steps' outputs.
Steps that `uses:` another action (setup-python, the SARIF upload, the sticky comment) cannot run
here: they are listed, and their `with:` is checked to name files the shell steps wrote.

The install step runs too, into a fresh venv: pip installs modelops from the action's path (a
tagged clone of this project). The venv sees this environment's packages through a .pth file, so
only modelops itself is built and installed (a few seconds); tests/acceptance/test_install.py
installs everything from scratch.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import __version__, distribution
from tests.conftest import PROJECT, Runner, edit, git, init_below, init_repo, write

ACTION = yaml.safe_load((PROJECT / "action.yml").read_text(encoding="utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
USED = [
    "actions/setup-python@v5",
    "github/codeql-action/upload-sarif@v4",
    "actions/upload-artifact@v4",
    "marocchino/sticky-pull-request-comment@v2",
]
LAST = "Fail when validate or check failed"
COMMITS = "Commits that change rendered/ carry the modelops trailers"


def install_commit_msg_hook(checkout: Path, repo: str = ".") -> None:
    """The commit-msg hook `pre-commit install` writes, in short: this modelops stamps hand commits of rendered/."""
    modelops = Path(sys.executable).parent / "modelops"
    hook = write(
        checkout / ".git/hooks/commit-msg", f'#!/bin/sh\nexec "{modelops}" --repo {repo} check --commit-msg "$1"\n'
    )
    hook.chmod(0o755)


@dataclass
class ActionRun:
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    failed: str | None = None
    summary: str = ""
    exported: dict[str, str] = field(default_factory=dict)  # what steps wrote to GITHUB_ENV

    def output(self, step: str, name: str) -> str:
        return self.outputs.get(step, {}).get(name, "")

    def uses(self, action: str) -> dict[str, str]:
        """The `with:` of the step that uses `action` (an action that cannot run here)."""
        return next(s["with"] for s in self.skipped if s["uses"] == action)


def _lookup(context: dict[str, Any], name: str) -> str:
    value: Any = context
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return ""  # as GitHub: a missing property is empty
        value = value[part]
    return str(value)


def _fill(text: str, context: dict[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: _lookup(context, m.group(1)), text)


def _read_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)


def run_action(
    workspace: Path,
    tool: Path,
    action_path: Path,
    tmp: Path,
    inputs: dict[str, str],
    base: str = "",
    step_env: dict[str, dict[str, str]] | None = None,
) -> ActionRun:
    """Run the composite action's steps in order, stopping at the first that fails (as GitHub does)."""
    event = {"pull_request": {"number": 7, "base": {"sha": base}}} if base else {}
    github: dict[str, Any] = {
        "event_name": "pull_request" if base else "push",
        "event": event,
        "workspace": str(workspace),
        "action_path": str(action_path),
    }
    defaults = {
        name: _fill(str(spec.get("default", "")), {"github": github}) for name, spec in ACTION["inputs"].items()
    }
    assert set(inputs) <= set(defaults), "an input action.yml does not declare"
    context: dict[str, Any] = {"inputs": {**defaults, **inputs}, "github": github, "steps": {}}
    context["runner"] = {"temp": str(tmp / "runner-temp")}
    (tmp / "runner-temp").mkdir()
    summary = tmp / "step-summary.md"
    summary.touch()
    done = ActionRun()
    base_env = {
        **os.environ,
        "PATH": f"{tool / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(action_path),
        "GITHUB_EVENT_NAME": github["event_name"],
        "GITHUB_SHA": git(workspace, "rev-parse", "HEAD"),
        "GITHUB_REPOSITORY": "platform/model-gitops",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": context["runner"]["temp"],
    }
    base_env.pop("PYTHONPATH", None)
    for number, step in enumerate(ACTION["runs"]["steps"]):
        name = step.get("name", f"step {number}")
        if "uses" in step:
            done.skipped.append(
                {"uses": step["uses"], "with": {k: _fill(str(v), context) for k, v in step["with"].items()}}
            )
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], f"{name}: inputs reach the script through env, never pasted into it"
        outputs = tmp / f"output-{number}"
        outputs.touch()
        exported = tmp / f"env-{number}"
        exported.touch()
        env = {**base_env, "GITHUB_OUTPUT": str(outputs), "GITHUB_ENV": str(exported)}
        env.update({k: _fill(str(v), context) for k, v in step.get("env", {}).items()})
        env.update((step_env or {}).get(name, {}))
        script = tmp / f"step-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        cwd = workspace / _fill(step.get("working-directory", "."), context)
        ran = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        done.logs[name] = ran.stdout + ran.stderr
        for line in exported.read_text(encoding="utf-8").splitlines():  # GITHUB_ENV: for the steps after this one
            key, _, value = line.partition("=")
            base_env[key] = done.exported[key] = value
        if "id" in step:
            done.outputs[step["id"]] = _read_outputs(outputs)
            context["steps"][step["id"]] = {"outputs": done.outputs[step["id"]]}
        if ran.returncode != 0:
            done.failed = name
            break
    done.summary = summary.read_text(encoding="utf-8")
    return done


@pytest.fixture(scope="module")
def action_path(hook_repo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project as `uses: owner/repo@v<version>` checks it out: a clone at the release tag."""
    clone = tmp_path_factory.mktemp("action") / "modelops"
    git(clone.parent, "clone", "-q", str(hook_repo[0]), str(clone))
    git(clone, "tag", distribution.tag())
    git(clone, "checkout", "-q", distribution.tag())
    return clone


@pytest.fixture(scope="module")
def tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv without modelops that sees this environment's packages (the dependencies) through a .pth file."""
    venv = tmp_path_factory.mktemp("tool") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = subprocess.run(
        [str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(purelib) / "dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return venv


@pytest.fixture(autouse=True)
def _shared_pip_cache(pip_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_CACHE_DIR", str(pip_cache))


@pytest.fixture
def pull_request(example_repo: Path, run: Runner) -> tuple[Path, str]:
    """The example rendered and committed on main (the base), then a branch that scales one release."""
    assert run(example_repo, "commit", "-m", "initial render").exit_code == 0
    base = git(example_repo, "rev-parse", "HEAD")
    git(example_repo, "checkout", "-q", "-b", "bump")
    edit(example_repo / "releases/llama3-8b-chat.yaml", "    maxReplicas: 3\n", "    maxReplicas: 4\n")
    assert run(example_repo, "render", "-q").exit_code == 0
    install_commit_msg_hook(example_repo)  # the hand commit of spec and render gets its trailers
    git(example_repo, "commit", "-q", "-am", "llama3-8b-chat: scale to 4")
    return example_repo, base


def test_the_action_validates_checks_and_comments_the_diff(
    pull_request: tuple[Path, str], tool: Path, action_path: Path, tmp_path: Path
) -> None:
    repo, base = pull_request
    # What actions/checkout checks out for a pull request: refs/pull/N/merge, a merge GitHub made (no trailers).
    git(repo, "checkout", "-q", "--detach", "main")
    git(repo, "merge", "-q", "--no-ff", "--no-edit", "bump")
    done = run_action(repo, tool, action_path, tmp_path, {}, base=base)
    assert done.failed is None, done.logs
    assert done.exported == {"MODELOPS_RECORDS_FROM": base}  # the base's records, not the pull request's own
    assert [s["uses"] for s in done.skipped] == USED
    assert done.output("commits", "status") == "0"
    assert done.logs[COMMITS].strip() == f"{base}..HEAD: 1 commit changes rendered/, with the modelops trailers"
    installed = subprocess.run([str(tool / "bin/modelops"), "--version"], capture_output=True, text=True)
    assert installed.stdout.strip() == f"modelops, version {__version__}"
    # The steps ran the copy pip installed from the action's path (first on PATH), not this checkout.
    where = [str(tool / "bin/python"), "-c", "import generator; print(generator.__file__)"]
    assert subprocess.run(where, capture_output=True, text=True, cwd=tmp_path).stdout.startswith(str(tool))

    sarif_file = Path(done.output("validate", "sarif"))
    sarif = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "modelops"
    assert done.output("validate", "status") == "0" and done.output("check", "status") == "0"
    upload, comment = done.uses(USED[1]), done.uses(USED[3])
    assert upload["sarif_file"] == str(sarif_file)

    diff = Path(done.output("diff", "markdown")).read_text(encoding="utf-8")
    assert diff.startswith(f"### modelops: manifests compared with `{base}`")
    assert "llama3-8b-chat" in diff and "maxReplicas" in diff and "<details>" in diff
    posted = Path(comment["path"]).read_text(encoding="utf-8")
    assert posted == diff  # short enough: nothing was cut
    # The posted body starts with the summary table: one row for llama3-8b-chat in dev.
    lines = posted.splitlines()
    assert lines[2].startswith("| release | environment | change | version | image | artifact | replicas |")
    assert lines[4].startswith("| llama3-8b-chat | dev | changed | 3.1.1 | ")
    assert "| 1\u20133 → 1\u20134 |" in lines[4]
    assert comment["header"] == "modelops-."
    assert done.summary == posted
    artifact = done.uses("actions/upload-artifact@v4")
    assert artifact == {"name": "modelops-diff", "path": done.output("diff", "markdown")}


def test_a_stale_rendered_tree_fails_after_the_findings_and_the_diff_are_published(
    example_repo: Path, run: Runner, tool: Path, action_path: Path, tmp_path: Path
) -> None:
    assert run(example_repo, "commit", "-m", "initial render").exit_code == 0
    base = git(example_repo, "rev-parse", "HEAD")
    edit(example_repo / "releases/llama3-8b-chat.yaml", "    maxReplicas: 3\n", "    maxReplicas: 4\n")
    git(example_repo, "commit", "-q", "-am", "forgot to render")
    done = run_action(example_repo, tool, action_path, tmp_path, {}, base=base)
    assert done.failed == LAST
    assert done.output("check", "status") == "1"
    assert "rendered/" in done.logs["rendered/ must be what the specs render to"]
    assert "modelops check failed" in done.logs[LAST]
    assert json.loads(Path(done.output("validate", "sarif")).read_text(encoding="utf-8"))["runs"]
    assert "maxReplicas" in Path(done.output("diff", "comment")).read_text(encoding="utf-8")


def test_a_hand_commit_without_trailers_fails_after_the_diff_is_published(
    example_repo: Path, run: Runner, tool: Path, action_path: Path, tmp_path: Path
) -> None:
    assert run(example_repo, "commit", "-m", "initial render").exit_code == 0
    base = git(example_repo, "rev-parse", "HEAD")
    edit(example_repo / "releases/llama3-8b-chat.yaml", "    maxReplicas: 3\n", "    maxReplicas: 4\n")
    assert run(example_repo, "render", "-q").exit_code == 0
    git(example_repo, "commit", "-q", "-am", "scaled by hand, no hook")
    hand = git(example_repo, "rev-parse", "--short=12", "HEAD")
    done = run_action(example_repo, tool, action_path, tmp_path, {}, base=base)
    assert done.failed == LAST
    assert done.output("check", "status") == "0" and done.output("commits", "status") == "1"
    assert f"  {hand} scaled by hand, no hook: no Rendered-By" in done.logs[COMMITS]
    assert "git commit --amend --no-edit --trailer" in done.logs[COMMITS]
    assert (
        "modelops check --commits failed: a commit changes rendered/ without the modelops trailers" in done.logs[LAST]
    )
    assert "maxReplicas" in Path(done.output("diff", "comment")).read_text(encoding="utf-8")


def test_fail_level_and_environments_reach_validate(
    pull_request: tuple[Path, str], tool: Path, action_path: Path, tmp_path: Path
) -> None:
    repo, base = pull_request
    # A rule that selects nothing anywhere is a warning, and only a run over every environment sees it.
    edit(
        repo / "policies/reliability.yaml",
        "    select: $.spec.template.spec.containers[*]\n    assert:\n",
        "    select: $.spec.template.spec.container[*]\n    assert:\n",
    )
    git(repo, "commit", "-q", "-am", "misspelt select")
    runs = {}
    for level, envs in [("error", ""), ("warning", ""), ("error", "staging prod")]:
        (tmp_path / f"{level}-{envs}").mkdir()
        inputs = {"fail-level": level, "environments": envs}
        runs[level, envs] = run_action(repo, tool, action_path, tmp_path / f"{level}-{envs}", inputs, base=base)
    assert runs["error", ""].failed is None
    strict = runs["warning", ""]
    assert strict.failed == LAST and strict.output("validate", "status") == "1"
    assert "policy-unmatched" in strict.logs["Validate specs, Kubernetes schemas, GPU capacity and policies"]
    assert "policy-unmatched" in {r["ruleId"] for r in _results(strict)}
    # The pull request scales llama3-8b-chat in dev only (staging and prod set their own replicas).
    everywhere = Path(runs["error", ""].output("diff", "markdown")).read_text(encoding="utf-8")
    assert re.findall(r"^#### (\w+):", everywhere, re.M) == ["dev"]
    later = runs["error", "staging prod"]
    assert later.failed is None
    assert "No manifest changes." in Path(later.output("diff", "markdown")).read_text(encoding="utf-8")
    validated = later.logs["Validate specs, Kubernetes schemas, GPU capacity and policies"]
    assert validated == ""  # no findings: the text report is only printed for a failing run
    # Only a run over every environment can tell that a select matches nothing anywhere.
    assert "policy-unmatched" in {r["ruleId"] for r in _results(runs["error", ""])}
    assert "policy-unmatched" not in {r["ruleId"] for r in _results(later)}


def _results(done: ActionRun) -> list[dict[str, Any]]:
    sarif = json.loads(Path(done.output("validate", "sarif")).read_text(encoding="utf-8"))
    return list(sarif["runs"][0]["results"])


def test_a_bad_fail_level_stops_the_action(
    pull_request: tuple[Path, str], tool: Path, action_path: Path, tmp_path: Path
) -> None:
    repo, base = pull_request
    done = run_action(repo, tool, action_path, tmp_path, {"fail-level": "fatal"}, base=base)
    assert done.failed == "Validate specs, Kubernetes schemas, GPU capacity and policies"
    assert "fail-level must be error or warning, not 'fatal'" in done.logs[done.failed]


def test_a_diff_too_long_for_a_comment_keeps_its_summary(
    pull_request: tuple[Path, str], tool: Path, action_path: Path, tmp_path: Path
) -> None:
    repo, base = pull_request
    done = run_action(
        repo, tool, action_path, tmp_path, {}, base=base, step_env={"Manifest diff": {"COMMENT_LIMIT": "1200"}}
    )
    assert done.failed is None, done.logs
    comment = Path(done.output("diff", "comment")).read_text(encoding="utf-8")
    assert len(comment) <= 1200
    assert comment.splitlines()[4].startswith("| llama3-8b-chat | dev | changed |") and "<details>" not in comment
    assert comment.splitlines()[-1].startswith("_Cut to stay under 1,200 characters: 1 object in 1 environment (dev)")
    assert done.summary == comment  # the job summary too: summary table first
    whole = Path(done.output("diff", "markdown")).read_text(encoding="utf-8")
    assert "<details>" in whole and "_Cut to stay under" not in whole  # the artifact holds everything


def test_without_a_base_there_is_no_diff_and_no_comment(
    pull_request: tuple[Path, str], tool: Path, action_path: Path, tmp_path: Path
) -> None:
    repo, _ = pull_request
    done = run_action(repo, tool, action_path, tmp_path, {})
    assert done.failed is None, done.logs
    assert done.exported == {}  # no base to take records from: the clone's own origin/HEAD, if any
    assert done.output("diff", "comment") == "" and done.summary == ""
    assert "no diff" in done.logs["Manifest diff"]
    assert "no commits to check" in done.logs[COMMITS] and done.output("commits", "status") == "0"


def test_a_repository_in_a_subdirectory_is_located_from_the_checkout(
    tmp_path: Path, run: Runner, tool: Path, action_path: Path
) -> None:
    checkout = init_repo(write(tmp_path / "checkout/README.md", "the platform team's repository\n").parent)
    sub = init_below(checkout, run)
    base = git(checkout, "rev-parse", "HEAD")
    edit(sub / "releases/text-classifier.yaml", "maxReplicas: 4", "maxReplicas: 5")
    edit(
        sub / "policies/reliability.yaml",
        "    select: $.spec.template.spec.containers[*]\n    assert:\n",
        "    select: $.spec.template.spec.container[*]\n    assert:\n",
    )
    assert run(sub, "render", "-q").exit_code == 0
    install_commit_msg_hook(checkout, "deploy/models")  # hooks run at the top of the work tree
    git(checkout, "commit", "-q", "-am", "scale, and a misspelt select")
    (tmp_path / "runner").mkdir()
    done = run_action(checkout, tool, action_path, tmp_path / "runner", {"working-directory": "deploy/models"}, base)
    assert done.failed is None, done.logs
    locations = [
        loc["physicalLocation"]["artifactLocation"]["uri"] for r in _results(done) for loc in r.get("locations", [])
    ]
    assert "deploy/models/policies/reliability.yaml" in locations
    assert all(uri.startswith("deploy/models/") for uri in locations)
    assert "HorizontalPodAutoscaler/text-classifier" in Path(done.output("diff", "markdown")).read_text("utf-8")
    assert done.uses(USED[3])["header"] == "modelops-deploy/models"
    assert done.uses("actions/upload-artifact@v4")["name"] == "modelops-diff-deploy-models"
    assert done.output("commits", "status") == "0" and "1 commit changes rendered/" in done.logs[COMMITS]

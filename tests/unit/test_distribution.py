"""Every place that pins a release of modelops names the repository and the tag generator.distribution names."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from generator import __version__, distribution
from generator.cli import scaffolding
from tests.conftest import PROJECT

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def _yaml(relative: str) -> Any:
    return yaml.safe_load((PROJECT / relative).read_text(encoding="utf-8"))


def test_a_release_is_the_tag_v_version() -> None:
    assert distribution.tag() == f"v{__version__}"
    assert distribution.tag("1.2.3") == "v1.2.3"
    assert distribution.pip_requirement("file:///src", "1.2.3") == "git+file:///src@v1.2.3"
    assert distribution.pip_requirement(extras=("fetch",)) == (
        f"modelops-gitops[fetch] @ git+{distribution.REPOSITORY}@v{__version__}"
    )


def test_pyproject_names_the_repository_and_the_version() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == distribution.NAME
    assert project["version"] == __version__
    assert project["urls"]["Repository"] == distribution.REPOSITORY
    assert f"https://github.com/{distribution.ACTION}" == distribution.REPOSITORY
    assert project["readme"] == "README.md" and project["description"]
    assert any(c.startswith("License :: ") for c in project["classifiers"])


def test_the_workflow_init_writes_pins_this_release() -> None:
    workflow = yaml.safe_load(scaffolding.files()[scaffolding.WORKFLOW_TARGET])
    uses = [step.get("uses") for step in workflow["jobs"]["pull-request"]["steps"]]
    assert f"{distribution.ACTION}@{distribution.tag()}" in uses
    runs = [step.get("run", "") for step in workflow["jobs"]["publish"]["steps"]]
    assert f'python -m pip install "{distribution.pip_requirement()}"' in runs
    # No other place in it names a version.
    text = scaffolding.files()[scaffolding.WORKFLOW_TARGET].decode()
    assert set(re.findall(r"modelops@(v[\w.]+)", text)) == {distribution.tag()}


def test_the_readme_pre_commit_example_uses_this_release_and_the_hooks_init_writes() -> None:
    block = README.split("# .pre-commit-config.yaml of the GitOps repository\n", 1)[1].split("```", 1)[0]
    [repo] = yaml.safe_load(block)["repos"]
    assert repo["repo"] == distribution.REPOSITORY
    assert repo["rev"] == distribution.tag()
    written = yaml.safe_load(scaffolding.files()[".pre-commit-config.yaml"])["repos"][0]["hooks"]
    assert [h["id"] for h in repo["hooks"]] == [h["id"] for h in written]
    shipped = {h["id"] for h in _yaml(".pre-commit-hooks.yaml")}
    assert {h["id"] for h in repo["hooks"]} <= shipped
    for hook_id in shipped:
        assert f"id: {hook_id}" in README, hook_id


def test_the_shipped_hooks_file_shows_the_same_pin() -> None:
    text = (PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"#   - repo: {distribution.REPOSITORY}\n#     rev: {distribution.tag()}\n" in text


def test_the_readme_installs_and_uses_this_release() -> None:
    assert f'pip install "{distribution.pip_requirement()}"' in README
    assert f'pip install "{distribution.pip_requirement(extras=("fetch",))}"' in README
    assert f"uses: {distribution.ACTION}@{distribution.tag()}" in README
    assert "git+file:///path/to/modelops@" + distribution.tag() in README
    for pinned in re.findall(r"modelops@(v\d[\w.]*)", README):
        assert pinned == distribution.tag()


def test_the_action_installs_itself_and_the_changelog_has_unreleased_notes() -> None:
    action = _yaml("action.yml")
    assert action["runs"]["using"] == "composite"
    runs = [step.get("run", "") for step in action["runs"]["steps"]]
    assert any('pip install --disable-pip-version-check "$GITHUB_ACTION_PATH"' in r for r in runs)
    changelog = (PROJECT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "\n## [Unreleased]\n" in changelog


def test_the_readme_init_writes_installs_this_release() -> None:
    readme = scaffolding.files()["README.md"].decode()
    assert f'pip install "{distribution.pip_requirement()}"' in readme
    assert f"[modelops]({distribution.REPOSITORY})" in readme


def test_the_readme_names_this_release_s_fetcher_image() -> None:
    assert f"`{distribution.fetcher_image()}`" in README
    assert distribution.fetcher_image().startswith(f"ghcr.io/{distribution.ACTION.split('/')[0]}/")
    assert set(re.findall(r"modelops-fetcher:(v[\w.]+)", README)) == {distribution.tag()}

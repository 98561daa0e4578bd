"""A fresh clone starts from git's index and the trusted revision's committed records.

Each case pushes the rendered example to a bare remote on disk, clones it as a CI job would,
and counts the units the first run renders and the files it reads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.pipeline import compose, incremental
from generator.repo import writer
from tests.conftest import TODAY, Runner, copy_example, edit, git

ALL = 24  # the example's units: 18 release deployments, 3 _argocd, 3 _shared


def _clone(remote: Path, where: Path, branch: str = "main") -> Path:
    git(where.parent, "clone", "-q", "-b", branch, str(remote), where.name)
    return where


def _first(clone: Path, write: bool = False) -> incremental.Outcome:
    outcome = incremental.evaluate(clone, write=write, today=TODAY)
    assert outcome is not None
    # Whatever it started from, the report is the whole pipeline's.
    assert outcome.report.to_json() == compose.validate(compose.build(WorkTree(clone), cache=None), TODAY).to_json()
    return outcome


@pytest.fixture
def published(example_repo: Path, remote: Path, run: Runner) -> Path:
    """The example rendered, committed and pushed to origin's main."""
    assert run(example_repo, "commit", "-q").exit_code == 0
    git(example_repo, "push", "-q", "origin", "main")
    return remote


def _pull_request(example_repo: Path, run: Runner, branch: str = "change") -> None:
    """A branch that changes one release, rendered and committed, pushed."""
    git(example_repo, "checkout", "-q", "-b", branch)
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(example_repo, "commit", "-q", "-am", "bge: five replicas at most")
    assert run(example_repo, "commit", "-q").exit_code == 0
    git(example_repo, "push", "-q", "origin", branch)


def test_a_fresh_clone_renders_and_reads_nothing_when_nothing_changed(published: Path, tmp_path: Path) -> None:
    clone = _clone(published, tmp_path / "ci")
    outcome = _first(clone)
    assert outcome.rendered == 0
    assert outcome.stamps.read == 0  # git's index vouched for every file
    assert outcome.out_of_date == []


def test_a_pull_request_clone_renders_only_the_units_it_changed(
    example_repo: Path, published: Path, tmp_path: Path, run: Runner
) -> None:
    _pull_request(example_repo, run)
    clone = _clone(published, tmp_path / "ci", "change")
    outcome = _first(clone)
    assert outcome.rendered == 3  # bge-embeddings in dev, staging and prod: its records are the branch's own
    assert outcome.out_of_date == []
    assert run(clone, "check").exit_code == 0


@pytest.mark.parametrize("claims", ["the current rules", "other rules"])
def test_a_record_a_pull_request_edits_is_not_trusted(
    example_repo: Path, published: Path, tmp_path: Path, run: Runner, claims: str
) -> None:
    record = example_repo / "rendered/prod/llama3-70b-instruct/modelops.record"
    planted = re.sub(r'"node":\[\n.*?\n \]', '"node":[]', record.read_text(), flags=re.S)
    assert planted != record.read_text()  # the unit has findings to hide
    if claims == "other rules":  # findings the tool would keep as they are, were the record its own
        planted = re.sub(r'"policies":"[0-9a-f]+"', '"policies":"' + "0" * 64 + '"', planted)
    git(example_repo, "checkout", "-q", "-b", "planted")
    record.write_text(planted)
    git(example_repo, "commit", "-q", "-am", "hide the findings")
    git(example_repo, "push", "-q", "origin", "planted")
    clone = _clone(published, tmp_path / "ci", "planted")
    outcome = _first(clone)  # the report holds the findings the record hid
    assert outcome.rendered == 1
    assert outcome.out_of_date == ["rendered/prod/llama3-70b-instruct"]
    checked = run(clone, "check")
    assert checked.exit_code == 1
    assert "changed  rendered/prod/llama3-70b-instruct/modelops.record" in checked.err


def test_without_a_trusted_revision_everything_renders(published: Path, tmp_path: Path) -> None:
    clone = _clone(published, tmp_path / "ci")
    git(clone, "remote", "set-head", "origin", "--delete")
    assert _first(clone).rendered == ALL


def test_records_from_names_the_trusted_revision(
    example_repo: Path, published: Path, tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pull_request(example_repo, run)
    clone = _clone(published, tmp_path / "ci", "change")
    git(clone, "remote", "set-head", "origin", "--delete")  # as a CI checkout of a merge ref has none
    monkeypatch.setenv("MODELOPS_RECORDS_FROM", "HEAD~2")  # the base: the spec commit and the render sit on it
    assert _first(clone).rendered == 3
    monkeypatch.setenv("MODELOPS_RECORDS_FROM", "HEAD")  # the branch itself: then its own records are trusted
    assert _first(clone).rendered == 0


def test_records_from_a_revision_that_is_not_there_is_a_usage_error(
    published: Path, tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    clone = _clone(published, tmp_path / "ci")
    monkeypatch.setenv("MODELOPS_RECORDS_FROM", "origin/nowhere")
    checked = run(clone, "check")
    assert checked.exit_code == 2
    assert "MODELOPS_RECORDS_FROM='origin/nowhere' names no commit here" in checked.err
    assert "Traceback" not in checked.err


def test_records_of_other_library_versions_render_again_and_stay_as_they_are(
    example_repo: Path, remote: Path, tmp_path: Path, run: Runner
) -> None:
    assert run(example_repo, "commit", "-q").exit_code == 0
    for record in (example_repo / "rendered").glob("*/*/modelops.record"):
        data = json.loads(record.read_text())
        record.write_text(record.read_text().replace(json.dumps(data["libraries"]), '"jinja2==0.0"'))
    git(example_repo, "commit", "-q", "-am", "records of another machine")
    git(example_repo, "push", "-q", "origin", "main")
    clone = _clone(remote, tmp_path / "ci")
    outcome = _first(clone, write=True)
    assert outcome.rendered == ALL
    assert outcome.tree.scopes == []  # the same results: nothing to write
    assert writer.plan(clone, outcome.tree, outcome.desired).empty


def test_a_policy_rule_change_needs_no_render_and_re_evaluates_every_unit(
    example_repo: Path, published: Path, tmp_path: Path, run: Runner
) -> None:
    edit(example_repo / "policies/reliability.yaml", "title: Production waits for a manual sync", "title: Manual")
    git(example_repo, "commit", "-q", "-am", "retitle a rule")
    assert run(example_repo, "check").exit_code == 0  # rendered/ holds: nothing to commit there
    git(example_repo, "push", "-q", "origin", "main")
    clone = _clone(published, tmp_path / "ci")
    outcome = _first(clone)
    assert outcome.rendered == ALL  # the records' findings are of the old rules
    assert outcome.out_of_date == []
    # Refreshed once, in one commit, the records serve fresh clones again.
    assert run(example_repo, "render", "-q", "--refresh-records").exit_code == 0
    changed = git(example_repo, "status", "--porcelain").splitlines()
    assert len(changed) == ALL and all(line.endswith("/modelops.record") for line in changed)
    assert run(example_repo, "commit", "-q").exit_code == 0
    git(example_repo, "push", "-q", "origin", "main")
    assert _first(_clone(published, tmp_path / "ci2")).rendered == 0
    assert run(example_repo, "render", "--env", "dev", "--refresh-records").exit_code == 2


def test_a_hand_edit_in_a_fresh_clone_is_seen(published: Path, tmp_path: Path, run: Runner) -> None:
    clone = _clone(published, tmp_path / "ci")
    manifest = clone / "rendered/dev/bge-embeddings/manifest.yaml"
    manifest.write_text(manifest.read_text().replace("models-dev", "models-dex", 1))
    outcome = _first(clone)
    assert outcome.out_of_date == ["rendered/dev/bge-embeddings"]
    assert outcome.stamps.read == 1  # git said that one file differs from its index
    assert run(clone, "check").exit_code == 1


def test_a_symlinked_spec_is_left_to_the_whole_pipeline(
    example_repo: Path, remote: Path, tmp_path: Path, run: Runner
) -> None:
    """A link's stamp would not see its target change: trusted records would then hide the edit."""
    (example_repo / "specs").mkdir()
    spec = example_repo / "releases/llama3-8b-chat.yaml"
    (example_repo / "specs/llama3-8b-chat.yaml").write_bytes(spec.read_bytes())
    spec.unlink()
    spec.symlink_to("../specs/llama3-8b-chat.yaml")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "the spec lives elsewhere")
    assert run(example_repo, "commit", "-q").exit_code == 0
    git(example_repo, "push", "-q", "origin", "main")
    git(example_repo, "checkout", "-q", "-b", "zero")
    edit(example_repo / "specs/llama3-8b-chat.yaml", "minReplicas: 1", "minReplicas: 0")
    git(example_repo, "commit", "-q", "-am", "scale to zero")
    git(example_repo, "push", "-q", "origin", "zero")
    clone = _clone(remote, tmp_path / "ci", "zero")
    assert incremental.evaluate(clone, write=False) is None
    validated = run(clone, "validate")
    assert validated.exit_code == 1
    assert "releases/llama3-8b-chat.yaml:" in validated.out + validated.err
    assert "minReplicas must be at least 1" in validated.out + validated.err


def test_a_pull_request_rendered_with_other_library_versions_passes_check(
    example_repo: Path, published: Path, tmp_path: Path, run: Runner
) -> None:
    _pull_request(example_repo, run)
    for record in (example_repo / "rendered").glob("*/bge-embeddings/modelops.record"):  # as its author wrote them
        libraries = json.loads(record.read_text())["libraries"]
        record.write_text(record.read_text().replace(json.dumps(libraries), '"jinja2==0.0"'))
    git(example_repo, "commit", "-q", "-am", "rendered on another machine")
    git(example_repo, "push", "-q", "origin", "change")
    clone = _clone(published, tmp_path / "ci", "change")
    assert run(clone, "check").exit_code == 0
    assert run(clone, "render", "-q").exit_code == 0
    assert git(clone, "status", "--porcelain") == ""  # nothing rewritten


def test_a_record_nested_too_deep_to_parse_is_written_anew(published: Path, tmp_path: Path, run: Runner) -> None:
    clone = _clone(published, tmp_path / "ci")
    record = clone / "rendered/dev/bge-embeddings/modelops.record"
    record.write_text("[" * 200_000 + "]" * 200_000)
    rendered = run(clone, "render", "-q")
    assert rendered.exit_code == 0, rendered.err
    assert git(clone, "status", "--porcelain") == ""


def test_a_linked_worktree_of_a_sha256_repository(tmp_path: Path, run: Runner) -> None:
    repo = copy_example(tmp_path / "gitops")
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    assert run(repo, "render", "-q").exit_code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rendered")
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    for _ in range(2):  # the first run seeds from git's sha256 ids, the second uses the index it wrote
        checked = run(tmp_path / "wt", "check")
        assert checked.exit_code == 0, checked.err

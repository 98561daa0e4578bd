"""Incremental runs give what the whole pipeline gives, and render only the units a change reaches.

Every case edits a real git repository, runs the incremental path and the whole pipeline
on the same files, and compares the report (as JSON) and every rendered file's blob id;
then it asserts how many units the incremental run rendered.
"""

from __future__ import annotations

import datetime
import pickle
from pathlib import Path

import pytest

from generator.inputs.sources import WorkTree
from generator.pipeline import compose, incremental, records
from generator.pipeline import index as unit_index
from generator.pipeline.stamps import blob_id
from generator.repo import staging, writer
from tests.conftest import TODAY, add_fleet, drop_shared_secrets, edit, files_under, git, write

UNITS = 18  # the example's release deployments: 6 releases, each in dev, staging and prod
ENV_UNITS = 3  # one _argocd per environment
SHARED_UNITS = 3  # one _shared per environment: every one declares spec.secrets
ALL = UNITS + ENV_UNITS + SHARED_UNITS


def _full(repo: Path, today: datetime.date = TODAY) -> tuple[dict[str, object], dict[str, str]]:
    built = compose.build(WorkTree(repo), cache=None)
    report = compose.validate(built, today)
    return report.to_json(), {p: blob_id(d) for p, d in built.tree.files().items()}


def _run(repo: Path, write_files: bool = True, today: datetime.date = TODAY) -> incremental.Outcome:
    """One incremental run (writing rendered/ like `modelops render`), checked against the whole pipeline."""
    outcome = incremental.evaluate(repo, write=write_files, today=today)
    assert outcome is not None
    report, files = _full(repo, today)
    assert outcome.report.to_json() == report
    # The same files, and a record beside each unit's (which the whole pipeline does not compute).
    assert {p: b for p, b in outcome.files.items() if not p.endswith("/modelops.record")} == files
    assert {p.rpartition("/")[0] for p in outcome.files if p.endswith("/modelops.record")} == {
        p.rpartition("/")[0] for p in files
    }
    if write_files:
        desired = outcome.desired
        writer.write(repo, outcome.tree, True, desired)
        outcome.save(desired)
        tree = compose.build(WorkTree(repo), cache=None).tree
        assert writer.plan(repo, tree, records.carry(repo, tree.files())).empty
    else:
        outcome.save()
    return outcome


@pytest.fixture
def rendered(example_repo: Path) -> Path:
    first = _run(example_repo)
    assert first.rendered == ALL  # no index yet: everything
    return example_repo


def test_no_change_renders_nothing_and_reads_no_input_again(rendered: Path) -> None:
    again = _run(rendered)
    assert again.rendered == 0
    assert again.tree.scopes == []
    # The index was taken moments ago: every file counts as racily clean and is read once more ...
    assert again.stamps.read > 0
    index = unit_index.load(rendered)
    index.taken_ns += 10 * 10**9
    unit_index.save(rendered, index)
    # ... after which nothing is read at all: stat data answers for every input and rendered file.
    assert _run(rendered).stamps.read == 0


def test_one_release_change_renders_its_units_only(rendered: Path) -> None:
    edit(rendered / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    outcome = _run(rendered)
    environments = len(list((rendered / "rendered").glob("*/bge-embeddings")))
    assert outcome.rendered == environments
    assert {s.split("/")[2] for s in outcome.tree.scopes} == {"bge-embeddings"}


def test_a_comment_renders_the_release_again_and_writes_only_its_records(rendered: Path) -> None:
    path = rendered / "releases/bge-embeddings.yaml"
    path.write_text("# owned by search\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    before = files_under(rendered / "rendered")
    outcome = _run(rendered)
    assert outcome.rendered == 3
    after = files_under(rendered / "rendered")
    # The same objects and provenance: only the records change, which name the spec's new blob.
    assert sorted(p for p in after if after[p] != before.get(p)) == [
        f"{env}/bge-embeddings/modelops.record" for env in ("dev", "prod", "staging")
    ]


def test_an_environment_change_reaches_that_environment_only(rendered: Path) -> None:
    edit(rendered / "environments/staging.yaml", "namespace: models-staging", "namespace: models-staging-2")
    outcome = _run(rendered)
    staging = len([d for d in (rendered / "rendered/staging").iterdir()])
    assert outcome.rendered == staging  # its releases, its _shared and its _argocd
    assert all(s.startswith("rendered/staging/") for s in outcome.tree.scopes)


def test_a_template_change_reaches_every_unit_it_is_used_by(rendered: Path) -> None:
    write(rendered / "templates/release/extra.yaml.j2", "")
    outcome = _run(rendered)
    assert outcome.rendered == ALL


def test_a_policy_rule_change_reaches_every_unit_and_a_waiver_change_none(rendered: Path) -> None:
    edit(rendered / "policies/reliability.yaml", "title: Production waits for a manual sync", "title: Manual prod sync")
    before = files_under(rendered / "rendered")
    assert _run(rendered).rendered == ALL
    assert files_under(rendered / "rendered") == before  # the findings' rules changed, not the output: no record
    waivers = rendered / "policies/waivers.yaml"
    text = waivers.read_text(encoding="utf-8")
    first = text.index("  - rule:")
    second = text.index("  - rule:", first + 1)
    waivers.write_text(text[:first] + text[second:], encoding="utf-8")  # one waiver less: a finding counts again
    outcome = _run(rendered, write_files=False)
    assert outcome.rendered == 0


def test_waivers_expire_without_anything_rendering_again(rendered: Path) -> None:
    later = datetime.date(2031, 1, 1)
    outcome = _run(rendered, write_files=False, today=later)
    assert outcome.rendered == 0
    assert outcome.report.failed()


def test_added_and_removed_releases(rendered: Path) -> None:
    add_fleet(rendered, 2)
    assert _run(rendered).rendered == 2 * 3 + ENV_UNITS  # their units, and every _argocd lists them
    (rendered / "releases/fleet-001.yaml").unlink()
    outcome = _run(rendered)
    assert outcome.rendered == ENV_UNITS
    assert "rendered/dev/fleet-001" in outcome.tree.scopes
    assert not (rendered / "rendered/dev/fleet-001").exists()


@pytest.mark.parametrize("damage", ["edit", "delete", "add"])
def test_rendered_files_out_of_step_with_the_index_are_seen_and_repaired(rendered: Path, damage: str) -> None:
    manifest = rendered / "rendered/dev/bge-embeddings/manifest.yaml"
    if damage == "edit":
        manifest.write_text(manifest.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    elif damage == "delete":
        manifest.unlink()
    else:
        write(manifest.parent / "extra.yaml", "kind: ConfigMap\n")
    looked = _run(rendered, write_files=False)
    assert looked.out_of_date == ["rendered/dev/bge-embeddings"]
    assert looked.rendered == 0
    repaired = _run(rendered)
    assert repaired.rendered == 1
    assert repaired.tree.scopes == ["rendered/dev/bge-embeddings"]
    assert _run(rendered).out_of_date == []


def test_an_environment_secret_change_renders_and_writes_its_shared_unit(rendered: Path) -> None:
    manifests = {p: p.read_bytes() for p in (rendered / "rendered/dev").glob("*/manifest.yaml")}
    edit(rendered / "environments/dev.yaml", "key: ml-platform/dev/model-store-readonly", "key: ml-platform/dev/v2")
    outcome = _run(rendered)
    assert outcome.rendered == len(manifests)  # the environment file is an input of its every unit
    changed = [p.parent.name for p, data in manifests.items() if p.read_bytes() != data]
    assert changed == ["_shared"]  # the Applications and the releases' objects are as they were
    assert "key: ml-platform/dev/v2" in (rendered / "rendered/dev/_shared/manifest.yaml").read_text(encoding="utf-8")


def test_a_release_that_uses_a_shared_secret_leaves_the_shared_unit_alone(rendered: Path) -> None:
    edit(rendered / "releases/llama3-8b-chat.yaml", "maxReplicas: 3", "maxReplicas: 2")
    outcome = _run(rendered)
    assert outcome.rendered == 3  # its unit in each environment; no _shared, no _argocd
    assert {s.split("/")[2] for s in outcome.tree.scopes} == {"llama3-8b-chat"}


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_a_hand_edited_shared_unit_is_seen_and_repaired(rendered: Path, damage: str) -> None:
    manifest = rendered / "rendered/prod/_shared/manifest.yaml"
    if damage == "edit":
        edit(manifest, "key: ml-platform/prod/model-store-readonly", "key: ml-platform/dev/model-store-readonly")
    else:
        manifest.unlink()
    looked = _run(rendered, write_files=False)
    assert looked.out_of_date == ["rendered/prod/_shared"]
    assert looked.rendered == 0
    repaired = _run(rendered)
    assert (repaired.rendered, repaired.tree.scopes) == (1, ["rendered/prod/_shared"])
    assert _run(rendered).out_of_date == []


def test_an_environment_that_stops_declaring_secrets_loses_its_shared_unit(rendered: Path) -> None:
    drop_shared_secrets(rendered, "staging")
    outcome = _run(rendered)
    assert "rendered/staging/_shared" in outcome.tree.scopes
    assert not (rendered / "rendered/staging/_shared").exists()
    argocd = (rendered / "rendered/staging/_argocd/manifest.yaml").read_text(encoding="utf-8")
    assert "modelops-staging-secrets" not in argocd


def test_a_branch_switch_is_seen_from_the_files(rendered: Path) -> None:
    git(rendered, "add", "-A")
    git(rendered, "commit", "-q", "-m", "rendered")
    git(rendered, "checkout", "-q", "-b", "other")
    edit(rendered / "releases/llama3-8b-chat.yaml", "maxReplicas: 3", "maxReplicas: 2")
    _run(rendered)
    git(rendered, "commit", "-q", "-am", "fewer replicas")
    git(rendered, "checkout", "-q", "main")  # the specs and rendered/ of main, the index of the other branch
    outcome = _run(rendered)
    assert outcome.out_of_date == []  # main's rendered/ is right for main's specs
    assert 0 < outcome.rendered <= 3


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps({"units": {}})])
def test_an_unreadable_index_counts_as_empty(rendered: Path, content: bytes) -> None:
    where = unit_index.path(rendered)
    assert where is not None
    where.write_bytes(content)
    assert _run(rendered).rendered == ALL


def test_an_index_of_another_work_tree_is_not_used(rendered: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    git(rendered, "add", "-A")
    git(rendered, "commit", "-q", "-m", "rendered")
    git(tmp_path, "clone", "-q", str(rendered), str(other))
    where, copied = unit_index.path(rendered), unit_index.path(other)
    assert where is not None and copied is not None
    copied.parent.mkdir(parents=True, exist_ok=True)
    copied.write_bytes(where.read_bytes())
    git(other, "remote", "set-head", "origin", "--delete")  # no trusted revision: no committed record is used
    # A fresh clone has no index of its own: its first run renders everything, the next nothing.
    assert _run(other).rendered == ALL
    assert _run(other).rendered == 0


def test_outside_a_git_work_tree_there_is_no_index(example: Path) -> None:
    assert incremental.evaluate(example, write=True) is None


def test_input_errors_leave_the_whole_pipeline_to_report_them(rendered: Path) -> None:
    edit(rendered / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: many")
    assert incremental.evaluate(rendered, write=True) is None


def test_a_stale_environment_directory_leaves_it_to_the_whole_pipeline(rendered: Path) -> None:
    (rendered / "rendered/qa").mkdir()
    assert incremental.evaluate(rendered, write=True) is None


def test_findings_on_applications_placed_in_a_spec_follow_its_lines(rendered: Path) -> None:
    rule = (
        "  - id: MO-TEST-APP\n    title: Applications say who owns them\n    severity: warning\n    layer: manifest\n"
        "    match:\n      kinds: [Application]\n    select: $.metadata.labels\n"
        "    assert:\n      required: [owner]\n    source: scaling.maxReplicas\n"
        "    rationale: test\n    examples:\n      pass: {kind: Application, metadata: {labels: {owner: x}}}\n"
        "      fail: {kind: Application, metadata: {labels: {}}}\n"
    )
    path = rendered / "policies/reliability.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nrules:\n", "\nrules:\n" + rule, 1), encoding="utf-8")
    _run(rendered, write_files=False)
    spec = rendered / "releases/bge-embeddings.yaml"
    spec.write_text("# a line more\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    outcome = _run(rendered, write_files=False)  # compares with the whole pipeline's report
    assert any(d.rule == "MO-TEST-APP" for d in outcome.report.diagnostics())


def test_a_writing_run_stages_its_units_instead_of_holding_them(example_repo: Path) -> None:
    """A run that will write keeps no rendered bytes: each unit that differs from rendered/ is written
    into the run's staging directory as it comes out, rendered/ untouched, and the writer swaps that in."""
    outcome = incremental.evaluate(example_repo, write=True, today=TODAY)
    assert outcome is not None and isinstance(outcome.desired, staging.StagedFiles)
    runs = list((example_repo / ".git/modelops").glob("run-*"))
    assert len(runs) == 1 and not (example_repo / "rendered").exists()
    staged = sorted(p.relative_to(runs[0] / "staging").as_posix() for p in runs[0].rglob("*") if p.is_file())
    assert [f"rendered/{p}" for p in staged] == sorted(outcome.desired) and len(staged) == 66
    writer.write(example_repo, outcome.tree, True, outcome.desired)
    outcome.save(outcome.desired)
    assert not list((example_repo / ".git/modelops").glob("run-*"))
    assert len(files_under(example_repo / "rendered")) == 66
    assert outcome.desired["rendered/dev/_argocd/manifest.yaml"].startswith(b"---\n")  # read from rendered/ now
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    again = incremental.evaluate(example_repo, write=True, today=TODAY)
    assert again is not None and again.rendered == 3
    assert sorted({p.rpartition("/")[0] for p in again.desired}) == [
        f"rendered/{env}/bge-embeddings" for env in ("dev", "prod", "staging")
    ]
    assert isinstance(again.desired, staging.StagedFiles)
    again.desired.staging.discard()  # not written: what a run whose report failed does at exit
    assert not list((example_repo / ".git/modelops").glob("run-*"))

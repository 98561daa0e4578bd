"""Committed unit records read back as exactly what the run that wrote them held."""

from __future__ import annotations

import json
from pathlib import Path

from generator.pipeline import incremental, records
from generator.pipeline import index as unit_index
from generator.repo import writer
from tests.conftest import Runner, edit, files_under, git, write


def _rendered(repo: Path) -> incremental.Outcome:
    outcome = incremental.evaluate(repo, write=True)
    assert outcome is not None
    writer.write(repo, outcome.tree, True, outcome.desired)
    outcome.save(outcome.desired)
    return outcome


def test_every_unit_of_the_example_reads_back_as_its_index_record(example_repo: Path) -> None:
    _rendered(example_repo)
    index = unit_index.load(example_repo)
    assert len(index.units) == 24
    for unit, record in index.units.items():
        data = (example_repo / records.path(unit)).read_bytes()
        committed = records.decode(unit, data)
        assert committed is not None, unit
        assert committed.record.key == record.key
        assert committed.record.result == record.result
        assert {**committed.record.files, records.path(unit): record.files[records.path(unit)]} == record.files
        assert (committed.spec is not None) == (not unit.rsplit("/", 1)[1].startswith("_"))


def test_a_record_is_valid_json_with_one_finding_a_line(example_repo: Path) -> None:
    _rendered(example_repo)
    text = (example_repo / "rendered/dev/bge-embeddings/modelops.record").read_text()
    data = json.loads(text)
    assert data["unit"] == "rendered/dev/bge-embeddings"
    assert data["files"].keys() == {"manifest.yaml", "modelops.metadata"}
    assert len([line for line in text.splitlines() if '"MO-' in line and line.startswith("  [")]) == len(data["node"])


def test_a_record_of_another_unit_or_format_is_refused(example_repo: Path) -> None:
    _rendered(example_repo)
    data = (example_repo / "rendered/dev/bge-embeddings/modelops.record").read_bytes()
    assert records.decode("rendered/dev/bge-embeddings", data) is not None
    assert records.decode("rendered/prod/bge-embeddings", data) is None
    assert records.decode("rendered/dev/bge-embeddings", data.replace(b'"format":1', b'"format":2')) is None
    assert records.decode("rendered/dev/bge-embeddings", b"{not json") is None
    assert records.decode("rendered/dev/bge-embeddings", b"[]") is None


def test_a_record_is_kept_while_its_key_and_files_are_the_same(example_repo: Path) -> None:
    _rendered(example_repo)
    unit = "rendered/dev/bge-embeddings"
    data = (example_repo / records.path(unit)).read_bytes()
    other = json.loads(data)
    other["libraries"], other["policies"], other["node"] = "jinja2==0.0", "0" * 64, []
    assert records.same_output(unit, data, json.dumps(other).encode())
    assert not records.same_output("rendered/prod/bge-embeddings", data, json.dumps(other).encode())
    for field, value in (("key", "0" * 64), ("files", {"manifest.yaml": "0" * 40})):
        changed = {**other, field: value}
        assert not records.same_output(unit, data, json.dumps(changed).encode())


def test_a_whole_pipeline_write_keeps_the_records_on_disk(example_repo: Path) -> None:
    _rendered(example_repo)
    files = {"rendered/dev/bge-embeddings/manifest.yaml": b"x"}
    carried = records.carry(example_repo, files)
    assert set(carried) == {*files, "rendered/dev/bge-embeddings/modelops.record"}


def test_rendering_one_environment_brings_its_records_up_to_date(example_repo: Path, run: Runner) -> None:
    """`render --env` runs the whole pipeline, which computes no records: they follow in the same run."""
    assert run(example_repo, "render", "-q").exit_code == 0
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    before = files_under(example_repo / "rendered")
    assert run(example_repo, "render", "-q", "--env", "dev").exit_code == 0
    after = files_under(example_repo / "rendered")
    names = ("manifest.yaml", "modelops.metadata", "modelops.record")
    assert sorted(p for p in after if after[p] != before.get(p)) == [f"dev/bge-embeddings/{n}" for n in names]
    assert run(example_repo, "render", "-q").exit_code == 0
    final = files_under(example_repo / "rendered")
    changed = {p for p in final if final[p] != after.get(p)}
    assert {"prod/bge-embeddings/modelops.record", "staging/bge-embeddings/modelops.record"} <= changed
    assert all(p.split("/")[0] in ("prod", "staging") and p.split("/")[1] == "bge-embeddings" for p in changed)
    assert run(example_repo, "check").exit_code == 0


def test_a_whole_pipeline_commit_keeps_every_record(example_repo: Path, run: Runner) -> None:
    """A stale environment directory sends `commit` to the whole pipeline: the records stay committed."""
    assert run(example_repo, "commit", "-q").exit_code == 0
    write(example_repo / "rendered/qa/x/manifest.yaml", "a: 1\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "a stale environment")
    assert incremental.evaluate(example_repo, write=False) is None
    assert run(example_repo, "commit", "-q").exit_code == 0
    assert git(example_repo, "diff", "--name-status", "HEAD~1", "HEAD") == "D\trendered/qa/x/manifest.yaml"
    listed = git(example_repo, "ls-tree", "-r", "--name-only", "HEAD", "rendered").splitlines()
    assert len([p for p in listed if p.endswith("/modelops.record")]) == 24
    assert run(example_repo, "check").exit_code == 0

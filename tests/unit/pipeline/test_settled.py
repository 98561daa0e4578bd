"""A settled repository's kept answer: given only while nothing it depends on has changed, and then
the very answer an ordinary run gives.

Each case renders the example in a real git repository, changes one thing on disk (or the day,
or the index) and asks again: the kept answer must not be given, and the ordinary run's report
must be the whole pipeline's.  Unchanged, it must be given without loading the unit index, and
be the same report, to the byte of every reporter.
"""

from __future__ import annotations

import datetime
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from generator.inputs.listings import path_stamp
from generator.pipeline import difference, footprint, incremental, settled
from generator.pipeline import index as unit_index
from generator.pipeline.stamps import blob_id
from generator.repo import commits, diff
from tests.conftest import TODAY, Runner, edit, git, write
from tests.unit.pipeline.test_incremental import _full, _run

KEPT = ".git/modelops/settled.pickle"
PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def rendered(example_repo: Path) -> Path:
    _run(example_repo)
    assert (example_repo / KEPT).is_file()
    return example_repo


def _ask(repo: Path, today: datetime.date = TODAY) -> incremental.Outcome:
    outcome = incremental.evaluate(repo, write=False, today=today, kept=True)
    assert outcome is not None
    return outcome


def test_an_unchanged_repository_is_answered_without_the_index(rendered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(root: Path) -> unit_index.Index:
        raise AssertionError("the unit index was loaded")

    with monkeypatch.context() as patched:
        patched.setattr(unit_index, "load", refuse)
        kept = _ask(rendered)
        assert kept.kept and kept.rendered == 0 and kept.out_of_date == []
        summary, failed = kept.report.summary(), kept.report.failed()
        held = kept.report.diagnostics(infos=False)
    report, files = _full(rendered)
    assert kept.report.to_json() == report  # its infos and every resource brought in as they are asked for
    assert summary == kept.report.summary() and failed == kept.report.failed()
    assert held == [d for d in kept.report.diagnostics() if d.severity.value != "info"]
    assert {p: b for p, b in kept.files.items() if not p.endswith("/modelops.record")} == files
    assert sum(1 for f in kept.facts if f.release) == 18


def _spec_comment(repo: Path) -> None:
    path = repo / "releases/bge-embeddings.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")


def _same_size_edit(repo: Path) -> None:
    manifest = repo / "rendered/dev/bge-embeddings/manifest.yaml"
    before = manifest.stat()
    data = manifest.read_bytes()
    manifest.write_bytes(data[:-2] + (b"x" if data[-2:-1] != b"x" else b"y") + data[-1:])
    os.utime(manifest, ns=(before.st_atime_ns, before.st_mtime_ns))  # the mtime put back: ctime still tells


CHANGES = {
    "a spec edited": _spec_comment,
    "a release added in a new folder": lambda repo: write(
        repo / "releases/search/bge-copy.yaml",
        (repo / "releases/bge-embeddings.yaml")
        .read_text(encoding="utf-8")
        .replace("name: bge-embeddings\n", "name: bge-copy\n", 1),
    ),
    "an empty folder below releases/": lambda repo: (repo / "releases/later").mkdir(),
    "a templates/ directory made": lambda repo: (repo / "templates").mkdir(),
    "a template copied in": lambda repo: shutil.copytree(PROJECT / "templates/shared", repo / "templates/shared"),
    "an environment edited": lambda repo: edit(repo / "environments/dev.yaml", "capacity: 8", "capacity: 9"),
    "a waiver file added": lambda repo: shutil.copy(repo / "policies/waivers.yaml", repo / "policies/more.yaml"),
    "a file added to a unit": lambda repo: write(repo / "rendered/dev/bge-embeddings/extra.yaml", "kind: x\n"),
    "a rendered file removed": lambda repo: (repo / "rendered/prod/_argocd/manifest.yaml").unlink(),
    "a rendered file edited, its mtime put back": _same_size_edit,
    "a unit directory removed": lambda repo: shutil.rmtree(repo / "rendered/staging/bge-embeddings"),
    "the index removed": lambda repo: (repo / ".git/modelops/index.pickle").unlink(),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_gets_an_ordinary_run(rendered: Path, change: str) -> None:
    CHANGES[change](rendered)
    again = _ask(rendered)
    assert not again.kept
    assert again.report.to_json() == _full(rendered)[0]
    if "rendered" in change or "unit" in change:
        assert again.out_of_date  # and the unit it reaches is reported out of date, as before


def test_another_day_or_other_code_gets_an_ordinary_run(rendered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    later = TODAY + datetime.timedelta(days=800)  # past the example's waivers' expiry
    again = _ask(rendered, later)
    assert not again.kept
    assert again.report.to_json() == _full(rendered, later)[0]
    monkeypatch.setattr(settled.render_cache, "code_fingerprint", lambda: "another modelops")
    assert not _ask(rendered).kept


def test_a_repository_out_of_date_keeps_no_answer(rendered: Path) -> None:
    _spec_comment(rendered)
    looked = _ask(rendered)
    assert looked.out_of_date  # `check` fails: nothing is kept, and the old answer goes
    looked.save()
    assert not (rendered / KEPT).exists()
    _run(rendered)  # rendered again: settled, and kept
    assert _ask(rendered).kept


def test_a_link_followed_keeps_no_answer(rendered: Path) -> None:
    shutil.copytree(PROJECT / "templates", rendered / "shared-templates")
    (rendered / "templates").symlink_to("shared-templates", target_is_directory=True)
    _run(rendered)
    assert not (rendered / KEPT).exists()  # a change behind the link would show in no stamp


def _packed(tmp_path: Path, blob: str, names: tuple[str, ...], taken_ns: int) -> dict[str, Any]:
    (tmp_path / "d").mkdir(exist_ok=True)
    target = write(tmp_path / "d/f.txt", "content\n")
    info = os.lstat(target)
    files = {"d/f.txt": (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, blob)}
    return footprint.pack(files, {"d": (path_stamp(str(tmp_path / "d")), names)}, {}, taken_ns)


def test_stamps_too_recent_to_vouch_are_checked_by_content(tmp_path: Path) -> None:
    now, right = time.time_ns(), blob_id(b"content\n")
    assert footprint.holds(str(tmp_path), _packed(tmp_path, right, ("f.txt",), now), False) is not None
    # The same stat data, other bytes (a write in the same clock tick): hashed, and seen.
    assert footprint.holds(str(tmp_path), _packed(tmp_path, blob_id(b"other\n"), ("f.txt",), now), False) is None
    # The same directory stamp, another listing: listed again, and seen.
    assert footprint.holds(str(tmp_path), _packed(tmp_path, right, ("f.txt", "g.txt"), now), False) is None
    # Taken long after: the stamps vouch by themselves, nothing is read (a wrong blob goes unseen, by design).
    late = now + 10 * 10**9
    assert footprint.holds(str(tmp_path), _packed(tmp_path, blob_id(b"other\n"), ("x",), late), False) == []


def test_a_kept_answer_checked_again_is_trusted_as_of_then(rendered: Path) -> None:
    data = pickle.loads((rendered / KEPT).read_bytes())
    seen = data["seen"]
    hour_ago = time.time_ns() - 3600 * 10**9
    for rel in [*seen["paths"], *seen["dirs"]]:
        os.utime(rendered / rel, ns=(hour_ago, hour_ago))
    files = {}
    for rel, blob in zip(seen["paths"], seen["blobs"], strict=True):
        info = os.lstat(rendered / rel)
        files[rel] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, blob)
    listed = {rel: (path_stamp(str(rendered / rel)), tuple(sorted(os.listdir(rendered / rel)))) for rel in seen["dirs"]}
    # As if kept a second after those mtimes: every stamp too recent to vouch for itself.
    data["seen"] = footprint.pack(files, listed, seen["probed"], hour_ago + 10**9)
    (rendered / KEPT).write_bytes(pickle.dumps(data))
    recent = footprint.holds(str(rendered), data["seen"], False)
    assert recent is not None and len(recent) == len(files) + len(listed)  # each hashed or listed again
    assert _ask(rendered).kept
    # Checked again an hour after their mtimes: kept as of that check, the stamps now vouch by themselves.
    assert footprint.holds(str(rendered), pickle.loads((rendered / KEPT).read_bytes())["seen"], False) == []


REPORTERS = [("-q",), (), ("-o", "json"), ("-o", "sarif"), ("-o", "junit"), ("-o", "tap")]


@pytest.mark.parametrize("args", REPORTERS, ids=lambda a: " ".join(a) or "text")
def test_every_reporter_prints_the_same_from_a_kept_answer(run: Runner, example_repo: Path, args: tuple[str]) -> None:
    assert run(example_repo, "render", "-q").exit_code == 0
    kept = run(example_repo, "validate", *args)
    (example_repo / KEPT).unlink()
    ordinary = run(example_repo, "validate", *args)
    assert (kept.exit_code, kept.out, kept.err) == (ordinary.exit_code, ordinary.out, ordinary.err)
    assert (example_repo / KEPT).exists()  # kept again by the ordinary run
    check = run(example_repo, "check")
    assert check.exit_code == 0 and "up to date" in check.err + check.out


def test_diff_base_from_a_kept_answer_is_the_ordinary_diff(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit", "-q").exit_code == 0
    edit(example_repo / "releases/bge-embeddings.yaml", "maxReplicas: 4", "maxReplicas: 5")
    git(example_repo, "commit", "-qam", "more replicas")
    assert run(example_repo, "commit", "-q").exit_code == 0  # settled: its answer kept
    handle = commits.open_repo(example_repo)
    kept = incremental.evaluate(example_repo, write=False, today=TODAY, kept=True)
    ordinary = incremental.evaluate(example_repo, write=False, today=TODAY)
    assert kept is not None and kept.kept and ordinary is not None and not ordinary.kept
    assert kept.spec_blobs() == ordinary.spec_blobs()
    found = []
    for outcome in (kept, ordinary):
        pair = difference.trees(handle, example_repo, "HEAD~2", outcome)
        assert pair is not None  # the units that can differ, not two whole renders
        found.append(diff.to_json(diff.compare(pair[0], pair[1], "HEAD~2", order=list(outcome.environments))))
    assert found[0] == found[1] and found[0]["differences"]


def test_a_policy_file_edited_while_it_is_read_keeps_no_wrong_answer(
    rendered: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waivers = rendered / "policies/waivers.yaml"
    real = incremental.loader.load

    def edited_meanwhile(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)  # read as it was; then an editor saves a waiver that has expired
        edit(waivers, 'expires: "2027-', 'expires: "2026-')
        return found

    with monkeypatch.context() as patched:
        patched.setattr(incremental.loader, "load", edited_meanwhile)
        (rendered / KEPT).unlink()
        incremental.evaluate(rendered, write=False, today=TODAY, kept=True).save()  # type: ignore[union-attr]
    again = _ask(rendered)
    assert not again.kept  # the file was stamped before it was read: the edit shows
    assert again.report.to_json() == _full(rendered)[0]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data["seen"].update(paths=5),
        lambda data: data["seen"].update(stats=b"abc"),
        lambda data: data.update(facts=[(1,)]),
        lambda data: data.update(held=[()]),
        lambda data: data.update(rules=None),
        lambda data: data.clear() or data.update(format=settled.FORMAT),
    ],
    ids=["paths", "stats", "facts", "held", "rules", "empty"],
)
def test_a_kept_answer_of_another_shape_gets_an_ordinary_run(rendered: Path, damage: Any) -> None:
    data = pickle.loads((rendered / KEPT).read_bytes())
    damage(data)
    (rendered / KEPT).write_bytes(pickle.dumps(data))
    again = _ask(rendered)
    assert not again.kept
    assert again.report.to_json() == _full(rendered)[0]

"""What a run with no local index starts from: git's index for the stamps, and the committed unit
records of the trusted revision.

A fresh clone has no `.git/modelops/index.pickle`, but git's own index knows the blob id of
every tracked file and, through `git diff-files`, which of them differ from it: those stamps
spare reading the 9,000 rendered files of 1,000 releases.  The records
(generator.pipeline.records) say what each unit was rendered from; a record is used only if the
work tree's file is the very blob the trusted revision holds, so a pull request's own records
(added, edited or planted) count for nothing: its changed units are rendered again.

The trusted revision is `MODELOPS_RECORDS_FROM` when set (a revision; empty for none), else the
merge base of HEAD and `origin/HEAD` (the branch a clone starts on: what was reviewed and
merged), else none, and every unit is rendered.  A CI job on a pull request's merge commit sets
`MODELOPS_RECORDS_FROM=HEAD^1` (the base branch), having fetched it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from generator import layout
from generator.errors import RepositoryError, UsageError
from generator.pipeline import index as unit_index
from generator.pipeline import records
from generator.pipeline.index import Index, Spec
from generator.pipeline.records import Committed
from generator.pipeline.stamps import Stamps, blob_id
from generator.repo import lock
from generator.repo.plumbing import Git

TRUSTED = "MODELOPS_RECORDS_FROM"
_FILE_MODES = ("100644", "100755")


def sha256_repository(root: Path) -> bool:
    where = unit_index.path(root)
    try:
        git_dir = where.parent.parent if where is not None else None
        if git_dir is not None and (git_dir / "commondir").is_file():  # a linked worktree: the config is shared
            git_dir = git_dir / (git_dir / "commondir").read_text().strip()
        config = (git_dir / "config").read_text() if git_dir is not None else ""
    except OSError:
        return False
    # `extensions.objectFormat = sha256`, read from the file: spawning git costs more than this whole check.
    return re.search(r"^\s*objectformat\s*=\s*sha256\s*$", config, re.I | re.M) is not None


def git_at(root: Path) -> Git | None:
    found = lock.git_dir(root)
    return None if found is None else Git(root, found)


def trusted_revision(gitx: Git) -> str | None:
    """The commit whose records a run may use, or None (see the module's docstring)."""
    named = os.environ.get(TRUSTED)
    if named is not None:
        if not named.strip():
            return None
        try:
            return gitx.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{named}^{{commit}}").strip()
        except RepositoryError:
            raise UsageError(f"{TRUSTED}={named!r} names no commit here (fetch it first, or unset {TRUSTED})") from None
    try:
        return gitx.run("merge-base", "HEAD", "refs/remotes/origin/HEAD").strip() or None
    except RepositoryError:  # no origin/HEAD, or no commit in common: nothing is trusted
        return None


def seed_stamps(gitx: Git, stamps: Stamps) -> None:
    """Stamps of the tracked files git's index says are unchanged, with git's blob ids."""
    try:
        if gitx.run("config", "--get", "core.autocrlf").strip().lower() in ("true", "input"):
            return  # git's blobs are then not the bytes on disk
    except RepositoryError:
        pass  # unset
    try:
        listed = gitx.output("ls-files", "--stage", "-z")
        changed = set(gitx.output("diff-files", "--name-only", "-z", "--relative").split(b"\0"))
    except RepositoryError:
        return
    root = str(gitx.work_tree)
    for entry in listed.split(b"\0"):
        meta, _, raw = entry.partition(b"\t")
        fields = meta.split(b" ")
        if len(fields) != 3 or fields[2] != b"0" or fields[0].decode() not in _FILE_MODES or raw in changed:
            continue
        rel = raw.decode(errors="surrogateescape")
        try:
            info = os.lstat(f"{root}/{rel}")
        except OSError:
            continue
        stamps.verified[rel] = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, fields[1].decode())


def committed_records(gitx: Git, revision: str, stamps: Stamps) -> dict[str, Committed]:
    """unit directory -> its record, for each record the work tree holds exactly as `revision` does."""
    try:
        listed = gitx.run("ls-tree", "-r", "-z", revision, "--", f"{layout.RENDERED_DIR}/")
    except RepositoryError:
        return {}
    out: dict[str, Committed] = {}
    suffix = f"/{layout.RECORD_FILE}"
    for entry in listed.split("\0"):
        meta, _, rel = entry.partition("\t")
        fields = meta.split(" ")
        if not rel.endswith(suffix) or len(fields) != 3 or fields[0] not in _FILE_MODES:
            continue
        if stamps.blob(rel) != fields[2]:
            continue  # changed since the trusted revision: this run renders the unit again
        try:
            with open(f"{gitx.work_tree}/{rel}", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if blob_id(data, stamps.sha256) != fields[2]:
            continue  # changed since git's index said otherwise
        unit = rel[: -len(suffix)]
        found = records.decode(unit, data)
        if found is not None:
            found.record.files[rel] = fields[2]
            out[unit] = found
    return out


def adopt(index: Index, found: dict[str, Committed], environments: list[str], libraries: str) -> None:
    """Take the records into an empty index (those of other library versions never current), and the specs
    of the releases whose records agree on them (a record's key still decides whether its unit is current)."""
    specs: dict[str, tuple[str, tuple[str, ...]] | None] = {}
    for unit, committed in sorted(found.items()):
        if committed.libraries != libraries:
            # Findings of other library versions are not used (the unit renders again), but the record
            # stays vouched for: when nothing but its findings would change, its bytes are kept.
            committed.record.key = ""
        index.units[unit] = committed.record
        spec = committed.spec
        if spec is not None and list(spec.among) == environments:
            seen = specs.setdefault(spec.path, (spec.blob, spec.environments))
            if seen != (spec.blob, spec.environments):
                specs[spec.path] = None  # the records disagree: the spec is read
    index.specs = {p: Spec(*s) for p, s in specs.items() if s is not None}
    index.extra["environments"] = repr(environments)

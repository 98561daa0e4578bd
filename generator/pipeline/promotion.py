"""`validate --base REV`: the specs a change touched, on both sides, for the promotion-order check.

Only the spec files git reports as different between REV and the working tree (plus untracked
ones) are read: a pull request that edits one spec reads two files, whatever the repository's size.
"""

from __future__ import annotations

import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from generator import layout
from generator.errors import Diagnostic, InputError
from generator.inputs import spec, yamlio
from generator.inputs.sources import GitTree, WorkTree
from generator.inputs.spec import Environment, Release
from generator.repo import commits
from generator.validate import promotion
from generator.validate.policy import engine
from generator.validate.policy.model import Policies


def findings(
    root: Path, base: str, environments: dict[str, Environment], policies: Policies, today: datetime.date
) -> list[Diagnostic]:
    """Promotion-order findings of the working tree against `base`, waivers applied."""
    repo = commits.open_repo(root)
    at = commits.prefix(repo, root)
    then_source = GitTree(repo, base, at)  # RepositoryError naming an unknown REV, or history a shallow clone lacks
    gitx = commits.plumbing_of(repo)
    where = at + layout.RELEASES_DIR
    listed = gitx.run("diff", "--name-only", "--no-renames", "-z", then_source.commit.hexsha, "--", where)
    listed += "\0" + gitx.run("ls-files", "-z", "--others", "--exclude-standard", "--", where)
    paths = sorted({p.removeprefix(at) for p in listed.split("\0") if _is_spec(p)})
    then: dict[str, dict[str, Any]] = {}
    now: list[Release] = []
    for path in paths:
        old = _spec_at(then_source, path)
        if old is not None:
            then[old[0]] = old[1]
        if (root / path).is_file():
            try:
                now.append(spec.load_release(WorkTree(root), path, environments))
            except InputError:
                continue  # validate reports the spec's own errors
    pairs = [(then[r.name], r) for r in now if r.name in then]
    found = promotion.findings(pairs, environments, base)
    return engine.waive(policies, found, today)[0]


def _is_spec(path: str) -> bool:
    name = PurePosixPath(path)
    return bool(path) and name.suffix in (".yaml", ".yml") and not name.name.startswith(".")


def _spec_at(source: GitTree, path: str) -> tuple[str, dict[str, Any]] | None:
    """(release name, spec) of the file at `path` in the base revision; None if absent or unreadable there."""
    try:
        data = yamlio.load(source.read(path), f"{path}@{source.label}").data
    except InputError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        return None
    name = (data.get("metadata") or {}).get("name")
    return (name, data["spec"]) if isinstance(name, str) else None

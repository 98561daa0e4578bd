"""A settled repository's answer, kept: a run that finds every file and directory as the last
settled run left them prints that run's report without loading the unit index.

At 10,000 releases x 3 environments the index holds 30,006 records (51 MB): loading it takes
0.4 s, putting the report together from it 1.2 s and checking every unit directory 0.5 s, while
what a run with nothing changed must do is stat 130,000 paths (0.2 s here).  So a run whose
rendered/ matches what its inputs render to ("settled", after writing or because nothing was
out of date) keeps, in `.git/modelops/settled.pickle` beside the index: the stamp of every file
it read (inputs and rendered files, with their blob ids), of every directory it listed (taken
before listing it) and the type of every path it asked about, the index file's own stamp, the
day and code it ran with, the report's findings and counts, and the units' facts.  A later run
of `render`, `check` or `validate` on the same day, with the same code, that finds every one of
those stamps unchanged would compute that same answer, and uses it; any difference (an edited,
added, removed or touched file, a new directory, another day, an upgrade, a rewritten index) and
it runs as before and keeps a new one.  A stamp too recent to vouch for its file (the two-second
rule of generator.pipeline.stamps) has its file hashed or its directory listed again.

A report taken from here holds only the resources that have findings: the reporters that list
every resource (json, junit, tap) have the rest made by an ordinary run.  A symbolic link
anywhere the run looked, or anything left out of date, and nothing is kept.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import io
import os
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import atomic, layout
from generator.catalog import RuleInfo, Severity
from generator.errors import Diagnostic, Location, RepositoryError
from generator.inputs.listings import path_stamp, racy
from generator.pipeline import cache as render_cache
from generator.pipeline import footprint
from generator.pipeline import index as unit_index
from generator.pipeline.index import Facts
from generator.pipeline.stamps import Stamps
from generator.validate.capacity import CapacityRow
from generator.validate.policy.model import Policies, Waiver
from generator.validate.report import Report, ResourceResult

if TYPE_CHECKING:
    from generator.pipeline.outcome import Outcome

FORMAT = "1"
FILE = "settled.pickle"


def _where(root: Path) -> Path | None:
    found = unit_index.path(root)
    return None if found is None else found.with_name(FILE)


def keep(outcome: Outcome, wrote: bool) -> None:
    """Keep `outcome`'s answer if the repository is settled by it (`wrote`: its out-of-date units were
    just written); else remove any kept answer, which can then only be wrong by accident."""
    root = Path(outcome.index.root)
    where, index_file = _where(root), unit_index.path(root)
    if where is None or index_file is None or outcome.today is None:
        return
    found = _answer(outcome, wrote)
    if found is None:
        with contextlib.suppress(OSError):
            os.unlink(where)
        return
    data, infos = found
    data["index"] = path_stamp(str(index_file))
    _write(where, data, pickle.dumps(infos, protocol=5))


def _write(where: Path, data: dict[str, Any], infos: bytes) -> None:
    """The answer, then its infos: a run that prints none reads only the first pickle of the file."""
    with contextlib.suppress(OSError, RepositoryError):
        # Not synced, like the index: a torn answer fails to load, and the run is an ordinary one.
        atomic.replace_file(where, pickle.dumps(data, protocol=5) + infos, mode=0o600, durable=False)


def _answer(outcome: Outcome, wrote: bool) -> tuple[dict[str, Any], Any] | None:
    assert outcome.today is not None
    scopes = set(outcome.tree.scopes) if wrote else set()
    listings = outcome.stamps.listings
    if listings.linked or not {*outcome.out_of_date, *outcome.disk.stale} <= scopes:
        return None
    taken = time.time_ns()  # after every stamp below was taken: the two-second rule counts from here
    listed = dict(listings.listed)
    if scopes:  # the directories the writer just changed: stamped now, then listed to see they hold what it wrote
        units = outcome.index.units
        parents = {s.rpartition("/")[0] for s in scopes}
        for rel in sorted({*scopes, *parents, layout.RENDERED_DIR}):
            before = listings.stamp(rel)
            try:
                names = sorted(os.listdir(f"{listings.root}/{rel}"))
            except OSError:
                names = []
            if rel in units:
                expected = sorted(p.rpartition("/")[2] for p in units[rel].files)
            elif rel in scopes:
                expected = []  # a stale entry, removed
            else:
                below = rel.count("/") + 1
                expected = sorted({u.split("/")[below] for u in units if u.startswith(f"{rel}/")})
            if [n for n in names if not n.startswith(".")] != expected or listings.linked:
                return None
            listed[rel] = (before, tuple(names))
    fresh = outcome.stamps.fresh
    rendered = {p: s[4] for p, s in fresh.items() if p.startswith(f"{layout.RENDERED_DIR}/")}
    if rendered != outcome.files:
        return None  # a written file that could not be stamped, or one no unit holds
    report = outcome.report
    flagged = [r for r in report.resources if r.diagnostics]
    held = [unit_index.diagnostic(d) for d in report.findings if d.severity is not Severity.INFO]
    eager = [_resource(r, lambda d: d.severity is not Severity.INFO) for r in flagged]
    # The infos (waived findings: one a release at least in the example fleet) are read only when printed.
    infos = ([unit_index.diagnostic(d) for d in report.findings], [_resource(r, None) for r in flagged])
    return {
        "format": FORMAT,
        "root": outcome.index.root,
        "code": render_cache.code_fingerprint(),
        "today": outcome.today.isoformat(),
        "seen": footprint.pack(fresh, listed, listings.probed, taken),
        "facts": [(f.environment, f.release, f.team, f.version, f.kinds, f.gpu, f.shared) for f in outcome.facts],
        "held": held,
        "flagged": [r for r in eager if r[5]],
        "total": report.total,
        "capacity": [(c.environment, c.gpu_type, c.capacity, c.requested, c.peak, c.releases) for c in report.capacity],
        "notes": list(report.notes),
        "rules": [(r.id, r.title, r.description, r.severity.value) for r in report.rules.values()],
        # What validate's own findings on the environment files can meet (see generator.pipeline.honesty).
        "waivers": None
        if outcome.policies is None
        else [
            (w.rule, w.environment, w.reason, w.owner, w.expires.isoformat(), _place(w.location))
            for w in outcome.policies.waivers
            if w.release is None
        ],
    }, infos


def _resource(r: ResourceResult, keep: Callable[[Diagnostic], bool] | None) -> tuple[Any, ...]:
    found = [unit_index.diagnostic(d) for d in r.diagnostics if keep is None or keep(d)]
    return (r.path, r.kind, r.name, r.environment, r.release, found)


def _resources(data: list[tuple[Any, ...]]) -> list[ResourceResult]:
    return [
        ResourceResult(path, kind, name, env, release, [unit_index.read_diagnostic(t) for t in found])
        for path, kind, name, env, release, found in data
        if found
    ]


Identity = tuple[int, int, int]  # (inode, mtime, size) of the file an answer was read from


def _rest(where: Path, offset: int, identity: Identity) -> bytes | None:
    """What follows the answer in its file (its infos), if the file is still the one it was read from."""
    try:
        with open(where, "rb") as handle:
            info = os.fstat(handle.fileno())
            if (info.st_ino, info.st_mtime_ns, info.st_size) != identity:
                return None
            handle.seek(offset)
            return handle.read()
    except OSError:
        return None


def _infos(
    where: Path, offset: int, identity: Identity, ordinary: Callable[[], Report]
) -> tuple[list[Diagnostic], list[ResourceResult]]:
    rest = _rest(where, offset, identity)
    try:
        findings, flagged = unit_index.PlainData(io.BytesIO(rest or b"")).load()
        return [unit_index.read_diagnostic(t) for t in findings], _resources(flagged)
    except Exception:  # replaced meanwhile: an ordinary run's, which is the same while nothing changed
        report = ordinary()
        return report.findings, [r for r in report.resources if r.diagnostics]


def _load(where: Path) -> tuple[dict[str, Any], int, Identity] | None:
    try:
        with open(where, "rb") as handle:
            found = unit_index.PlainData(handle).load()
            info = os.fstat(handle.fileno())
            offset = handle.tell()
    except Exception:  # missing, truncated, or from other code: an ordinary run
        return None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        return None
    return found, offset, (info.st_ino, info.st_mtime_ns, info.st_size)


@dataclass
class Kept:
    """What a kept answer holds besides the environments (which are read again: three small files)."""

    report: Report
    files: Mapping[str, str]  # every rendered file: path -> blob id
    read: Mapping[str, str]  # every file the run read, inputs and rendered files: path -> blob id
    facts: list[Facts]
    stamps: Stamps
    policies: Policies | None  # the environment-wide waivers only


def _place(where: Location) -> tuple[str | None, int | None, int | None]:
    return (where.file, where.line, where.column)


def answer(root: Path, today: datetime.date, ordinary: Callable[[], Report]) -> Kept | None:
    """The kept answer, if every stamp it depends on still holds; else None (run as usual).  `ordinary`
    gives an ordinary run's report, whose resources a reporter that lists each one needs."""
    where, index_file = _where(root), unit_index.path(root)
    if where is None or index_file is None:
        return None
    loaded = _load(where)
    if loaded is None:
        return None
    try:
        return _answer_from(root, today, ordinary, where, index_file, loaded)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
        return None  # plain data, but not of the shape this code writes: an ordinary run keeps a new one


def _answer_from(
    root: Path,
    today: datetime.date,
    ordinary: Callable[[], Report],
    where: Path,
    index_file: Path,
    loaded: tuple[dict[str, Any], int, Identity],
) -> Kept | None:
    data, offset, identity = loaded
    if (
        data["root"] != str(root)
        or data["today"] != today.isoformat()
        or data["index"] != path_stamp(str(index_file))
        or data["code"] != render_cache.code_fingerprint()
    ):
        return None
    from generator.pipeline import seeding

    sha256 = seeding.sha256_repository(root)
    start = time.time_ns()
    mtimes = footprint.holds(str(root), data["seen"], sha256)
    if mtimes is None:
        return None
    if mtimes and not any(racy(m, start) for m in mtimes):
        # Checked again just now and old enough: kept as of now, the next run trusts their stamps.
        rest = _rest(where, offset, identity)
        if rest is not None:
            data["seen"] = footprint.vouched(data["seen"], start)
            _write(where, data, rest)
            again = _load(where)
            if again is not None:
                offset, identity = again[1], again[2]
    report = Report()
    report.rules = {t[0]: RuleInfo(t[0], t[1], t[2], Severity(t[3])) for t in data["rules"]}
    report.resources = _resources(data["flagged"])
    report.unlisted = data["total"] - len(report.resources)
    report.defer(
        [unit_index.read_diagnostic(t) for t in data["held"]],
        functools.partial(_infos, where, offset, identity, ordinary),
    )
    report.listing = lambda: ordinary().resources
    report.capacity = [CapacityRow(*c) for c in data["capacity"]]
    report.notes = list(data["notes"])
    return Kept(
        report,
        footprint.Blobs(data["seen"], layout.RENDERED_DIR),
        footprint.Blobs(data["seen"]),
        [Facts(*t) for t in data["facts"]],
        Stamps(root, sha256=sha256),
        None
        if data["waivers"] is None
        else Policies(
            waivers=[
                Waiver(rule, None, env, reason, owner, datetime.date.fromisoformat(expires), Location(*at))
                for rule, env, reason, owner, expires, at in data["waivers"]
            ]
        ),
    )

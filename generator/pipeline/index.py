"""The repository's unit index: what each unit was rendered from, what it produced, and what
validating it found, so that a run re-renders only the units whose inputs changed.

A unit is one release in one environment, an environment's _argocd, or its _shared (the
secrets its spec declares for every release).  Its record holds
the unit's input key (see generator.pipeline.incremental), the blob id of every file it
renders, its resource results and policy findings before waivers (waivers expire, so they
are applied on every run), and the compact facts the repository-wide checks need (GPU use,
Application name and team, the kinds it renders, its model version).  Next to the records,
the stamps (generator.pipeline.stamps) of every input and rendered file let a run see
which files changed without reading them.

The index is a cache of a pure function (key -> files and findings) plus stat data, never
the truth: a rendered file that is not what its record says (a hand edit, a deletion, a
branch switch) is seen from its stamp, the unit is written again, and an index that cannot
be read, was written by other code, or belongs to another work tree counts as empty.  It
lives in the git directory (`.git/modelops/index.pickle`): it is local state like git's own
index, never committed.  What a fresh clone starts from instead is each unit's committed
record (generator.pipeline.records), read only as the trusted revision holds it
(generator.pipeline.seeding), so nothing a pull request adds can plant a record that hides a
finding; outside a git work tree there is no index and every run renders everything.  It
holds builtin data only (tuples, not objects: 1,000 releases load in ~30 ms rather than
~90) and is read by an unpickler that refuses to load any class, so a tampered index can
only be wrong, and a wrong one is seen, as above.
"""

from __future__ import annotations

import contextlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import atomic, layout
from generator.errors import Diagnostic, Location, RepositoryError, Severity
from generator.pipeline import cache as render_cache
from generator.pipeline.stamps import Stamp
from generator.repo import lock
from generator.validate.report import ResourceResult

FORMAT = "6"
FILE = "index.pickle"


@dataclass
class Facts:
    """What the repository-wide checks and the commit message need of a unit."""

    environment: str
    release: str | None  # None for _argocd and _shared
    team: str = ""
    version: str = ""
    kinds: frozenset[tuple[str, str]] = frozenset()  # (group, kind) pairs its objects have
    gpu: tuple[str, int, int, int] | None = None  # (type, GPUs per replica, max and peak replicas), if it has GPUs
    shared: bool = False  # the environment's _shared unit (release is None)

    def unit(self) -> str:
        """The unit's directory: rendered/<env>/<release>, _argocd or _shared."""
        if self.release:
            return layout.release_path(self.environment, self.release)
        return layout.shared_path(self.environment) if self.shared else layout.argocd_path(self.environment)


@dataclass
class UnitResult:
    """Kept compact (tuples, not objects): the index of 1,000 releases loads in one read."""

    facts: Facts
    objects: list[tuple[str, str, str]]  # (kind, name, namespace or "") of each object, in the order of its manifest
    schema: dict[int, list[Diagnostic]]  # schema findings, by position in `objects` (only where there are some)
    node: list[Diagnostic]  # per-object policy findings, before waivers
    grouped: list[Diagnostic]  # release-wide policy findings, before waivers
    spec: list[Diagnostic]  # spec-layer policy findings, before waivers
    tried: dict[str, int]  # rule id -> objects or specs it was tried on (see Coverage)
    selected: frozenset[str]

    def manifest(self) -> str:
        return f"{self.facts.unit()}/{layout.MANIFEST_FILE}"

    def resources(self) -> list[ResourceResult]:
        path, f = self.manifest(), self.facts
        return [
            ResourceResult(path, kind, name, f.environment, f.release, list(self.schema.get(i, ())))
            for i, (kind, name, _) in enumerate(self.objects)
        ]


@dataclass
class Record:
    key: str
    files: dict[str, str]  # path -> blob id, every file the unit renders
    result: UnitResult


@dataclass
class Spec:
    """A release spec as last parsed: the release's environments, so unchanged specs are not read."""

    blob: str
    environments: tuple[str, ...]


@dataclass
class Index:
    root: str = ""
    code: str = ""
    stamps: dict[str, Stamp] = field(default_factory=dict)
    taken_ns: int = 0
    units: dict[str, Record] = field(default_factory=dict)  # by unit directory: rendered/<env>/<release>
    specs: dict[str, Spec] = field(default_factory=dict)  # by spec path
    extra: dict[str, Any] = field(default_factory=dict)


def path(root: Path) -> Path | None:
    """Where the index of the work tree at `root` lives; None outside a git work tree."""
    work = lock.workdir(root)
    found = lock.git_dir(root)
    if found is None or work.parent != found:
        return None
    return work / FILE


class PlainData(pickle.Unpickler):
    """Reads builtin data only: an index that names any class or function is refused, never run."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the unit index holds plain data only, not {module}.{name}")


def _location(found: Location | None) -> tuple[str, int | None, int | None] | None:
    return None if found is None else (found.file, found.line, found.column)


def diagnostic(d: Diagnostic) -> tuple[Any, ...]:
    data = d.data or None
    return (d.message, _location(d.location), d.field, d.severity.value, d.rule, d.environment, d.release,
            d.resource, _location(d.origin), data)  # fmt: skip


def read_diagnostic(t: tuple[Any, ...]) -> Diagnostic:
    where, origin = (Location(*t[1]) if t[1] else None), (Location(*t[8]) if t[8] else None)
    return Diagnostic(t[0], where, t[2], Severity(t[3]), t[4], t[5], t[6], t[7], origin, dict(t[9] or {}))


def _record(r: Record) -> tuple[Any, ...]:
    u, f = r.result, r.result.facts
    diagnostics = [[diagnostic(d) for d in found] for found in (u.node, u.grouped, u.spec)]
    schema = {i: [diagnostic(d) for d in found] for i, found in u.schema.items()}
    facts = (f.environment, f.release, f.team, f.version, f.kinds, f.gpu, f.shared)
    return (r.key, r.files, facts, u.objects, schema, *diagnostics, u.tried, u.selected)


def _read_record(t: tuple[Any, ...]) -> Record:
    key, files, facts, objects, schema, node, grouped, spec, tried, selected = t
    result = UnitResult(
        Facts(*facts),
        objects,
        {i: [read_diagnostic(d) for d in found] for i, found in schema.items()},
        [read_diagnostic(d) for d in node],
        [read_diagnostic(d) for d in grouped],
        [read_diagnostic(d) for d in spec],
        tried,
        selected,
    )
    return Record(key, files, result)


def load(root: Path) -> Index:
    """The index, or an empty one (missing, unreadable, from other code or another work tree)."""
    where = path(root)
    empty = Index(str(root), render_cache.code_fingerprint())
    if where is None:
        return empty
    try:
        with open(where, "rb") as handle:
            data = PlainData(handle).load()
        if data["format"] != FORMAT or data["root"] != empty.root or data["code"] != empty.code:
            return empty
        return Index(
            empty.root,
            empty.code,
            data["stamps"],
            data["taken_ns"],
            {u: _read_record(r) for u, r in data["units"].items()},
            {p: Spec(*s) for p, s in data["specs"].items()},
            data["extra"],
        )
    except Exception:  # missing, truncated, or written by another version: start afresh
        return empty


def save(root: Path, index: Index) -> None:
    """Write the index (atomically); a failure costs only speed on the next run."""
    where = path(root)
    if where is None:
        return
    data = {
        "format": FORMAT,
        "root": index.root,
        "code": index.code,
        "taken_ns": index.taken_ns,
        "stamps": index.stamps,
        "units": {u: _record(r) for u, r in index.units.items()},
        "specs": {p: (s.blob, s.environments) for p, s in index.specs.items()},
        "extra": index.extra,
    }
    with contextlib.suppress(OSError, RepositoryError):
        where.parent.mkdir(exist_ok=True)
        # Not synced: after a crash a torn index fails to load and counts as empty (30-50 MB at 10,000).
        atomic.replace_file(where, pickle.dumps(data, protocol=5), mode=0o600, durable=False)


def remove(root: Path) -> None:
    where = path(root)
    if where is not None:
        with contextlib.suppress(OSError):
            os.unlink(where)

"""A unit's committed record: what it was rendered from and what validating it found, in a file
beside its manifest (`rendered/<env>/<unit>/modelops.record`), so that a fresh clone renders only
the units whose inputs changed.

The local index (generator.pipeline.index) answers the same question faster, but a CI job
starts from a fresh clone every time: without records there it renders all 3,003 units of
1,000 releases (10 s) to check a one-release change.  One record per unit, rather than one
file for the repository, so that two pull requests changing different releases never touch
the same file, and a record changes only when its unit's inputs or output do.

A record is JSON with sorted keys (deterministic, and a plain text diff), and never a
Kubernetes object: neither *.yaml nor *.json, so Argo CD's directory source skips it. It holds
the unit's input key (of everything its output depends on, without library versions, so that it
is the same on every machine running the same modelops), the policy rules and library versions
its findings were made with (both must match for the findings to be used), the blob id of each
of the unit's other files, its resources, its findings before waivers, and its facts; a
release's record also names its spec's blob and the environments it deploys to, so an unchanged
spec is not even read. A record is rewritten only when its key or its unit's files change (see
`same_output`): a policy rule change alone leaves rendered/ as it is.

A record is only ever trusted as the trusted revision holds it (generator.pipeline.seeding):
one a pull request adds or edits is rendered again like any other changed unit, and `check`
then fails unless it is exactly what the tool writes, so nothing a pull request commits can
hide a finding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import layout
from generator.pipeline import index
from generator.pipeline.cache import library_versions
from generator.pipeline.index import Facts, Record, UnitResult
from generator.pipeline.stamps import blob_id

FORMAT = 1


@dataclass(frozen=True)
class SpecOf:
    """A release unit's spec, as the run that wrote the record read it."""

    path: str
    blob: str
    environments: tuple[str, ...]  # the environments the release deploys to
    among: tuple[str, ...]  # the repository's environments then (their set decides `environments`)


@dataclass
class Committed:
    record: Record  # its files without the record file itself
    libraries: str
    spec: SpecOf | None


def path(unit: str) -> str:
    return f"{unit}/{layout.RECORD_FILE}"


def local_key(key: str, policies: str) -> str:
    """The index's key of a unit whose record holds `key` and was validated with the policy rules `policies`."""
    return hashlib.sha256(f"{key}\0{policies}".encode()).hexdigest()


def encode(unit: str, record: Record, key: str, policies: str, libraries: str, spec: SpecOf | None) -> bytes:
    """The record file of `unit` (record.files without the record file itself); `key` is what its output
    depends on, `policies` what its findings depend on besides."""
    r, f = record.result, record.result.facts
    node, grouped, spec_found = ([list(index.diagnostic(d)) for d in found] for found in (r.node, r.grouped, r.spec))
    data: dict[str, Any] = {
        "format": FORMAT,
        "unit": unit,
        "key": key,
        "libraries": libraries,
        "policies": policies,
        "files": {p.rpartition("/")[2]: b for p, b in sorted(record.files.items()) if p != path(unit)},
        "facts": {
            "environment": f.environment,
            "release": f.release,
            "team": f.team,
            "version": f.version,
            "kinds": sorted([list(k) for k in f.kinds]),
            "gpu": None if f.gpu is None else list(f.gpu),
            "shared": f.shared,
        },
        "objects": [list(o) for o in r.objects],
        "schema": {str(i): [list(index.diagnostic(d)) for d in found] for i, found in sorted(r.schema.items())},
        "node": node,
        "grouped": grouped,
        "spec": spec_found,
        "tried": dict(sorted(r.tried.items())),
        "selected": sorted(r.selected),
    }
    if spec is not None:
        data["release"] = {
            "spec": spec.path,
            "blob": spec.blob,
            "environments": list(spec.environments),
            "among": list(spec.among),
        }
    return _text(data).encode()


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _text(data: dict[str, Any]) -> str:
    """JSON with one top-level field a line, and one item a line for the lists: a finding that comes
    or goes is one line of the diff."""
    lines = []
    for name in sorted(data):
        value = data[name]
        if isinstance(value, list) and value and isinstance(value[0], list):
            items = ",\n".join(f"  {_compact(item)}" for item in value)
            lines.append(f"{_compact(name)}:[\n{items}\n ]")
        else:
            lines.append(f"{_compact(name)}:{_compact(value)}")
    return "{\n " + ",\n ".join(lines) + "\n}\n"


def _diagnostic(t: list[Any]) -> Any:
    where, origin = (tuple(t[1]) if t[1] else None), (tuple(t[8]) if t[8] else None)
    return index.read_diagnostic((*t[:1], where, *t[2:8], origin, t[9]))


def decode(unit: str, data: bytes) -> Committed | None:
    """The record file of `unit`, or None if it is not one this version writes for that unit."""
    try:
        raw = json.loads(data)
        if raw["format"] != FORMAT or raw["unit"] != unit:
            return None
        f = raw["facts"]
        facts = Facts(
            f["environment"],
            f["release"],
            f["team"],
            f["version"],
            frozenset((g, k) for g, k in f["kinds"]),
            None if f["gpu"] is None else (f["gpu"][0], *(int(n) for n in f["gpu"][1:])),
            bool(f["shared"]),
        )
        if facts.unit() != unit:
            return None
        result = UnitResult(
            facts,
            [(k, n, ns) for k, n, ns in raw["objects"]],
            {int(i): [_diagnostic(d) for d in found] for i, found in raw["schema"].items()},
            [_diagnostic(d) for d in raw["node"]],
            [_diagnostic(d) for d in raw["grouped"]],
            [_diagnostic(d) for d in raw["spec"]],
            {str(k): int(v) for k, v in raw["tried"].items()},
            frozenset(raw["selected"]),
        )
        files = {f"{unit}/{name}": str(blob) for name, blob in raw["files"].items()}
        spec = None
        if "release" in raw:
            s = raw["release"]
            spec = SpecOf(s["spec"], s["blob"], tuple(s["environments"]), tuple(s["among"]))
        key = local_key(str(raw["key"]), str(raw["policies"]))
        return Committed(Record(key, files, result), str(raw["libraries"]), spec)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
        return None


def _loaded(data: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None


def _same_output(unit: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("unit") == b.get("unit") == unit and all(a.get(k) == b.get(k) for k in ("key", "files"))


def same_output(unit: str, old: bytes, new: bytes) -> bool:
    """Whether two records of `unit` describe the same output from the same inputs, whatever their findings
    or library versions: the old bytes then stay (when the index vouches for them), so a policy rule change
    does not rewrite every record (nor make every pull request conflict with it).  The findings of a record
    kept so hold for the policy rules it names; a run with other rules evaluates them again."""
    a, b = _loaded(old), _loaded(new)
    return a is not None and b is not None and _same_output(unit, a, b)


def written(
    root: Path,
    unit: str,
    record: Record,
    key: str,
    policies: str,
    spec: SpecOf | None,
    vouched: str | None,
    sha256: bool = False,
) -> bytes:
    """The bytes to write for the record of `unit`: the record on disk when it differs in library versions
    alone (everything else, the findings included, is what this run found, so it may stay whoever wrote it:
    a machine with other library versions neither rewrites records nor fails `check` on them), or when it
    describes the same output and is the one this index holds (`vouched`: its blob id, written here or taken
    from the trusted revision); any other, such as one a pull request edited, is written anew, so `check`
    fails on it."""
    data = encode(unit, record, key, policies, library_versions(), spec)
    try:
        with open(f"{root}/{path(unit)}", "rb") as handle:
            old = handle.read()
    except OSError:
        return data
    a, b = (_loaded(old), _loaded(data)) if old != data else (None, None)
    if a is None or b is None:
        return data
    if {**a, "libraries": None} == {**b, "libraries": None}:
        return old
    if vouched is not None and _same_output(unit, a, b) and blob_id(old, sha256) == vouched:
        return old
    return data


def carry(root: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """`files` (a whole render's) plus the records on disk of the units it renders: the whole pipeline
    computes no records, and writing or committing its tree must not drop them."""
    out = dict(files)
    for unit in sorted({p.rpartition("/")[0] for p in files}):
        where = root / path(unit)
        if path(unit) not in out and where.is_file() and not where.is_symlink():
            out[path(unit)] = where.read_bytes()
    return out

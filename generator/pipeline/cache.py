"""A content-addressed cache of rendered releases, so that a run after a one-release change
re-renders and re-validates only that release.

An entry holds what one release renders to in one environment (a unit, see
generator.pipeline.units): each object with its YAML text and its schema findings.  Its key is
a hash of everything that result depends on: the code of this package (an upgrade or a local
edit never reuses old output), every template the renderer can load, and the unit's view
(generator.render.view: the release's name, file and metadata, the environment's name, file
and spec, the effective spec), as canonical JSON.  The renderer sees that view with its keys
sorted, so the key's canonical form is what the output is made from, neither more nor less.
A changed template or environment file therefore changes the key of every unit it touches;
nothing is ever invalidated by hand.

The cache lives in the user's cache directory, never in the repository, so nothing
committed to a GitOps repository can plant an entry that hides a finding.  Entries are
pickles (as black's cache is: several times faster to read than JSON); they are read only
from a directory that the user owns and that is closed to everyone else (mode 700).  An entry that
cannot be read counts as missing, and one that cannot be written only costs speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import stat
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import builtin

FORMAT = "3"

# What one object of a unit is made of: (template, object, YAML text, schema findings).
Produced = tuple[str, dict[str, Any], str, list[tuple[tuple[str | int, ...], str]]]


# Libraries whose behaviour reaches the output or the findings: templates, YAML, schemas and their messages.
_LIBRARIES = ("jinja2", "ruamel.yaml", "pyyaml", "jsonschema-rs", "kubernetes-validate")


@cache
def library_versions() -> str:
    """The versions of the libraries whose behaviour reaches the output or the findings, as one string."""
    out = []
    for library in _LIBRARIES:
        try:
            out.append(f"{library}=={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            out.append(f"{library} missing")
    return " ".join(out)


@cache
def package_fingerprint() -> str:
    """Hash of this package's own files and its built-in templates and policies: the same on every machine
    that runs the same modelops, from a wheel (which carries them in generator/_builtin/) or a checkout."""
    digest = hashlib.sha256(FORMAT.encode())
    places = [("", builtin.PACKAGE)]
    for name in ("templates", "policies"):
        with contextlib.suppress(RuntimeError):  # not installed: then nothing renders from it either
            places.append((f"{name}/", builtin.shipped(name)))
    for label, top in places:
        for path in sorted(top.rglob("*")):
            rel = path.relative_to(top)
            if path.suffix in (".py", ".json", ".yaml", ".j2") and not {"__pycache__", "_builtin"} & set(rel.parts):
                digest.update(f"{label}{rel.as_posix()}".encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """Hash of this package's own files and its libraries' versions: an upgrade or a local edit gets fresh entries."""
    return hashlib.sha256(f"{package_fingerprint()}\0{library_versions()}".encode()).hexdigest()


def default_directory() -> Path:
    base = os.environ.get("MODELOPS_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "modelops"


def _private(directory: Path) -> bool:
    """Ours alone: owned by this user and closed to everyone else (mode 700), so nobody else can
    reach, let alone plant, an entry anywhere below it, whatever the umask made of its subdirectories."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


@dataclass
class RenderCache:
    """Entries below `directory`; `hits` and `misses` count this run's lookups of units."""

    directory: Path
    hits: int = 0
    misses: int = 0
    _pending: dict[str, list[Produced]] = field(default_factory=dict)

    def key(self, *parts: Any) -> str:
        """Hash of the code and `parts` (JSON data) in canonical form: sorted keys, so their order never counts."""
        digest = hashlib.sha256(f"{code_fingerprint()}\0".encode())
        digest.update(json.dumps(parts, sort_keys=True, separators=(",", ":")).encode())
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / "render" / key[:2] / f"{key}.pickle"

    def lookup(self, key: str) -> list[Produced] | None:
        """The objects of the unit whose key is `key`, if there is an entry."""
        try:
            entry: list[Produced] = pickle.loads(self._path(key).read_bytes())
            if not _well_formed(entry):
                raise ValueError("not an entry")
        except Exception:  # missing, truncated or from another format: render instead
            self.misses += 1
            return None
        self.hits += 1
        return entry

    def store(self, key: str, objects: list[Produced]) -> None:
        """Keep what a unit rendered to; `flush` writes it."""
        self._pending[key] = objects

    def flush(self) -> None:
        """Write every pending entry."""
        for key, entry in self._pending.items():
            self.write(key, entry)
        self._pending.clear()

    def write(self, key: str, objects: list[Produced]) -> None:
        """Write one entry now: to a temporary name, then renamed, so a reader never sees half an entry
        (and render workers can write their units' entries side by side).

        Not synced: an entry lost in a crash is a miss, and syncing 3,000 of them cost 4.7 s of a cold render."""
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pickle.dumps(objects, protocol=5))
            os.replace(temporary, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _well_formed(entry: Any) -> bool:
    return isinstance(entry, list) and all(
        isinstance(o, tuple)
        and len(o) == 4
        and isinstance(o[0], str)
        and isinstance(o[1], dict)
        and isinstance(o[2], str)
        and isinstance(o[3], list)
        for o in entry
    )


def default() -> RenderCache | None:
    """The user's cache; None with MODELOPS_NO_CACHE set, or when the directory is not private."""
    if os.environ.get("MODELOPS_NO_CACHE", "") not in ("", "0"):
        return None
    directory = default_directory()
    return RenderCache(directory) if _private(directory) else None

"""Diagnostics and the exception types each stage raises.

Every finding the tool reports, from a YAML syntax error to a policy violation, is a
`Diagnostic`: a file position, a field path and a message.  A stage that cannot go on
raises its own `ModelOpsError` subclass carrying one or more diagnostics; the CLI is the
only place that catches them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Self

from generator import catalog
from generator.catalog import Severity

Path = tuple[str | int, ...]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_REPOSITORY = 3


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# What a terminal or a log reader acts on instead of showing: C0 and C1 controls (ESC starts
# escape sequences, CR and LF start a fake line), DEL, Unicode line and paragraph separators,
# and the bidirectional overrides that reorder what a reader sees ("Trojan Source").
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with control characters written as escapes (ESC as \\x1b, CR as \\r), for terminals and logs."""
    return _UNPRINTABLE.sub(_escape, text) if not text.isprintable() else text


def format_path(path: Sequence[str | int]) -> str:
    """`spec.env[0].name`; keys that are not identifiers are bracketed and quoted."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            out.append(f'["{part}"]')
    return "".join(out)


def nearest(known: Mapping[Path, object], path: Sequence[str | int]) -> Path | None:
    """The longest prefix of `path` (itself included) that `known` has: where a missing field would go."""
    probe = tuple(path)
    while probe not in known:
        if not probe:
            return None
        probe = probe[:-1]
    return probe


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    message: str
    location: Location | None = None
    field: str = ""
    severity: Severity = Severity.ERROR
    rule: str = ""
    environment: str | None = None
    release: str | None = None
    resource: str | None = None
    # For findings on rendered objects: the spec position that produced the value.
    origin: Location | None = None
    data: dict[str, object] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def format(self) -> str:
        """The one-line text form every text report prints; what came from a file cannot start a new
        line or send the terminal an escape sequence (see `printable`)."""
        head = str(self.location) if self.location else "modelops"
        middle = f" {self.field}:" if self.field else ""
        # A rendered file may not exist yet (render refused to write); the origin is where to fix it.
        origin = (
            f" (from {self.origin})" if self.origin and self.location and self.origin.file != self.location.file else ""
        )
        return printable(f"{head}:{middle} {self.message}{origin}")

    def with_context(self, **changes: object) -> Diagnostic:
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "severity": self.severity.value,
            "message": self.message,
            "file": self.location.file if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "field": self.field or None,
            "rule": self.rule or None,
            "environment": self.environment,
            "release": self.release,
            "resource": self.resource,
        }
        if self.origin:
            out["origin"] = {"file": self.origin.file, "line": self.origin.line, "column": self.origin.column}
        return out


def sort_key(diag: Diagnostic) -> tuple[object, ...]:
    loc = diag.location
    return (
        loc.file if loc else "",
        loc.line or 0 if loc else 0,
        loc.column or 0 if loc else 0,
        diag.field,
        diag.message,
    )


def merge_environments(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One line for a finding that every environment of a release repeats: `... (in dev, staging, prod)`."""
    groups: dict[tuple[object, ...], list[Diagnostic]] = {}
    for diag in diagnostics:
        key = (diag.location, diag.field, diag.message, diag.rule, diag.severity, diag.release, diag.resource)
        groups.setdefault(key, []).append(diag)
    out = []
    for items in groups.values():
        envs = list(dict.fromkeys(d.environment for d in items if d.environment))
        first = items[0]
        # Only a spec line shared by several environments needs "(in env)"; an environment file or a
        # rendered file already says which environment it is.
        if envs and first.release and not first.resource:
            first = replace(first, message=f"{first.message} (in {', '.join(envs)})", environment=", ".join(envs))
        out.append(first)
    return out


class ModelOpsError(Exception):
    """Base of every error the tool reports to a user; never shown as a traceback."""

    exit_code = EXIT_INVALID
    rule = ""  # the rule id `at` gives its diagnostic

    def __init__(self, diagnostics: Diagnostic | Iterable[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    @classmethod
    def at(
        cls,
        message: str,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str = "",
        **extra: object,
    ) -> Self:
        loc = Location(file, line, column) if file else None
        extra.setdefault("rule", cls.rule)
        return cls(Diagnostic(message, loc, field, **extra))  # type: ignore[arg-type]


class InputError(ModelOpsError):
    """A release spec, environment or other input file is malformed or inconsistent."""


class TemplateError(ModelOpsError):
    """A template failed to render or rendered something that is not a manifest."""

    rule = catalog.TEMPLATE


class PolicyError(ModelOpsError):
    """A policy or waiver file is malformed."""

    rule = catalog.POLICY_FILE


class UsageError(ModelOpsError):
    exit_code = EXIT_USAGE


class FetchError(ModelOpsError):
    """An artifact could not be fetched or does not have the expected digest."""


class RepositoryError(ModelOpsError):
    """The git repository is in a state the tool must not touch (or a push failed)."""

    exit_code = EXIT_REPOSITORY

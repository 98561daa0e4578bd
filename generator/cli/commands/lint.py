from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import clock
from generator.cli.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK, InputError, PolicyError, Severity, UsageError
from generator.inputs import discovery, resolve, spec, yamlio
from generator.inputs.sources import WorkTree
from generator.inputs.yamlio import Document
from generator.validate import checks
from generator.validate.policy import apply, loader
from generator.validate.report import Report


@dataclass
class Linted:
    report: Report = field(default_factory=Report)
    checked: int = 0  # files read: the release specs chosen, every environment file and policy file


def _relative(root: Path, file: Path) -> str:
    """`file` relative to the repository (pre-commit passes paths from the root)."""
    full = (file if file.is_absolute() else Path.cwd() / file).resolve()
    try:
        rel = full.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{file} is outside the repository {root}") from None
    return "" if rel == "." else rel


def _chosen(root: Path, files: tuple[Path, ...], releases: list[str], others: list[str]) -> list[str]:
    """The release specs among `files`: a directory stands for the specs below it. Environment and
    policy files are always checked; any other path is a usage error (nothing would check it)."""
    out: list[str] = []
    for file in files:
        rel = _relative(root, file)
        if (root / rel).is_dir():
            inside = [p for p in releases if not rel or p.startswith(rel + "/")]
            if not inside and not any(not rel or p.startswith(rel + "/") for p in others):
                raise UsageError(f"{file}: no release specs, environment or policy files in this directory")
            out.extend(inside)
        elif rel in releases:
            out.append(rel)
        elif rel not in others:
            problem = "no such file" if not (root / rel).exists() else "not a release spec, environment or policy file"
            raise UsageError(f"{file}: {problem}; modelops lint checks those")
    return sorted(set(out))


def _waived(root: Path, files: tuple[Path, ...], chosen: list[str], policy_files: list[str]) -> set[str] | None:
    """The releases whose waivers the lint needs, None for all: when a policy file is named (or a
    directory holding one), every waiver in it is checked; otherwise only the chosen specs' waivers are
    (a pre-commit run on one spec then parses no other release's waiver file)."""
    for file in files:
        rel = _relative(root, file)
        if any(not rel or p == rel or p.startswith(rel + "/") for p in policy_files):
            return None
    return {path.rsplit("/", 1)[-1].rsplit(".", 1)[0] for path in chosen}


def lint(
    root: Path,
    files: tuple[Path, ...],
    today: datetime.date | None = None,
    read_document: Callable[[bytes, str], Document] = yamlio.load,
) -> Linted:
    """Schema, cross-field and spec-layer policy checks of the environments and the given release specs
    (all when none given); manifest-layer rules need a render and are left to `modelops validate`.

    `read_document` parses each policy file read (a test counts them)."""
    source = WorkTree(root)
    linted = Linted()
    report = linted.report
    try:
        releases = discovery.release_files(source).checked()
        policy_files = discovery.files(source, discovery.POLICIES).checked()
        others = [*discovery.files(source, discovery.ENVIRONMENTS).checked(), *policy_files]
        chosen = _chosen(root, files, releases, others) if files else releases
        linted.checked = len(chosen) + len(others)
        inputs = spec.load_inputs(source, chosen)
        waived = _waived(root, files, chosen, policy_files) if chosen != releases else None
        policies = loader.load(source, read_document, releases=waived)
        resolved = resolve.resolve_all(inputs)
        report.findings.extend(d for r in resolved for d in checks.check(r))
        every = chosen == releases  # only then can a spec rule be said to match nothing anywhere
        report.findings.extend(apply.spec_layer(policies, resolved, today or clock.today(), complete=every))
        report.describe(policies)
    except (InputError, PolicyError) as exc:
        report.findings.extend(exc.diagnostics)
    return linted


def run(root: Path, console: Console, files: tuple[Path, ...], output: str, strict: bool) -> int:
    linted = lint(root, files)
    report = linted.report
    report.strict = strict
    if output == "text" and not report.failed():
        console.say(f"ok: {linted.checked} files checked, {len(report.diagnostics())} findings")
        for diag in report.diagnostics():
            if not (console.quiet and diag.severity is Severity.INFO):
                console.emit(console.diagnostic_line(diag))
        return EXIT_OK
    if output == "text":
        for diag in report.diagnostics():
            console.error(diag)
    else:
        from generator.cli.reporters import formats  # JUnit, SARIF, TAP: not needed for the hook's text

        formats.get(output)(report, console)
    return EXIT_INVALID if report.failed() else EXIT_OK

from __future__ import annotations

import datetime
from pathlib import Path

from generator import clock
from generator.cli.console import Console
from generator.cli.reporters import formats
from generator.errors import EXIT_INVALID, EXIT_OK, InputError, PolicyError, Severity, UsageError
from generator.inputs import resolve, spec
from generator.inputs.sources import WorkTree
from generator.validate import checks
from generator.validate.policy import apply, loader
from generator.validate.report import Report


def _relative(root: Path, files: tuple[Path, ...]) -> list[str]:
    """Repository-relative paths of the release specs among `files` (pre-commit passes paths from the root)."""
    out = []
    for file in files:
        full = (file if file.is_absolute() else Path.cwd() / file).resolve()
        try:
            rel = full.relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{file} is outside the repository {root}") from None
        if rel.startswith(spec.RELEASES_DIR + "/"):
            out.append(rel)
    return out


def lint(root: Path, files: tuple[Path, ...], today: datetime.date | None = None) -> Report:
    """Schema, cross-field and spec-layer policy checks of the environments and the given release specs
    (all when none given); manifest-layer rules need a render and are left to `modelops validate`."""
    source = WorkTree(root)
    report = Report()
    try:
        inputs = spec.load_inputs(source, _relative(root, files) if files else None)
        policies = loader.load(source)
        resolved = resolve.resolve_all(inputs)
        report.findings.extend(d for r in resolved for d in checks.check(r))
        report.findings.extend(apply.spec_layer(policies, resolved, today or clock.today()))
        report.describe(policies)
    except (InputError, PolicyError) as exc:
        report.findings.extend(exc.diagnostics)
    return report


def run(root: Path, console: Console, files: tuple[Path, ...], output: str, strict: bool) -> int:
    report = lint(root, files)
    report.strict = strict
    if output == "text" and not report.failed():
        console.say(f"ok: {len(files) or 'all'} files checked, {len(report.diagnostics())} findings")
        for diag in report.diagnostics():
            if not (console.quiet and diag.severity is Severity.INFO):
                console.emit(console.diagnostic_line(diag))
        return EXIT_OK
    if output == "text":
        for diag in report.diagnostics():
            console.error(diag)
    else:
        formats.get(output)(report, console)
    return EXIT_INVALID if report.failed() else EXIT_OK

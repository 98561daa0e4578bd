from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import clock
from generator.cli.console import Console
from generator.cli.reporters import formats, text
from generator.errors import EXIT_INVALID, EXIT_OK, UsageError
from generator.inputs.sources import WorkTree
from generator.manifests import checker, reader
from generator.pipeline import incremental
from generator.schemas import lookup


@dataclass(frozen=True)
class PathOptions:
    """The options that only `modelops validate PATH...` takes (kubeconform's names)."""

    kubernetes_version: str | None = None
    summary: bool = False
    skip: tuple[str, ...] = ()
    ignore_missing_schemas: bool = False
    schema_locations: tuple[Path, ...] = ()

    def given(self) -> list[str]:
        flags = [
            ("--kubernetes-version", self.kubernetes_version is not None),
            ("--summary", self.summary),
            ("--skip", bool(self.skip)),
            ("--ignore-missing-schemas", self.ignore_missing_schemas),
            ("--schema-location", bool(self.schema_locations)),
        ]
        return [name for name, present in flags if present]


def dispatch(
    root: Path,
    console: Console,
    paths: Sequence[Path],
    environments: tuple[str, ...],
    output: str,
    strict: bool,
    options: PathOptions,
    base: str | None = None,
) -> int:
    """No PATH: the repository (specs → render → schemas → policies). PATHs: those manifests only."""
    if paths:
        for name, given in (("--env", bool(environments)), ("--base", base is not None)):
            if given:
                raise UsageError(f"{name} applies to the repository; it does not apply to PATH arguments")
        return run_paths(console, paths, output, strict, options)
    if options.given():
        raise UsageError(f"{options.given()[0]} applies only to PATH arguments (modelops validate PATH...)")
    return run(root, console, environments, output, strict, base)


def run(
    root: Path, console: Console, environments: tuple[str, ...], output: str, strict: bool, base: str | None = None
) -> int:
    """Spec schema, Kubernetes schemas, GPU capacity and policies (and with `base`, the promotion order of
    what changed since that revision); exit 1 on any error."""
    outcome = None if environments else incremental.evaluate(root, write=False, progress=console.progress, kept=True)
    policies = None
    if outcome is not None:
        report, checked, policies = outcome.report, outcome.environments, outcome.policies
        outcome.save()
    else:
        from generator.pipeline import compose  # the whole pipeline: only when the incremental run cannot do

        built, report = compose.evaluate(WorkTree(root), environments, progress=console.progress)
        checked = built.inputs.environments if built is not None else {}
    if checked:  # input errors: the report has them, and nothing to compare yet
        from generator.pipeline import honesty

        report.findings.extend(honesty.findings(root, checked, base, clock.today(), policies))
    report.strict = strict
    report.order = list(checked)
    formats.get(output)(report, console)
    return EXIT_INVALID if report.failed() else EXIT_OK


def run_paths(console: Console, paths: Sequence[Path], output: str, strict: bool, options: PathOptions) -> int:
    """Any Kubernetes YAML, as kubeconform checks it; exit 1 when an object is invalid or cannot be checked."""
    if sum(1 for p in paths if str(p) == reader.STDIN) > 1:
        raise UsageError("- (standard input) can be given only once")
    with reader.without_cycle_collection():  # what is read is freed when _check_paths returns, inside it
        return _check_paths(console, paths, output, strict, options)


def _check_paths(console: Console, paths: Sequence[Path], output: str, strict: bool, options: PathOptions) -> int:
    version = lookup.kubernetes_version(options.kubernetes_version)
    schemas = lookup.SchemaLookup(version, strict, options.schema_locations)
    loaded = reader.load(paths, sys.stdin.buffer.read)  # called with the size limit
    check_options = checker.Options(
        strict=strict,
        skip=checker.parse_skip(options.skip),
        ignore_missing_schemas=options.ignore_missing_schemas,
    )
    report = checker.check(loaded, schemas, check_options, version)
    if output == "text" and options.summary:
        text.report(report, console)
    elif output == "text":
        text.diagnostics(report, console)  # silent on success, as kubeconform is without -summary
    else:
        console.machine_output()
        formats.get(output)(report, console)
        if options.summary:
            console.say(report.summary())  # on stderr: stdout holds the document
    return EXIT_INVALID if report.failed() else EXIT_OK

from __future__ import annotations

from pathlib import Path

from generator import pipeline, reporters
from generator.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK
from generator.sources import WorkTree


def run(root: Path, console: Console, environments: tuple[str, ...], output: str, strict: bool) -> int:
    """Spec schema, Kubernetes schemas, GPU capacity and policies; exit 1 on any error."""
    _, report = pipeline.evaluate(WorkTree(root), environments, progress=console.progress)
    report.strict = strict
    reporters.get(output)(report, console)
    return EXIT_INVALID if report.failed() else EXIT_OK

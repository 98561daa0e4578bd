"""Machine-readable report: one JSON document on stdout."""

from __future__ import annotations

import json

from generator.cli.console import Console
from generator.validate.report import Report


def report(rep: Report, console: Console) -> None:
    console.emit(json.dumps(rep.to_json(), indent=2, sort_keys=False))

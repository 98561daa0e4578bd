"""Validation report formats, looked up by the name given to --output."""

from __future__ import annotations

from collections.abc import Callable

from generator.cli.console import Console
from generator.cli.reporters import json_report, junit, sarif, tap, text
from generator.validate.report import Report

Reporter = Callable[[Report, Console], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.report,
    "json": json_report.report,
    "junit": junit.report,
    "sarif": sarif.report,
    "tap": tap.report,
}


def get(name: str) -> Reporter:
    return REPORTERS[name]

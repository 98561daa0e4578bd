"""Validation report formats, looked up by the name given to --output.

Each reporter is imported when asked for: a run that prints nothing but a summary line does
not pay for the SARIF and JUnit writers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from generator.cli.console import Console
    from generator.validate.report import Report

Reporter = Callable[["Report", "Console"], None]

MODULES = {"text": "text", "json": "json_report", "junit": "junit", "sarif": "sarif", "tap": "tap"}


def get(name: str) -> Reporter:
    module = importlib.import_module(f"generator.cli.reporters.{MODULES[name]}")
    return cast(Reporter, module.report)

"""Terminal output: quiet mode, colour only for a terminal (and never with NO_COLOR), progress on stderr."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from generator.errors import Diagnostic, Severity

_COLORS = {"red": "31", "yellow": "33", "green": "32", "cyan": "36", "bold": "1", "dim": "2"}
_BAR_WIDTH = 24
_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def use_color(stream: TextIO, requested: bool | None) -> bool:
    if requested is not None:
        return requested
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


class Console:
    def __init__(
        self, quiet: bool = False, color: bool | None = None, out: TextIO | None = None, err: TextIO | None = None
    ):
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.quiet = quiet
        # Where informational lines go; stderr once stdout carries a machine-readable report.
        self.info = self.out
        self.color = use_color(self.out, color)
        self.err_color = use_color(self.err, color)
        self._progress_shown = False
        self._progress_drawn = 0.0
        self._phase = ""

    def paint(self, text: str, color: str, stream_color: bool | None = None) -> str:
        enabled = self.color if stream_color is None else stream_color
        return f"\x1b[{_COLORS[color]}m{text}\x1b[0m" if enabled else text

    def machine_output(self) -> None:
        """Keep stdout for a JSON (or other machine-readable) document."""
        self.info = self.err

    def say(self, text: str = "") -> None:
        """Informational output; --quiet drops it."""
        if not self.quiet:
            self.clear_progress()
            print(text, file=self.info)

    def emit(self, text: str) -> None:
        """Primary output (a report, JSON): always printed."""
        self.clear_progress()
        print(text, file=self.out, end="" if text.endswith("\n") else "\n")

    def diagnostic_line(self, diag: Diagnostic, color: bool | None = None) -> str:
        line = diag.format()
        tag = f" [{diag.rule}]" if diag.rule else ""
        severity = "" if diag.severity is Severity.ERROR else f" ({diag.severity.value})"
        return self.paint(line, _SEVERITY_COLOR[diag.severity], color) + self.paint(tag + severity, "dim", color)

    def error(self, diag: Diagnostic) -> None:
        self.clear_progress()
        print(self.diagnostic_line(diag, self.err_color), file=self.err)

    def fail(self, text: str) -> None:
        self.clear_progress()
        print(self.paint(text, "red", self.err_color), file=self.err)

    def progress(self, label: str, done: int = 0, total: int = 0, phase: str = "rendering") -> None:
        """A one-line status (the phase, a bar, what is being done) on a terminal's stderr, overwritten as work goes on.

        Nothing when stderr is not a terminal, under --quiet or in CI; redrawn at most ten
        times a second, so thousands of releases do not flood a slow terminal.
        """
        if self.quiet or os.environ.get("CI") or not getattr(self.err, "isatty", lambda: False)():
            return
        now = time.monotonic()
        if self._progress_shown and now - self._progress_drawn < 0.1 and done != total and phase == self._phase:
            return
        self._phase = phase
        self._progress_shown, self._progress_drawn = True, now
        bar = ""
        if total:
            filled = _BAR_WIDTH * done // total
            bar = f"[{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {done}/{total} "
        print(f"\r\x1b[2K{self.paint(phase, 'dim', self.err_color)} {bar}{label}", end="", file=self.err, flush=True)

    def clear_progress(self) -> None:
        if self._progress_shown:
            print("\r\x1b[2K", end="", file=self.err, flush=True)
            self._progress_shown = False

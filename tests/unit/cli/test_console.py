from __future__ import annotations

import io

import pytest

from generator.cli.console import Console, use_color
from generator.errors import Diagnostic, Location, Severity


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Terminal(), None) is True
    assert use_color(io.StringIO(), None) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Terminal(), None) is False
    assert use_color(Terminal(), True) is True  # --color wins


def test_diagnostic_line_format() -> None:
    out = io.StringIO()
    console = Console(color=False, out=out, err=out)
    diag = Diagnostic(
        "too many GPUs",
        Location("releases/a.yaml", 3, 5),
        "spec.resources.gpu.count",
        severity=Severity.WARNING,
        rule="MO-GPU-002",
    )
    assert console.diagnostic_line(diag) == (
        "releases/a.yaml:3:5: spec.resources.gpu.count: too many GPUs [MO-GPU-002] (warning)"
    )


def test_progress_goes_to_a_terminal_stderr_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    out, err = io.StringIO(), Terminal()
    console = Console(color=False, out=out, err=err)
    console.progress("dev/llama")
    console.say("done")
    assert "rendering dev/llama" in err.getvalue()
    assert err.getvalue().endswith("\r\x1b[2K")  # cleared before the next line of output
    assert out.getvalue() == "done\n"
    piped = io.StringIO()
    Console(err=piped).progress("dev/llama")
    assert piped.getvalue() == ""
    quiet = Terminal()
    Console(quiet=True, err=quiet).progress("dev/llama")
    assert quiet.getvalue() == ""
    monkeypatch.setenv("CI", "true")
    in_ci = Terminal()
    Console(err=in_ci).progress("dev/llama")
    assert in_ci.getvalue() == ""


def test_progress_bar_counts_and_is_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    err = Terminal()
    console = Console(color=False, err=err)
    for done in range(1, 1001):
        console.progress(f"prod/r{done}", done, 1000)
    drawn = err.getvalue().split("\r\x1b[2K")[1:]
    assert drawn[0] == "rendering [........................] 1/1000 prod/r1"
    assert drawn[-1] == "rendering [########################] 1000/1000 prod/r1000"  # the last one always shows
    assert len(drawn) < 50


def test_machine_output_moves_information_to_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    console = Console(out=out, err=err)
    console.machine_output()
    console.say("pushed to origin/main")
    console.emit('{"ok": true}')
    assert out.getvalue() == '{"ok": true}\n'
    assert err.getvalue() == "pushed to origin/main\n"

"""Human-readable report: one `file:line:col: field: message [rule]` line per finding, then a summary."""

from __future__ import annotations

from generator.cli.console import Console
from generator.validate.report import Report


def capacity_table(report: Report) -> list[str]:
    rows = [("environment", "gpu type", "requested", "in rollout", "capacity", "")]
    for row in report.capacity:
        capacity = "-" if row.capacity is None else str(row.capacity)
        status = "OVER" if row.over else "ok"
        rows.append((row.environment, row.gpu_type, str(row.requested), str(row.peak), capacity, status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]


def diagnostics(rep: Report, console: Console) -> None:
    """One line per finding, without the summary."""
    for diag in rep.diagnostics(infos=not console.quiet):  # waived findings are context, not news
        console.emit(console.diagnostic_line(diag))


def report(rep: Report, console: Console) -> None:
    diagnostics(rep, console)
    for note in rep.notes:
        console.say(console.paint(note, "dim"))
    if rep.capacity and any(row.requested or row.over for row in rep.capacity):
        console.say("GPU capacity at max replicas (steady, and at a rollout's peak, which is checked):")
        for line in capacity_table(rep):
            console.say("  " + line)
    colour = "red" if rep.failed() else "green"
    console.emit(console.paint(rep.summary(), colour))

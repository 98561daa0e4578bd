"""TAP version 13 (Test Anything Protocol): one test point per object, for TAP consumers in CI.

`ok` or `not ok` per checked object, `# SKIP` for skipped ones (validate PATH... --skip), one
point per input file with findings that belong to no object; the diagnostics follow a failing
(or warning) point as the YAML block TAP 13 allows.
"""

from __future__ import annotations

from generator.cli.console import Console
from generator.errors import Diagnostic, printable, sort_key
from generator.render import emitter
from generator.validate.report import Report


def _block(rep: Report, found: list[Diagnostic]) -> list[str]:
    found = sorted(found, key=sort_key)
    failing = [d for d in found if rep.failing(d.severity)]
    data = {
        "message": (failing or found)[0].message,
        "severity": "fail" if failing else "comment",
        "diagnostics": [{k: v for k, v in d.to_json().items() if v is not None and k in _FIELDS} for d in found],
    }
    text = emitter.dump(data)
    return ["  ---", *(f"  {line}" if line else "" for line in text.splitlines()), "  ..."]


_FIELDS = ("severity", "file", "line", "column", "field", "message", "rule")


def _description(text: str) -> str:
    # '#' starts a directive in TAP; a description must not carry one by accident.
    return printable(text.replace("\\", "\\\\").replace("#", "\\#").replace("\n", " "))


def lines(rep: Report) -> list[str]:
    points: list[tuple[bool, str, list[Diagnostic], str | None]] = []
    for resource in rep.every_resource():
        ok = not any(rep.failing(d.severity) for d in resource.diagnostics)
        points.append((ok, f"{resource.path} {resource.kind}/{resource.name}", resource.diagnostics, None))
    for skipped in getattr(rep, "skipped", []):  # only validate PATH... skips objects
        points.append((True, f"{skipped.file} {skipped.kind}/{skipped.name}", [], skipped.reason))
    by_file: dict[str, list[Diagnostic]] = {}
    for diag in rep.findings:
        by_file.setdefault(diag.location.file if diag.location else "modelops", []).append(diag)
    for file, found in sorted(by_file.items()):
        points.append((not any(rep.failing(d.severity) for d in found), file, found, None))
    out = ["TAP version 13", f"1..{len(points)}"]
    for number, (ok, description, found, skip) in enumerate(points, 1):
        directive = f" # SKIP {_description(skip)}" if skip is not None else ""
        out.append(f"{'ok' if ok else 'not ok'} {number} - {_description(description)}{directive}")
        if found:
            out.extend(_block(rep, found))
    return out


def report(rep: Report, console: Console) -> None:
    console.emit("\n".join(lines(rep)) + "\n")

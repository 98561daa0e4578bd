"""SARIF 2.1.0 for code scanning: findings land on the spec lines that caused them.

A finding on a rendered object is located at the release spec line that produced it (the
rule's `source` field, else the release's name), with the rendered file as a related
location; waived findings are reported with a suppression.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from generator import __version__
from generator.cli.console import Console
from generator.errors import Diagnostic, Location, Severity
from generator.validate.report import Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
BASE = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_UNNAMED = "modelops"


def _physical(loc: Location) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": loc.line or 1}
    if loc.column:
        region["startColumn"] = loc.column
    uri = urllib.parse.quote(loc.file)  # a relative URI reference: spaces and the like escaped
    return {"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": BASE}, "region": region}}


def _result(diag: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    rule = diag.rule or _UNNAMED
    data_waiver = diag.data.get("waiver")
    waiver = data_waiver if isinstance(data_waiver, dict) else None
    severity = Severity(str(diag.data["severity"])) if waiver else diag.severity
    text = f"{diag.field}: {diag.message}" if diag.field else diag.message
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": _LEVEL[severity],
        "message": {"text": text},
    }
    primary = diag.origin or diag.location
    if primary is not None:
        result["locations"] = [_physical(primary)]
    if diag.origin is not None and diag.location is not None:
        related = _physical(diag.location)
        related.update({"id": 1, "message": {"text": f"rendered {diag.resource or 'object'}"}})
        result["relatedLocations"] = [related]
    if waiver:
        result["suppressions"] = [
            {
                "kind": "external",
                "state": "accepted",
                "justification": f"{waiver['reason']} (owner {waiver['owner']}, until {waiver['expires']})",
            }
        ]
    properties = {
        k: v
        for k, v in (
            ("field", diag.field),
            ("environment", diag.environment),
            ("release", diag.release),
            ("resource", diag.resource),
        )
        if v
    }
    if properties:
        result["properties"] = properties
    return result


def document(rep: Report) -> dict[str, Any]:
    diagnostics = rep.diagnostics()
    ids = sorted(set(rep.rules) | {d.rule or _UNNAMED for d in diagnostics})
    rules = []
    for rule_id in ids:
        info = rep.rules.get(rule_id)
        title = info.title if info else rule_id
        entry: dict[str, Any] = {"id": rule_id, "shortDescription": {"text": title}}
        if info:
            entry["fullDescription"] = {"text": info.description}
            entry["help"] = {"text": f"{info.title}. {info.description}"}
            entry["defaultConfiguration"] = {"level": _LEVEL[info.severity]}
        rules.append(entry)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "modelops",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index) for d in diagnostics],
            }
        ],
    }


def report(rep: Report, console: Console) -> None:
    console.emit(json.dumps(document(rep), indent=2))

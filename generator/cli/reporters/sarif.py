"""SARIF 2.1.0 for code scanning: findings land on the spec lines that caused them.

A finding on a rendered object is located at the release spec line that produced it (the
rule's `source` field, else the release's name), with the rendered file as a related
location; waived findings are reported with a suppression. Findings of one rule on one line
(a spec line every environment repeats) are one result whose message names the spec field
and the environments, with a related location per rendered object.
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


def _group_key(diag: Diagnostic) -> tuple[object, ...]:
    waiver = diag.data.get("waiver")
    where = waiver.get("location") if isinstance(waiver, dict) else None
    return (diag.origin or diag.location, diag.rule or _UNNAMED, diag.release, where)


def _groups(diagnostics: list[Diagnostic], order: list[str]) -> list[list[Diagnostic]]:
    """Findings that land on one location with one rule (a spec line every environment repeats, each container
    of a pod): one result each, so code scanning shows one alert per spec line, naming its environments
    (in promotion order)."""
    groups: dict[tuple[object, ...], list[Diagnostic]] = {}
    for diag in diagnostics:
        groups.setdefault(_group_key(diag), []).append(diag)
    rank = {name: i for i, name in enumerate(order)}
    return [sorted(g, key=lambda d: rank.get(d.environment or "", len(rank))) for g in groups.values()]


def _severity(diag: Diagnostic) -> Severity:
    """A waived finding keeps its rule's level; the suppression says why it does not count."""
    return Severity(str(diag.data["severity"])) if isinstance(diag.data.get("waiver"), dict) else diag.severity


def _spec_field(diag: Diagnostic) -> str:
    """The field at the result's own line: the rule's spec field, the release's name, or the finding's field."""
    if diag.origin is None:
        return diag.field
    source = diag.data.get("source")
    return str(source) if source else "metadata.name"


def _text(items: list[Diagnostic]) -> str:
    """`field: message (in staging, prod)`; findings with different messages each with their environments."""
    messages: dict[str, list[str]] = {}
    for diag in items:
        # A waived finding's message ends in where its waiver is: the same for every environment of the group.
        envs = messages.setdefault(diag.message, [])
        if diag.environment and diag.environment not in envs:
            envs.append(diag.environment)
    parts = [f"{message} (in {', '.join(envs)})" if envs else message for message, envs in messages.items()]
    field = _spec_field(items[0])
    return f"{field}: {'; '.join(parts)}" if field else "; ".join(parts)


def _result(items: list[Diagnostic], rule_index: dict[str, int]) -> dict[str, Any]:
    first = items[0]
    rule = first.rule or _UNNAMED
    data_waiver = first.data.get("waiver")
    waiver = data_waiver if isinstance(data_waiver, dict) else None
    severity = max((_severity(d) for d in items), key=lambda s: s.rank)
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "level": _LEVEL[severity],
        "message": {"text": _text(items)},
    }
    primary = first.origin or first.location
    if primary is not None:
        result["locations"] = [_physical(primary)]
    related: list[dict[str, Any]] = []
    for diag in items:
        if diag.origin is not None and diag.location is not None:
            where = _physical(diag.location)
            what = " ".join(p for p in (diag.resource or "object", diag.field) if p)
            scope = f" in {diag.environment}" if diag.environment else ""
            where.update({"id": len(related) + 1, "message": {"text": f"rendered {what}{scope}"}})
            related.append(where)
    if related:
        result["relatedLocations"] = related
    if waiver:
        result["suppressions"] = [
            {
                "kind": "external",
                "state": "accepted",
                "justification": f"{waiver['reason']} (owner {waiver['owner']}, until {waiver['expires']})",
            }
        ]
    properties: dict[str, Any] = {}
    lists = (
        ("field", [_spec_field(d) for d in items]),
        ("environments", [d.environment for d in items]),
        ("release", [d.release for d in items]),
        ("resources", [d.resource for d in items]),
    )
    for name, values in lists:
        unique = list(dict.fromkeys(v for v in values if v))
        if unique:
            properties[name] = unique if name in ("environments", "resources") else unique[0]
    if properties:
        result["properties"] = properties
    return result


def document(rep: Report) -> dict[str, Any]:
    diagnostics = rep.each()
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
                "results": [_result(items, index) for items in _groups(diagnostics, rep.order)],
            }
        ],
    }


def report(rep: Report, console: Console) -> None:
    console.emit(json.dumps(document(rep), indent=2))

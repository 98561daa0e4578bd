"""Reading policies/: PolicySet files with rules, WaiverList files with exceptions.

A malformed policy is a PolicyError naming the file, line and field, like any other input.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable
from typing import Any

import jsonschema_rs

from generator import catalog, layout
from generator.errors import Diagnostic, InputError, Location, PolicyError, Severity, format_path, sort_key
from generator.inputs import discovery, yamlio
from generator.inputs.sources import Source
from generator.inputs.yamlio import Document
from generator.schemas import shipped
from generator.validate.policy import builtins
from generator.validate.policy.jsonpath import JsonPathError, parse
from generator.validate.policy.model import SPEC, Policies, Rule, Waiver

_SCHEMAS = {"PolicySet": "policyset.schema.json", "WaiverList": "waiverlist.schema.json"}


class _Errors:
    def __init__(self) -> None:
        self.found: list[Diagnostic] = []

    def add(self, doc: Document, path: tuple[str | int, ...], message: str) -> None:
        self.found.append(Diagnostic(message, doc.locate(path), format_path(path), rule=catalog.POLICY_FILE))


def _outside_reference(node: Any) -> str | None:
    """A `$schema` or non-local `$ref` in a fragment: either would mean fetching a document."""
    children: Iterable[Any]
    if isinstance(node, dict):
        if "$schema" in node:
            return "fragments are JSON Schema 2020-12; remove $schema"
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return f"$ref {ref!r} points outside the fragment; only local references (#/...) are allowed"
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    return next((found for child in children if (found := _outside_reference(child))), None)


def _compile_schema(fragment: dict[str, Any]) -> tuple[Any, str | None]:
    """The compiled fragment, or why it is not a valid JSON Schema (never fetched from the network)."""
    problem = _outside_reference(fragment)
    if problem:
        return None, problem
    try:
        jsonschema_rs.meta.validate(fragment)
        return jsonschema_rs.validator_for(fragment, offline=True), None
    except (jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError, ValueError) as exc:
        return None, str(getattr(exc, "message", exc)).splitlines()[0]


def _rule(doc: Document, index: int, raw: dict[str, Any], set_name: str, errors: _Errors) -> Rule | None:
    base = ("rules", index)
    ok = True
    if ("assert" in raw) == ("check" in raw):
        errors.add(doc, base, "a rule needs exactly one of assert (a JSON Schema fragment) or check (a built-in)")
        return None
    selects = raw.get("select", "$")
    texts = [selects] if isinstance(selects, str) else list(selects)
    compiled = []
    for i, text in enumerate(texts):
        try:
            compiled.append(parse(text))
        except JsonPathError as exc:
            where = (*base, "select") if isinstance(selects, str) else (*base, "select", i)
            errors.add(doc, where, f"invalid path: {exc}")
            ok = False
    validator = None
    if "assert" in raw:
        validator, problem = _compile_schema(raw["assert"])
        if problem:
            errors.add(doc, (*base, "assert"), f"not a valid JSON Schema: {problem}")
            ok = False
    check = raw.get("check", {})
    if check:
        problem = builtins.check_arguments(check["builtin"], check.get("with", {}), raw["layer"], "select" in raw)
        if problem:
            errors.add(doc, (*base, "check"), problem)
            ok = False
    if raw["layer"] == SPEC and "kinds" in raw.get("match", {}):
        errors.add(doc, (*base, "match", "kinds"), "kinds apply to the manifest layer only")
        ok = False
    if not ok:
        return None
    match = raw.get("match", {})
    return Rule(
        id=raw["id"],
        title=raw["title"],
        severity=Severity(raw["severity"]),
        layer=raw["layer"],
        selects=tuple(compiled),
        rationale=raw["rationale"],
        location=doc.locate((*base, "id")),
        kinds=tuple(match["kinds"]) if "kinds" in match else None,
        environments=tuple(match["environments"]) if "environments" in match else None,
        levels=tuple(match["levels"]) if "levels" in match else None,
        schema=raw.get("assert"),
        validator=validator,
        builtin=check.get("builtin"),
        args=dict(check.get("with", {})),
        message=raw.get("message"),
        source=tuple(raw["source"].split(".")) if "source" in raw else None,
        examples=raw["examples"],
        policy_set=set_name,
        select_at=(doc.locate((*base, "select")), format_path((*base, "select"))) if "select" in raw else None,
    )


def _waiver(doc: Document, index: int, raw: dict[str, Any], errors: _Errors) -> Waiver | None:
    try:
        expires = datetime.date.fromisoformat(raw["expires"])
    except ValueError:
        errors.add(doc, ("waivers", index, "expires"), f"{raw['expires']!r} is not a date (YYYY-MM-DD)")
        return None
    return Waiver(
        raw["rule"],
        raw.get("release"),
        raw.get("environment"),
        raw["reason"],
        raw["owner"],
        expires,
        doc.locate(("waivers", index)),
    )


_NAME_BYTES = frozenset(b"-abcdefghijklmnopqrstuvwxyz0123456789")  # what a release name is made of


def _names_in(raw: bytes, names: Iterable[bytes]) -> bool:
    """Whether one of `names` stands alone in `raw`, not as part of a longer name (`bge` is not in `bge-2`).
    bytes.find, not a regular expression: a lookbehind would make re try every position of 2 MB of waivers."""
    for name in names:
        at = raw.find(name)
        while at >= 0:
            end = at + len(name)
            if (at == 0 or raw[at - 1] not in _NAME_BYTES) and (end == len(raw) or raw[end] not in _NAME_BYTES):
                return True
            at = raw.find(name, at + 1)
    return False


def _waives_none_of(raw: bytes, names: Iterable[bytes]) -> bool:
    """Whether `raw` is plainly a WaiverList in which no waiver can name one of the releases `names`,
    judged on the bytes alone, so that a lint of one spec does not parse 10,000 other releases' waivers.

    Plainly a WaiverList: exactly one line starts with `kind:` (a top-level key; a second such line
    would be a duplicate key or text inside a scalar) and it says WaiverList.  A release's name can be
    a value only as its own bytes (an escape needs a backslash, and folding a line adds a space, which
    no release name holds), standing between characters that cannot continue it.  Anything else, an
    unreadable or oddly encoded file included, is parsed as usual, so its errors are reported."""
    first = raw.startswith(b"kind:")
    if raw.count(b"\nkind:") + first != 1 or b"\\" in raw:
        return False
    start = 0 if first else raw.index(b"\nkind:") + 1
    stop = raw.find(b"\n", start)
    line = raw[start:] if stop < 0 else raw[start:stop]
    return line[len(b"kind:") :].strip() == b"WaiverList" and not _names_in(raw, names)


def load(
    source: Source,
    read_document: Callable[[bytes, str], Document] = yamlio.load,
    releases: Collection[str] | None = None,
) -> Policies:
    """Every rule and waiver in policies/; raises PolicyError listing every problem.

    `read_document` parses one file (an incremental run passes one that remembers unchanged files).
    `releases`: only these releases' waivers are wanted (a lint of some specs): a WaiverList file that
    plainly waives none of them is not parsed, and other releases' waivers are left out, so that what
    is reported about waivers (an expired one) is the same whichever file holds them."""
    errors = _Errors()
    policies = Policies()
    waiver_docs: list[tuple[Document, dict[str, Any]]] = []
    listing = discovery.files(source, discovery.POLICIES)
    errors.found.extend(listing.problems)
    names = sorted(name.encode() for name in releases) if releases is not None else None
    for path in listing.files:
        try:
            raw = source.read(path)
            if names is not None and _waives_none_of(raw, names):
                continue
            doc = read_document(raw, path)
        except InputError as exc:  # reported as the policy stage's own error type
            errors.found.extend(exc.diagnostics)
            continue
        data = doc.data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind not in _SCHEMAS:
            errors.add(doc, ("kind",), "a policy file holds kind: PolicySet or kind: WaiverList")
            continue
        findings = shipped.validate(_SCHEMAS[kind], data, doc.raw)
        for finding_path, message in findings:
            errors.add(doc, finding_path, message)
        if findings:
            continue
        if kind == "WaiverList":
            waiver_docs.append((doc, data))
            continue
        for index, raw in enumerate(data["rules"]):
            rule = _rule(doc, index, raw, data["metadata"]["name"], errors)
            if rule is None:
                continue
            if rule.id in policies.rules:
                other = policies.rules[rule.id].location
                errors.add(doc, ("rules", index, "id"), f"rule {rule.id} is also defined at {other}")
                continue
            policies.rules[rule.id] = rule
    for doc, data in waiver_docs:
        for index, raw in enumerate(data["waivers"]):
            if raw["rule"] not in policies.rules and raw["rule"] not in catalog.WAIVABLE:
                errors.add(doc, ("waivers", index, "rule"), f"unknown rule {raw['rule']!r}")
                continue
            waiver = _waiver(doc, index, raw, errors)
            if waiver is not None and (releases is None or waiver.release in releases):
                policies.waivers.append(waiver)
    if errors.found:
        raise PolicyError(sorted(errors.found, key=sort_key))
    if not policies.rules:
        missing = not source.is_dir(layout.POLICIES_DIR)
        where = f"no {layout.POLICIES_DIR}/ directory" if missing else f"{layout.POLICIES_DIR}/ defines no rules"
        policies.warnings.append(
            Diagnostic(
                f"{where}; no policy is enforced",
                Location(layout.POLICIES_DIR),
                severity=Severity.WARNING,
                rule=catalog.POLICY_NONE,
            )
        )
    return policies

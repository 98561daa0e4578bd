from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, TypedDict

from generator.cli.console import Console
from generator.errors import EXIT_INVALID, EXIT_OK, Diagnostic, UsageError, format_path, printable
from generator.inputs import spec
from generator.inputs.sources import WorkTree
from generator.render import emitter
from generator.validate.policy import builtins, engine, loader
from generator.validate.policy.model import Rule


class _Listing(TypedDict):
    level: Any
    rules: list[Rule]


def _scope(rule: Rule) -> str:
    parts = [f"kinds {', '.join(rule.kinds)}" if rule.kinds else "all kinds" if rule.layer == "manifest" else ""]
    parts.append(f"environments {', '.join(rule.environments)}" if rule.environments else "all environments")
    parts.append(f"levels {', '.join(rule.levels)}" if rule.levels else "all levels")
    return "; ".join(p for p in parts if p)


def run_list(root: Path, console: Console, environments: tuple[str, ...], output: str) -> int:
    """The rules active in each environment (its name and policy level decide)."""
    source = WorkTree(root)
    envs = spec.load_environments(source)
    unknown = [e for e in environments if e not in envs]
    if unknown:
        raise UsageError(spec.unknown("environment", unknown[0], envs))
    policies = loader.load(source)
    table: dict[str, _Listing] = {}
    for name, env in envs.items():
        if environments and name not in environments:
            continue
        rules = sorted((r for r in policies.rules.values() if r.applies_to(env)), key=lambda r: r.id)
        table[name] = {"level": env.get("policy", "level", default="standard"), "rules": rules}
    if output == "json":
        console.emit(
            json.dumps(
                {
                    "environments": {
                        name: {
                            "level": entry["level"],
                            "rules": [
                                {
                                    "id": r.id,
                                    "title": r.title,
                                    "severity": r.severity.value,
                                    "layer": r.layer,
                                    "policySet": r.policy_set,
                                    "file": r.location.file,
                                    "line": r.location.line,
                                }
                                for r in entry["rules"]
                            ],
                        }
                        for name, entry in table.items()
                    }
                },
                indent=2,
            )
        )
        return EXIT_OK
    for name, entry in table.items():
        rules = entry["rules"]
        console.emit(f"{name} (level {entry['level']}): {len(rules)} rules")
        for r in rules:
            console.emit(f"  {r.id:<12} {r.severity.value:<8} {r.layer:<9} {printable(r.title)}")
    return EXIT_OK


def _block(data: object) -> str:
    return "\n".join("    " + line for line in emitter.dump(data).splitlines())


def run_explain(root: Path, console: Console, rule_id: str) -> int:
    """A rule, why it exists, and its examples checked live."""
    source = WorkTree(root)
    policies = loader.load(source)
    rule = policies.rules.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, list(policies.rules), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(policies.rules))}"
        raise UsageError(f"unknown rule {rule_id!r}{hint}")
    envs = spec.load_environments(source)
    active = [name for name, env in envs.items() if rule.applies_to(env)]
    console.emit(f"{rule.id}  {printable(rule.title)}")
    console.emit(
        f"  severity: {rule.severity.value}   layer: {rule.layer}   policy set: {rule.policy_set} "
        f"({printable(str(rule.location))})"
    )
    console.emit(f"  applies to: {_scope(rule)}")
    console.emit(f"  active in: {', '.join(active) or 'no environment'}")
    if rule.layer == "manifest" and rule.builtin not in builtins.RELEASE:
        console.emit(f"  select: {printable(', '.join(s.text for s in rule.selects))}")
    if rule.schema is not None:
        console.emit("  assert:\n" + _block(rule.schema))
    else:
        args = f" with {json.dumps(rule.args)}" if rule.args else ""
        console.emit(f"  check: built-in {rule.builtin}{args}")
    console.emit("  rationale:\n    " + "\n    ".join(printable(line) for line in rule.rationale.strip().splitlines()))
    for label, found in zip(("pass", "fail"), engine.check_examples(rule), strict=True):
        console.emit(f"  {'passing' if label == 'pass' else 'failing'} example:\n" + _block(rule.examples[label]))
        if not found:
            console.emit("    -> passes")
        for path, message in found:
            console.emit(printable(f"    -> {format_path(path) or '(release)'}: {message}"))
    return EXIT_OK


def run_test(root: Path, console: Console) -> int:
    """Each rule's passing example yields no finding and its failing example at least one."""
    policies = loader.load(WorkTree(root))
    broken = 0
    for rule in sorted(policies.rules.values(), key=lambda r: r.id):
        passing, failing = engine.check_examples(rule)
        problems = [f"passing example fails: {format_path(p) or '(release)'}: {m}" for p, m in passing]
        if not failing:
            problems.append("failing example passes")
        broken += bool(problems)
        for problem in problems:
            console.error(Diagnostic(problem, rule.location, "examples", rule=rule.id))
        if not problems:
            console.say(f"ok  {rule.id}")
    console.say(f"{len(policies.rules)} rules, {broken} with examples that do not behave")
    return EXIT_INVALID if broken else EXIT_OK

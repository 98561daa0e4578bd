"""Evaluating rules against rendered objects and effective specs, then applying waivers."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from generator import catalog
from generator.errors import Diagnostic, Location, Path, Severity, format_path
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment
from generator.schemas import shipped
from generator.validate import canary_traffic
from generator.validate.policy import builtins
from generator.validate.policy.coverage import Coverage
from generator.validate.policy.model import MANIFEST, SPEC, Policies, Rule, Waiver

if TYPE_CHECKING:  # rendering pulls in Jinja; the pre-commit hook checks specs without it
    from generator.render.objects import RenderedObject, RenderedTree

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _message(rule: Rule, node: Any, default: str) -> str:
    if not rule.message:
        return default
    fields = node if isinstance(node, dict) else {}
    return _PLACEHOLDER.sub(lambda m: str(fields.get(m.group(1), m.group(0))), rule.message)


def check_node(
    rule: Rule, root: Any, env_spec: dict[str, Any], coverage: Coverage | None = None
) -> list[tuple[Path, str]]:
    """Violations of a node rule in one object (or effective spec), as (path in root, message)."""
    out: list[tuple[Path, str]] = []
    selected = False
    for select in rule.selects:
        for path, node in select.select(root):
            selected = True
            if rule.schema is not None:
                found = shipped.explain_all(rule.validator.iter_errors(node), [rule.schema])
            else:
                found = builtins.NODE[str(rule.builtin)](node, rule.args, env_spec)
            for sub, message in found:
                out.append(((*path, *sub), _message(rule, node, message)))
    if coverage is not None:
        coverage.note(rule, selected)
    return out


def _renders_kind(rule: Rule, objects: list[Any]) -> bool:
    """A release-wide rule with match.kinds applies to releases that render one of those kinds."""
    return rule.kinds is None or any(isinstance(o, dict) and rule.matches_kind(str(o.get("kind"))) for o in objects)


def check_release(rule: Rule, objects: list[dict[str, Any]], env_spec: dict[str, Any]) -> list[builtins.ReleaseFinding]:
    return builtins.RELEASE[str(rule.builtin)](objects, rule.args, env_spec)


def _release_of(obj: RenderedObject) -> str | None:
    """The release an object belongs to; an Argo CD Application names its release in a label."""
    if obj.release:
        return obj.release
    labels = obj.obj.get("metadata", {}).get("labels", {})
    return labels.get("modelops.io/release") if obj.obj.get("kind") == "Application" else None


def _origin(rule: Rule, obj: RenderedObject, resolved: dict[tuple[str, str], Resolved]) -> Location | None:
    owner = resolved.get((obj.environment, _release_of(obj) or ""))
    if rule.source and owner is not None:
        return owner.locate(rule.source)
    return obj.origin


def _finding(rule: Rule, obj: RenderedObject, path: Path, message: str, origin: Location | None) -> Diagnostic:
    # The spec field the origin is the line of, for reports that show the spec line (SARIF).
    source: dict[str, object] = {}
    if rule.source and origin != obj.origin:
        source["source"] = format_path(("spec", *rule.source))
    return Diagnostic(
        message,
        obj.locate(path),
        format_path(path),
        severity=rule.severity,
        rule=rule.id,
        environment=obj.environment,
        release=_release_of(obj),
        resource=obj.resource,
        origin=origin,
        data=source,
    )


def evaluate_manifests(
    policies: Policies,
    tree: RenderedTree,
    environments: dict[str, Environment],
    resolved: Iterable[Resolved],
    coverage: Coverage | None = None,
) -> list[Diagnostic]:
    by_release = {(r.env.name, r.name): r for r in resolved}
    # Rules per environment, split once: object rules run per object, release rules per release.
    node_rules = {
        name: [r for r in policies.active(env, MANIFEST) if r.builtin not in builtins.RELEASE]
        for name, env in environments.items()
    }
    out: list[Diagnostic] = []
    groups: dict[tuple[str, str], list[RenderedObject]] = {}
    for obj in tree.objects.values():
        if obj.environment not in environments:
            continue
        env = environments[obj.environment]
        for rule in node_rules[obj.environment]:
            if rule.matches_kind(obj.obj["kind"]):
                for p, m in check_node(rule, obj.obj, env.spec, coverage):
                    out.append(_finding(rule, obj, p, m, _origin(rule, obj, by_release)))
        if obj.release:
            groups.setdefault((obj.environment, obj.release), []).append(obj)
    for (env_name, _), objects in groups.items():
        env = environments[env_name]
        manifests = [o.obj for o in objects]
        for rule in policies.active(env, MANIFEST):
            if rule.builtin not in builtins.RELEASE or not _renders_kind(rule, manifests):
                continue
            for index, path, message in check_release(rule, manifests, env.spec):
                target = objects[index] if index is not None else None
                if target is not None:
                    out.append(_finding(rule, target, path, message, _origin(rule, target, by_release)))
                else:
                    owner = objects[0]
                    out.append(
                        Diagnostic(
                            message,
                            _origin(rule, owner, by_release) or owner.origin,
                            "",
                            severity=rule.severity,
                            rule=rule.id,
                            environment=env_name,
                            release=owner.release,
                        )
                    )
    return out


def evaluate_specs(
    policies: Policies, resolved: Iterable[Resolved], coverage: Coverage | None = None
) -> list[Diagnostic]:
    out = []
    for r in resolved:
        for rule in policies.active(r.env, SPEC):
            for path, message in check_node(rule, r.spec, r.env.spec, coverage):
                out.append(r.diagnostic(path, message, rule=rule.id, severity=rule.severity))
        # The tool's own advice on a spec travels with the spec layer: every way of validating
        # (whole tree, unit by unit, lint) reaches it here, and waivers apply to it alike.
        out.extend(canary_traffic.findings(r))
    return out


def waive(policies: Policies, findings: list[Diagnostic], today: datetime.date) -> tuple[list[Diagnostic], set[int]]:
    """The findings with waived ones as info, and the ids of the waivers that matched."""
    used: set[int] = set()
    out = []
    # By (rule, release), in file order: the first that covers a finding applies. A waiver without a release
    # (rule and environment) is a candidate for every release, so it is listed under each key it may meet.
    live: dict[tuple[str, str | None], list[Waiver]] = {}
    for w in policies.waivers:
        if w.expires >= today:
            live.setdefault((w.rule, w.release), []).append(w)
    everywhere = {key: waivers for key, waivers in live.items() if key[1] is None}
    order = {id(w): i for i, w in enumerate(policies.waivers)}
    for diag in findings:
        candidates = live.get((diag.rule, diag.release), [])
        if diag.release is not None and (diag.rule, None) in everywhere:
            candidates = sorted([*candidates, *everywhere[(diag.rule, None)]], key=lambda w: order[id(w)])
        waiver = next((w for w in candidates if w.covers(diag.rule, diag.release, diag.environment)), None)
        if waiver is None:
            out.append(diag)
            continue
        used.add(id(waiver))
        out.append(
            replace(
                diag,
                severity=Severity.INFO,
                message=f"{diag.message} (waived until {waiver.expires}: {waiver.location})",
                data={
                    **diag.data,
                    "waiver": {
                        "reason": waiver.reason,
                        "owner": waiver.owner,
                        "expires": str(waiver.expires),
                        "location": str(waiver.location),
                    },
                    "severity": diag.severity.value,
                },
            )
        )
    return out, used


def apply_waivers(
    policies: Policies, findings: list[Diagnostic], today: datetime.date, report_unused: bool = True
) -> list[Diagnostic]:
    """Waived findings become info; expired and (when `findings` is complete) unused waivers are reported
    where they are written."""
    out, used = waive(policies, findings, today)
    for waiver in policies.waivers:
        scope = waiver.rule + (f" on {waiver.release}" if waiver.release else "")
        scope += f" in {waiver.environment}" if waiver.environment else ""
        if waiver.expires < today:
            out.append(
                Diagnostic(
                    f"waiver for {scope} expired on {waiver.expires}; its findings count again",
                    waiver.location,
                    "expires",
                    severity=Severity.WARNING,
                    rule=catalog.POLICY_WAIVER,
                )
            )
        # A tool rule's finding may exist only against a base revision (validate --base): never "unused".
        elif report_unused and id(waiver) not in used and waiver.rule not in catalog.WAIVABLE:
            out.append(
                Diagnostic(
                    f"waiver for {scope} matches no finding; remove it",
                    waiver.location,
                    "",
                    severity=Severity.WARNING,
                    rule=catalog.POLICY_WAIVER,
                )
            )
    return out


def check_examples(rule: Rule) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Violations in the rule's passing example (should be none) and in its failing one (should be some)."""
    env_spec = rule.examples.get("environment", {})
    return (
        check_example(rule, rule.examples["pass"], env_spec),
        check_example(rule, rule.examples["fail"], env_spec),
    )


def check_example(rule: Rule, example: Any, env_spec: dict[str, Any]) -> list[tuple[Path, str]]:
    """Violations of `rule` in one of its examples (an object, a list of objects, or an effective spec)."""
    objects = example if isinstance(example, list) else [example]
    if rule.builtin in builtins.RELEASE:
        if not _renders_kind(rule, objects):
            return []
        return [(path, message) for _, path, message in check_release(rule, objects, env_spec)]
    out: list[tuple[Path, str]] = []
    for obj in objects:
        if rule.layer == MANIFEST and isinstance(obj, dict) and not rule.matches_kind(str(obj.get("kind"))):
            continue
        out.extend(check_node(rule, obj, env_spec))
    return out

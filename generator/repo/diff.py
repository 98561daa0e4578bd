"""What a change does to the manifests, per environment: added, changed and removed objects."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from generator.render.objects import RenderedObject, RenderedTree

MAX_DIFF_LINES = 300  # per object in Markdown; PR comments are limited to 65536 characters


@dataclass
class ObjectChange:
    status: str  # added | changed | removed
    path: str
    kind: str
    name: str
    release: str | None
    diff: str = ""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "status": self.status,
            "file": self.path,
            "kind": self.kind,
            "name": self.name,
            "release": self.release,
        }
        if self.diff:
            out["diff"] = self.diff
        return out


@dataclass
class TreeDiff:
    base: str
    environments: dict[str, list[ObjectChange]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.environments.values())

    def counts(self, env: str) -> dict[str, int]:
        changes = self.environments.get(env, [])
        return {s: sum(1 for c in changes if c.status == s) for s in ("added", "changed", "removed")}


def _change(status: str, obj: RenderedObject, diff: str = "") -> ObjectChange:
    return ObjectChange(status, obj.path, obj.obj["kind"], obj.obj["metadata"]["name"], obj.release, diff)


def compare(
    base: RenderedTree,
    head: RenderedTree,
    base_label: str,
    environments: tuple[str, ...] = (),
    order: list[str] | None = None,
) -> TreeDiff:
    """`order` lists environments in promotion order; others follow alphabetically."""
    result = TreeDiff(base_label)
    for env in order or []:
        result.environments[env] = []
    for key in sorted(set(base.objects) | set(head.objects)):
        old, new = base.objects.get(key), head.objects.get(key)
        env = (new or old).environment  # type: ignore[union-attr]
        if environments and env not in environments:
            continue
        bucket = result.environments.setdefault(env, [])
        if old is None and new is not None:
            bucket.append(_change("added", new))
        elif new is None and old is not None:
            bucket.append(_change("removed", old))
        elif old is not None and new is not None and old.text != new.text:
            label = f"{new.path} ({new.resource})"  # a manifest holds several objects
            lines = difflib.unified_diff(
                old.text.splitlines(keepends=True), new.text.splitlines(keepends=True), f"a/{label}", f"b/{label}"
            )
            bucket.append(_change("changed", new, "".join(lines)))
    return result


def to_text(diff: TreeDiff) -> str:
    if diff.empty:
        return f"no differences from {diff.base}\n"
    out = []
    marks = {"added": "+", "changed": "~", "removed": "-"}
    for env, changes in diff.environments.items():
        if not changes:
            continue
        counts = diff.counts(env)
        out.append(f"{env}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed")
        out.extend(f"  {marks[c.status]} {c.kind}/{c.name}  {c.path}" for c in changes)
    details = [c.diff for changes in diff.environments.values() for c in changes if c.diff]
    return "\n".join(out) + "\n" + ("\n" + "".join(details) if details else "")


def _fence(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    body = "\n".join(lines).replace("```", "` ` `")
    return f"```diff\n{body}\n```"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def to_markdown(diff: TreeDiff) -> str:
    out = [f"### modelops: manifests compared with `{diff.base}`", ""]
    if diff.empty:
        out.append("No manifest changes.")
        return "\n".join(out) + "\n"
    for env, changes in diff.environments.items():
        if not changes:
            continue
        counts = diff.counts(env)
        out += [
            f"#### {env}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed",
            "",
            "| change | release | object | file |",
            "| --- | --- | --- | --- |",
        ]
        out += [
            f"| {c.status} | {_cell(c.release) or '-'} | `{c.kind}/{c.name}` | `{_cell(c.path)}` |" for c in changes
        ]
        out.append("")
        for change in changes:
            if change.diff:
                out += [
                    "<details>",
                    f"<summary>{change.kind}/{change.name} ({env})</summary>",
                    "",
                    _fence(change.diff),
                    "",
                    "</details>",
                    "",
                ]
    return "\n".join(out) + "\n"


def to_json(diff: TreeDiff) -> dict[str, object]:
    return {
        "base": diff.base,
        "differences": not diff.empty,
        "environments": {
            env: {"summary": diff.counts(env), "objects": [c.to_json() for c in changes]}
            for env, changes in diff.environments.items()
            if changes
        },
    }

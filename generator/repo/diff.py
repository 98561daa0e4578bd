"""What a change does to the manifests, per environment: added, changed and removed objects."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from generator.render.objects import RenderedObject, RenderedTree
from generator.repo import diff_summary
from generator.repo.diff_summary import Row


@dataclass
class ObjectChange:
    status: str  # added | changed | removed
    path: str
    kind: str
    name: str
    release: str | None
    diff: str = ""
    version_only: bool = False  # differs only in the labels and annotations that carry the version

    @property
    def resource(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def unit(self) -> str:
        """The release, or the directory of an environment's own unit (_argocd)."""
        return self.release or self.path.rsplit("/", 2)[-2]

    def lines(self) -> tuple[int, int]:
        """(lines added, lines removed) by the diff."""
        body = self.diff.splitlines()[2:]  # after the ---/+++ header
        return sum(1 for line in body if line.startswith("+")), sum(1 for line in body if line.startswith("-"))

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "status": self.status,
            "file": self.path,
            "kind": self.kind,
            "name": self.name,
            "release": self.release,
        }
        if self.status == "changed":
            added, removed = self.lines()
            out.update(versionOnly=self.version_only, added=added, removed=removed)
        if self.diff:
            out["diff"] = self.diff
        return out


@dataclass
class Cut:
    """What a size limit left out of the Markdown."""

    rows: int = 0
    objects: int = 0
    environments: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows or self.objects)


@dataclass
class TreeDiff:
    base: str
    environments: dict[str, list[ObjectChange]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)  # one per release x environment that changes

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
            change = _change("changed", new, "".join(lines))
            change.version_only = diff_summary.version_only(old.obj, new.obj)
            bucket.append(change)
    units = {(env, c.release): None for env, changes in result.environments.items() for c in changes if c.release}
    result.rows = diff_summary.rows(base, head, list(units))  # environments in order, releases by name
    return result


def to_text(diff: TreeDiff) -> str:
    if diff.empty:
        return f"no differences from {diff.base}\n"
    out = []
    for row in diff.rows:
        fields = row.changed if row.status == "changed" else []  # an added release changes every field
        moved = [f"{f} {row.before.get(f) or '-'} → {row.after.get(f) or '-'}" for f in fields]
        out.append(f"{row.release} in {row.environment}: {row.status}" + (f": {', '.join(moved)}" if moved else ""))
    if out:
        out.append("")
    marks = {"added": "+", "changed": "~", "removed": "-"}
    for env, changes in diff.environments.items():
        if not changes:
            continue
        counts = diff.counts(env)
        out.append(f"{env}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed")
        out.extend(f"  {marks[c.status]} {c.kind}/{c.name}  {c.path}" for c in changes)
    details = [c.diff for changes in diff.environments.values() for c in changes if c.diff]
    return "\n".join(out) + "\n" + ("\n" + "".join(details) if details else "")


def collapsed(changes: list[ObjectChange]) -> dict[str, list[ObjectChange]]:
    """The objects that differ only in version labels, by unit."""
    out: dict[str, list[ObjectChange]] = {}
    for change in changes:
        if change.version_only:
            out.setdefault(change.unit, []).append(change)
    return out


def to_json(diff: TreeDiff, cut: Cut | None = None, max_chars: int = 0) -> dict[str, object]:
    """`cut`: what the Markdown at `max_chars` leaves out (this report always holds everything)."""
    return {
        "base": diff.base,
        "differences": not diff.empty,
        "summary": [row.to_json() for row in diff.rows],
        "environments": {
            env: {
                "summary": diff.counts(env),
                "collapsed": [
                    {"unit": unit, "objects": [c.resource for c in group]} for unit, group in collapsed(changes).items()
                ],
                "objects": [c.to_json() for c in changes],
            }
            for env, changes in diff.environments.items()
            if changes
        },
        "truncated": bool(cut),
        "maxChars": max_chars or None,
        "cut": {"rows": cut.rows, "objects": cut.objects, "environments": cut.environments} if cut else None,
    }

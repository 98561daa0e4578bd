"""A diff as a reviewer reads it in a pull request comment: what runs where first, then the objects.

The summary table comes first: one row per release and environment that changes, each fact as
before → after. Below it, per environment and release, the objects that differ only in the
labels that carry the version are one line, and every other object's diff is a collapsed
section. GitHub refuses a comment over 65,536 characters, so the whole stays under `max_chars`:
the blocks are kept in order while they fit (a block is a table row, a line, or a section with
its whole code fence, so nothing is cut mid-fence), and a last line says what was left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.repo.diff import Cut, ObjectChange, TreeDiff
from generator.repo.diff_summary import FIELDS, Row

DEFAULT_MAX_CHARS = 60_000  # below GitHub's 65,536-character limit on a comment, with room to spare
MAX_DIFF_LINES = 300  # per object: a longer diff is a sign to look at the files, not the comment
HEADERS = {
    "version": "version",
    "image": "image",
    "artifact": "artifact",
    "replicas": "replicas",
    "gpus": "GPUs/replica",
    "strategy": "strategy",
    "canary": "canary split",
}
NONE = "\u2013"  # an en dash: nothing there


@dataclass
class _Block:
    text: str
    env: str = ""
    objects: int = 0  # the object changes this block shows
    row: bool = False


def render(diff: TreeDiff, max_chars: int = DEFAULT_MAX_CHARS) -> tuple[str, Cut]:
    """The Markdown, and what `max_chars` (0: no limit) left out of it."""
    title = f"### modelops: manifests compared with `{diff.base}`\n\n"
    if diff.empty:
        return title + "No manifest changes.\n", Cut()
    blocks = _table(diff.rows) + [b for env, changes in diff.environments.items() for b in _environment(env, changes)]
    total_objects = sum(len(changes) for changes in diff.environments.values())
    worst = _footer(diff, max_chars, Cut(len(diff.rows), total_objects, list(diff.environments)))
    budget = max_chars - len(title) - len(worst) if max_chars else None
    kept: list[str] = []
    used, cut = 0, Cut()
    for number, block in enumerate(blocks):
        if budget is not None and used + len(block.text) > budget:
            rest = blocks[number:]
            cut.rows = sum(1 for b in rest if b.row)
            cut.objects = sum(b.objects for b in rest)
            cut.environments = list(dict.fromkeys(b.env for b in rest if b.objects))
            break
        kept.append(block.text)
        used += len(block.text)
    return title + "".join(kept).rstrip("\n") + "\n" + (_footer(diff, max_chars, cut) if cut else ""), cut


def to_markdown(diff: TreeDiff, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    return render(diff, max_chars)[0]


def _footer(diff: TreeDiff, max_chars: int, cut: Cut) -> str:
    left = []
    if cut.rows:
        left.append(f"{cut.rows} of {len(diff.rows)} summary rows")
    if cut.objects:
        where = ", ".join(cut.environments)
        left.append(f"{_count(cut.objects, 'object')} in {_count(len(cut.environments), 'environment')} ({where})")
    return (
        f"\n---\n_Cut to stay under {max_chars:,} characters: {' and '.join(left)} not shown. "
        f"Everything: `modelops diff --base {diff.base} -o markdown --max-chars 0` locally, "
        "or the `modelops-diff` artifact of the workflow run._\n"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _table(rows: list[Row]) -> list[_Block]:
    if not rows:
        return []
    head = ["release", "environment", "change", *(HEADERS[f] for f in FIELDS)]
    text = "| " + " | ".join(head) + " |\n" + "|" + " --- |" * len(head) + "\n"
    out = [_Block(text)]
    for row in rows:
        cells = [row.release, row.environment, row.status, *(_field(row, f) for f in FIELDS)]
        out.append(_Block("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n", row=True))
    out[-1].text += "\n"
    return out


def _field(row: Row, name: str) -> str:
    before, after = row.before.get(name), row.after.get(name)
    if row.status == "added":
        return _short(name, after)
    if row.status == "removed" or before == after:
        return _short(name, before)
    then, now = _short(name, before), _short(name, after)
    if then == now:  # the short forms hide the difference (another registry, say): show it whole
        then, now = before or NONE, after or NONE
    return f"{then} → {now}"


def _short(name: str, value: str | None) -> str:
    """An image or artifact as a table cell holds it: its last path segments and a short digest."""
    if value is None:
        return NONE
    if name not in ("image", "artifact"):
        return value
    ref, at, digest = value.rpartition("@") if "@" in value else (value, "", "")
    short = digest.partition(":")[2][:8] or digest[:8]
    if name == "image":
        return ref.rsplit("/", 1)[-1] + (f"@{short}" if at else "")
    parts = ref.rstrip("/").split("/")  # s3://bucket/key is ["s3:", "", "bucket", "key"]
    if len(parts) > 4:
        ref = "…/" + "/".join(parts[-2:]) + ("/" if ref.endswith("/") else "")
    return ref + (f" @{short}" if at else "")


def _environment(env: str, changes: list[ObjectChange]) -> list[_Block]:
    if not changes:
        return []
    counts = {s: sum(1 for c in changes if c.status == s) for s in ("added", "changed", "removed")}
    heading = f"#### {env}: {counts['added']} added, {counts['changed']} changed, {counts['removed']} removed\n\n"
    out = [_Block(heading, env)]
    units: dict[str, list[ObjectChange]] = {}
    for change in changes:
        units.setdefault(change.unit, []).append(change)
    for unit, members in units.items():
        parts, listed = [], 0
        for status in ("added", "removed"):
            these = [c for c in members if c.status == status]
            if these:
                parts.append(f"{status} {_names(these)}")
                listed += len(these)
        labels = [c for c in members if c.version_only]
        if labels:
            several = "objects differ" if len(labels) > 1 else "object differs"
            parts.append(f"{len(labels)} {several} only in version labels: {_names(labels)}")
            listed += len(labels)
        out.append(_Block(f"**{unit}**" + (": " + "; ".join(parts) if parts else "") + "\n\n", env, listed))
        for change in members:
            if change.status == "changed" and not change.version_only:
                out.append(_Block(_details(change), env, 1))
    return out


def _names(changes: list[ObjectChange]) -> str:
    return ", ".join(f"`{c.resource}`" for c in changes)


def _details(change: ObjectChange) -> str:
    added, removed = change.lines()
    return (
        f"<details><summary>{change.resource} (+{added} \u2212{removed})</summary>\n\n"
        f"{_fence(change.diff)}\n\n</details>\n\n"
    )


def _fence(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more lines"]
    body = "\n".join(lines).replace("```", "` ` `")
    return f"```diff\n{body}\n```"

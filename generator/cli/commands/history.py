from __future__ import annotations

import json
from pathlib import Path

from generator.cli.console import Console
from generator.errors import EXIT_OK, InputError, RepositoryError, UsageError, printable
from generator.inputs import spec
from generator.inputs.sources import WorkTree
from generator.repo import commits, history, plumbing
from generator.repo.running import Running

_HEADER = ("date", "command", "version", "image", "artifact", "replicas", "gpus", "commit", "by")


def run(root: Path, console: Console, release: str | None, environment: str | None, output: str) -> int:
    """Per release and environment, each change of what runs: when, by whom, in which commit, through which command."""
    repo = commits.open_repo(root)
    if commits.head_id(repo) is None:
        raise RepositoryError(f"{root} has no commits yet: there is no history (run modelops commit)")
    gitx = plumbing.Git(Path(repo.working_tree_dir or root), Path(repo.git_dir))
    at = commits.prefix(repo, root)
    order, releases = _declared(root)
    if (release and release not in releases) or (environment and environment not in order):
        envs, rels = history.names(gitx, at)
        if release and release not in releases | rels:
            raise UsageError(_unknown("release", release, sorted(releases | rels)))
        if environment and environment not in {*order, *envs}:
            raise UsageError(_unknown("environment", environment, [*order, *sorted(envs - set(order))]))
    entries = history.collect(gitx, at, environment, release, order)
    if output == "json":
        console.emit(json.dumps([e.to_json() for e in entries], indent=2))
        return EXIT_OK
    if not entries:
        console.say("no change of what runs is committed yet" + (f" for {release}" if release else ""))
        return EXIT_OK
    rank = {env: i for i, env in enumerate(order)}
    groups: dict[tuple[str, str], list[history.Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.release, entry.environment), []).append(entry)
    for rel, env in sorted(groups, key=lambda key: (key[0], rank.get(key[1], len(rank)), key[1])):
        # Commit messages and rendered files are written by anyone with push access.
        table = [_HEADER] + [tuple(printable(cell) for cell in _row(e)) for e in groups[(rel, env)]]
        widths = [max(len(row[i]) for row in table) for i in range(len(_HEADER) - 1)]
        console.emit(f"{printable(rel)} in {printable(env)}:")
        for row in table:
            console.emit("  " + "  ".join([*(c.ljust(widths[i]) for i, c in enumerate(row[:-1])), row[-1]]).rstrip())
    return EXIT_OK


def _declared(root: Path) -> tuple[list[str], set[str]]:
    """Environments in promotion order and release names, as the work tree defines them (empty if it cannot)."""
    source = WorkTree(root)
    try:
        order = list(spec.load_environments(source))
    except InputError:
        order = []  # history reads git; a broken input file must not hide it
    try:
        releases = {Path(p).stem for p in spec.release_paths(source)}
    except InputError:
        releases = set()
    return order, releases


def _unknown(kind: str, name: str, known: list[str]) -> str:
    where = "environments/" if kind == "environment" else "releases/"
    return f"unknown {kind} {name!r}; {where} and the history of rendered/ know: {', '.join(known) or 'none'}"


def _row(entry: history.Entry) -> tuple[str, ...]:
    commit, now = entry.commit, entry.after
    by = f"{commit.author.name} <{commit.author.email}>"
    if (commit.committer.name, commit.committer.email) != (commit.author.name, commit.author.email):
        by += f" (committed by {commit.committer.name} <{commit.committer.email}>)"
    if now is None:
        return (commit.committer.date, entry.command, "(removed)", "", "", "", "", commit.sha[:12], by)
    return (
        commit.committer.date,
        entry.command,
        now.model_version or "?",
        _short(now.image_digest or now.image),
        _short(now.artifact_digest),
        _replicas(now),
        "?" if now.gpus is None else str(now.gpus),
        commit.sha[:12],
        by,
    )


def _replicas(now: Running) -> str:
    if now.replicas is not None:
        return str(now.replicas)
    if now.min_replicas is None and now.max_replicas is None:
        return "?"
    if now.min_replicas == now.max_replicas:
        return str(now.min_replicas)
    low, high = ("?" if n is None else str(n) for n in (now.min_replicas, now.max_replicas))
    return f"{low}-{high}"


def _short(value: str | None) -> str:
    if not value:
        return "?"
    return value[:19] if value.startswith("sha256:") else value

"""Each change of what runs, per environment and release, from git alone.

A history of 10,000 commits must not start 10,000 git processes nor walk every commit in
Python, so the number of git processes is fixed: one `git log --raw` restricted to the two
files that say what runs (rendered/<env>/<release>/modelops.metadata and manifest.yaml, see
generator.repo.running) lists the commits that touched them with each file's blob id before
and after; one `git cat-file --batch` fed on stdin reads those versions (a sibling file the
commit left alone is asked for as `<commit>:<path>`); a second one, only when needed, reads
what the other environments ran just before a commit (see `_infer`).  Each commit is compared
with its own parent, not with the previous line of the log, so branches and merges cannot
pair up versions that never followed each other; merge commits themselves are left out (their
changes are listed in the commits they bring), and a commit that touched the files without
changing what runs (new provenance hashes, a reformatted manifest) is not listed.

Which command made a change: a `Modelops-Command:` trailer, or a subject that starts with the
command's name, says so; a commit `modelops commit` made (its trailer says only `render`, its
subject is always `render ...`) is a promote when the environment now runs what an earlier
stage of the promotion order ran just before, a rollback when it runs what it ran before its
previous state, and a render otherwise; a commit without the `Rendered-By:` trailer was made by hand: "manual",
and so is one the commit-msg hook stamped (`Modelops-Command: manual`, see generator.repo.trailers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.layout import ARGOCD_DIR, MANIFEST_FILE, METADATA_FILE, RENDERED_DIR
from generator.repo import plumbing, running
from generator.repo.provenance import COMMAND_TRAILER, MANUAL, RENDERED_BY
from generator.repo.running import Running

COMMANDS = ("render", "promote", "rollback", "set-version")
_FILES = (METADATA_FILE, MANIFEST_FILE)
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%s")
_TRAILERS = (RENDERED_BY, COMMAND_TRAILER)
_FORMAT = "%x1e" + "%x1f".join([*_FIELDS, *(f"%(trailers:key={key},valueonly,separator=%x2c)" for key in _TRAILERS)])
# `:100644 100644 <old> <new> M<TAB>path` (git log --raw --no-abbrev)
_RAW = re.compile(r"^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) [A-Z]\d*\t(.+)$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: str  # ISO 8601 with the UTC offset the commit recorded

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "date": self.date}


@dataclass(frozen=True)
class Commit:
    sha: str
    parent: str | None  # the first parent; None for a root commit
    author: Person
    committer: Person
    subject: str
    rendered_by: str  # the Rendered-By trailer: "" on a commit made by hand
    command: str  # the Modelops-Command trailer, if any


@dataclass
class Entry:
    """One change of what runs for `release` in `environment`; `before`/`after` None: not deployed there."""

    environment: str
    release: str
    commit: Commit
    before: Running | None
    after: Running | None
    command: str = "render"
    recorded: bool = False  # the commit names its command; False: modelops inferred it (see the module doc)
    changed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "environment": self.environment,
            "commit": self.commit.sha,
            "date": self.commit.committer.date,
            "author": self.commit.author.to_json(),
            "committer": self.commit.committer.to_json(),
            "subject": self.commit.subject,
            "command": self.command,
            "recorded": self.recorded,
            "changed": self.changed,
            "before": self.before.to_json() if self.before else None,
            "after": self.after.to_json() if self.after else None,
        }


def pathspecs(at: str, environment: str | None, release: str | None) -> list[str]:
    """The files a history reads; `*` stands for every environment or release (one path component)."""
    base = f"{at}{RENDERED_DIR}/{environment or '*'}/{release or '*'}"
    return [f":(top,glob){base}/{name}" for name in _FILES]


def _log(gitx: plumbing.Git, specs: list[str]) -> list[tuple[Commit, dict[tuple[str, str, str], tuple[str, str]]]]:
    """Commits newest first, each with (environment, release, file) -> (old blob id, new blob id)."""
    out = gitx.run(
        "log", "--no-merges", "--no-renames", "--no-show-signature", "--raw", "--no-abbrev",
        f"--format={_FORMAT}", "--", *specs,
    )  # fmt: skip
    commits = []
    for record in out.split("\x1e")[1:]:
        head, _, raw = record.partition("\n")
        values = head.split("\x1f")
        if len(values) != len(_FIELDS) + len(_TRAILERS):
            continue  # a field held the separator: not a commit modelops can read
        sha, parents, an, ae, ad, cn, ce, cd, subject, rendered_by, command = values
        commit = Commit(
            sha, parents.split()[0] if parents else None, Person(an, ae, ad), Person(cn, ce, cd), subject,
            rendered_by.strip(), command.strip(),
        )  # fmt: skip
        changes: dict[tuple[str, str, str], tuple[str, str]] = {}
        for line in raw.splitlines():
            match = _RAW.match(line)
            parts = match.group(3).split("/")[-4:] if match else []
            if match and len(parts) == 4 and parts[3] in _FILES and not parts[2].startswith("_"):
                changes[(parts[1], parts[2], parts[3])] = (match.group(1), match.group(2))
        if changes:
            commits.append((commit, changes))
    return commits


def read_blobs(gitx: plumbing.Git, names: Iterable[str]) -> dict[str, tuple[str, bytes] | None]:
    """name (a blob id or `<commit>:<path>`) -> (blob id, content), or None when there is no such file."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    out = gitx.output("cat-file", "--batch", stdin="".join(f"{name}\n" for name in wanted).encode())
    found: dict[str, tuple[str, bytes] | None] = {}
    pos = 0
    for name in wanted:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode(errors="replace").split()
        pos = end + 1
        if len(header) != 3 or header[1] not in ("blob", "tree", "commit", "tag"):
            found[name] = None  # `<name> missing` (or ambiguous)
            continue
        size = int(header[2])
        found[name] = (header[0], out[pos : pos + size]) if header[1] == "blob" else None
        pos += size + 1
    return found


def collect(gitx: plumbing.Git, at: str, environment: str | None, release: str | None, order: list[str]) -> list[Entry]:
    """Every change of what runs, newest first (within a commit: environments in `order`, then releases)."""
    at = at or ""
    commits = _log(gitx, pathspecs(at, environment, release))
    zero = re.compile("^0+$")

    def path(env: str, rel: str, name: str) -> str:
        return f"{at}{RENDERED_DIR}/{env}/{rel}/{name}"

    # Per touched directory, each file's (before, after) as names read_blobs answers; None: absent.
    pairs: list[tuple[Commit, str, str, list[tuple[str | None, str | None]]]] = []
    for commit, changes in commits:
        for env, rel in dict.fromkeys((env, rel) for env, rel, _ in changes):
            sides: list[tuple[str | None, str | None]] = []
            for name in _FILES:
                if (env, rel, name) in changes:
                    old, new = changes[(env, rel, name)]
                    sides.append((None if zero.match(old) else old, None if zero.match(new) else new))
                else:  # untouched: the same file before and after
                    same = f"{commit.sha}:{path(env, rel, name)}"
                    sides.append((same, same))
            pairs.append((commit, env, rel, sides))
    blobs = read_blobs(gitx, (name for *_, sides in pairs for side in sides for name in side if name))
    states: dict[tuple[str | None, ...], Running | None] = {}
    sizes: dict[str | None, Running] = {}  # by manifest blob id: most commits change the metadata only

    def state(names: tuple[str | None, ...]) -> Running | None:
        meta, manifest = (blobs.get(n) if n else None for n in names)
        key = (meta[0] if meta else None, manifest[0] if manifest else None)
        if key not in states:
            if key[1] not in sizes:
                sizes[key[1]] = running.sizing(manifest[1] if manifest else None)
            states[key] = running.read(meta[1] if meta else None, manifest[1] if manifest else None, sizes[key[1]])
        return states[key]

    entries = []
    for commit, env, rel, sides in pairs:
        before = state(tuple(s[0] for s in sides))
        after = state(tuple(s[1] for s in sides))
        if before != after:
            entries.append(Entry(env, rel, commit, before, after, changed=running.changed(before, after)))
    _name_commands(entries)
    _infer(gitx, at, entries, order)
    rank = {env: i for i, env in enumerate(order)}
    position = {commit.sha: i for i, (commit, _) in enumerate(commits)}
    entries.sort(key=lambda e: (position[e.commit.sha], rank.get(e.environment, len(rank)), e.environment, e.release))
    return entries


def _name_commands(entries: list[Entry]) -> None:
    """The command each commit records; "manual" for one made by hand; "render" until `_infer` looks closer."""
    for entry in entries:
        commit = entry.commit
        recorded = commit.command.split(",")[0].split()[:1] or commit.subject.split()[:1]
        if not commit.rendered_by and not commit.command:
            entry.command = MANUAL
        elif recorded and recorded[0] == MANUAL and commit.command:  # a hand commit the hook stamped
            entry.command, entry.recorded = MANUAL, True
        # `Modelops-Command: render` says only that `modelops commit` made it: a spec promoted by hand
        # and then rendered is still worked out by `_infer`.
        elif recorded and recorded[0] in COMMANDS and recorded[0] != "render":
            entry.command, entry.recorded = recorded[0], True


def _infer(gitx: plumbing.Git, at: str, entries: list[Entry], order: list[str]) -> None:
    """Promote or rollback, for a modelops commit that does not say (see the module doc).

    Only the stages before an environment in the promotion `order` count as where a promotion came
    from: staging going back to what prod (a later stage) runs is a rollback, never a promotion.
    """
    open_ = [
        e
        for e in entries
        if e.command == "render"
        and not e.recorded
        and e.before
        and e.after
        and e.before.deploys() != e.after.deploys()
        and e.after.model_version is not None  # a mangled metadata file matches nothing
    ]
    # What this environment ran before its current state, oldest first: a return to one of them is a rollback.
    earlier: dict[int, set[tuple[str | None, ...]]] = {}
    seen: dict[tuple[str, str], set[tuple[str | None, ...]]] = {}
    for entry in reversed(entries):  # oldest first
        ran = seen.setdefault((entry.environment, entry.release), set())
        earlier[id(entry)] = set(ran)
        if entry.before is not None:
            ran.add(entry.before.deploys())
    upstream = {env: order[:i] for i, env in enumerate(order)}
    names = {
        (id(e), env): f"{e.commit.parent}:{at}{RENDERED_DIR}/{env}/{e.release}/{METADATA_FILE}"
        for e in open_
        if e.commit.parent
        for env in upstream.get(e.environment, [])
    }
    blobs = read_blobs(gitx, names.values())
    for entry in open_:
        assert entry.after is not None and entry.before is not None
        found = [blobs.get(names.get((id(entry), env), "")) for env in upstream.get(entry.environment, [])]
        upstream_ran = [running.read(blob[1], None) for blob in found if blob]
        if any(r is not None and r.deploys() == entry.after.deploys() for r in upstream_ran):
            entry.command = "promote"
        elif entry.after.deploys() in earlier[id(entry)] - {entry.before.deploys()}:
            entry.command = "rollback"


def names(gitx: plumbing.Git, at: str) -> tuple[set[str], set[str]]:
    """Every environment and release whose rendered files any commit ever held (for "unknown ..." errors)."""
    out = gitx.run("log", "--format=", "--name-only", "--no-renames", "--", *pathspecs(at or "", None, None))
    envs, releases = set(), set()
    for line in out.splitlines():
        parts = line.split("/")[-4:]
        if len(parts) == 4 and parts[2] != ARGOCD_DIR and not parts[2].startswith("_"):
            envs.add(parts[1])
            releases.add(parts[2])
    return envs, releases

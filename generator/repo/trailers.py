"""The trailers every commit that changes rendered/ carries, whoever made it.

`modelops commit`, `promote`, `rollback` and `set-version` write them (generator.repo.commits); a
commit made with `git commit` gets them from the commit-msg hook (`stamp`), and `offenders` lists
the commits of a range that have none, for CI. git's own parser reads them (`interpret-trailers`,
`%(trailers)`), so what counts as a trailer here is what `git log --grep` and `history` see.

A commit carries them when it has `Rendered-By` and either `Source-Commit` (the spec commit it was
rendered from) or `Modelops-Command` (the command that made it). The hook writes
`Modelops-Command: manual` and no Source-Commit: a hand commit holds its specs with their render,
so provenance takes it as its own source, and history lists it as manual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.errors import RepositoryError, UsageError
from generator.layout import RENDERED_DIR
from generator.repo import plumbing
from generator.repo.provenance import COMMAND_TRAILER, MANUAL, RENDERED_BY, SOURCE_TRAILER

_EITHER = f"{SOURCE_TRAILER} or {COMMAND_TRAILER}"
# One record per commit: full sha, subject, trailers; NUL cannot occur in any of them.
_FORMAT = "%H%x00%s%x00%(trailers:only,unfold)%x00"
# `git commit -v` puts the diff below this line (after the comment character); git drops it all.
_SCISSORS = re.compile(r"^\S+ -{24} >8 -{24}$", re.MULTILINE)


@dataclass(frozen=True)
class Offender:
    """A commit that changes rendered/ without the trailers; `missing` names what it lacks."""

    sha: str
    subject: str
    missing: list[str]

    def to_json(self) -> dict[str, object]:
        return {"commit": self.sha, "subject": self.subject, "missing": self.missing}


def _pairs(text: str) -> list[tuple[str, str]]:
    """(key, value) of each `Key: value` line git printed (unfolded, trailers only)."""
    out = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            out.append((key.strip(), value.strip()))
    return out


def parse(gitx: plumbing.Git, message: str) -> list[tuple[str, str]]:
    """The trailers of a commit message, as git reads them (the last paragraph, comments ignored)."""
    return _pairs(gitx.run("interpret-trailers", "--parse", stdin=message.encode(errors="surrogateescape")))


def missing(trailers: Iterable[tuple[str, str]]) -> list[str]:
    """What a message with these trailers lacks to count as a rendered commit; empty when nothing."""
    # git compares trailer keys without regard to case, and so does `%(trailers:key=...)` in history.
    present = {key.lower() for key, value in trailers if value}
    lacking = [] if RENDERED_BY.lower() in present else [RENDERED_BY]
    if SOURCE_TRAILER.lower() not in present and COMMAND_TRAILER.lower() not in present:
        lacking.append(_EITHER)
    return lacking


def _rendered_spec(at: str) -> str:
    return f":(top,literal){at}{RENDERED_DIR}/"


def _verify(gitx: plumbing.Git, revisions: str) -> None:
    """UsageError for what is not a revision range; RepositoryError naming a revision git does not have."""
    if not revisions.strip() or revisions.startswith("-") or any(c.isspace() for c in revisions):
        raise UsageError(f"--commits {revisions!r}: expected a revision range such as origin/main..HEAD")
    sep = "..." if "..." in revisions else ".."
    sides = revisions.split(sep) if sep in revisions else [revisions]
    if len(sides) > 2:
        raise UsageError(f"--commits {revisions!r}: expected a revision range such as origin/main..HEAD")
    for side in sides:
        try:
            gitx.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{side or 'HEAD'}^{{commit}}")
        except RepositoryError:
            shallow = gitx.run("rev-parse", "--is-shallow-repository").strip() == "true"
            hint = (
                ": this is a shallow clone, fetch the history first (git fetch --unshallow; in GitHub Actions, "
                "actions/checkout with fetch-depth: 0)"
                if shallow
                else ""
            )
            raise RepositoryError(f"--commits {revisions}: unknown git revision {side or 'HEAD'!r}{hint}") from None


def offenders(gitx: plumbing.Git, revisions: str, at: str = "") -> tuple[int, list[Offender]]:
    """How many commits of `revisions` change rendered/, and those of them without the trailers, newest first.

    One `git log`, whatever the range's length. Merge commits are left out (as history does: the commits
    they bring are checked each against its own parent, and a merge made by a forge carries no trailers);
    --full-history so that no commit is hidden because a later one undid its change."""
    _verify(gitx, revisions)
    out = gitx.run(
        "log", "--no-merges", "--full-history", "--no-show-signature", f"--format={_FORMAT}",
        "--end-of-options", revisions, "--", _rendered_spec(at),
    )  # fmt: skip
    fields = out.split("\0")
    found, count = [], 0
    for start in range(0, len(fields) - 2, 3):
        sha, subject, trailers = fields[start].strip(), fields[start + 1], fields[start + 2]
        count += 1
        lacking = missing(_pairs(trailers))
        if lacking:
            found.append(Offender(sha, subject, lacking))
    return count, found


def stamp(gitx: plumbing.Git, message_file: Path, at: str = "") -> list[str]:
    """Add the trailers a hand commit of rendered/ lacks to its message file (the commit-msg hook); the
    trailers added, none when the staged changes leave rendered/ alone or the message has them already.

    A merge's message is left as it is (merges are not checked), and so is a message that is empty but
    for comments: git aborts such a commit, and a trailer would make it go through."""
    if (gitx.git_dir / "MERGE_HEAD").exists():
        return []
    # During `git commit -a` or `git commit PATH`, git points GIT_INDEX_FILE at the index being committed.
    staged = gitx.run("diff", "--cached", "--name-only", "-z", "--no-renames", "--", _rendered_spec(at))
    if not staged.strip("\0"):
        return []
    try:
        raw = message_file.read_bytes()
    except OSError as exc:
        raise UsageError(f"--commit-msg {message_file}: cannot read it: {exc.strerror or exc}") from None
    text = raw.decode(errors="surrogateescape")
    kept = _SCISSORS.split(text, maxsplit=1)[0]
    if not gitx.run("stripspace", "--strip-comments", stdin=kept.encode(errors="surrogateescape")).strip():
        return []
    lacking = missing(parse(gitx, text))
    added = [f"{RENDERED_BY}: modelops {__version__}"] if RENDERED_BY in lacking else []
    if _EITHER in lacking:
        added.append(f"{COMMAND_TRAILER}: {MANUAL}")
    if added:
        args = [arg for trailer in added for arg in ("--trailer", trailer)]
        gitx.run("interpret-trailers", "--in-place", "--if-exists", "doNothing", *args, str(message_file.resolve()))
    return added

"""Where each rendered release came from, written beside it and read back from git.

Every release directory gets `modelops.metadata` (JSON, like Argo CD's hydrator.metadata;
its name is not *.yaml or *.json, so Argo CD's directory source does not apply it): the
hashes of the inputs it was rendered from (the release spec, the environment file, the
templates), the generator version, and what it deploys (model version, image, artifact and
their digests).  No timestamps: the same inputs give the same bytes.

A file cannot name the commit that contains it, so the spec commit is found from git:
`modelops commit` records `Source-Commit:` in its commit trailers; a rendered tree
committed together with its specs (by hand, stamped `Modelops-Command: manual` by the commit-msg
hook or not, or by `promote --commit`, whose commit names its command in `Modelops-Command:` and
no Source-Commit) is its own source.  `trace` follows that and checks the
recorded spec and environment hashes against those files as they were in that commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__, layout
from generator.errors import InputError
from generator.inputs import yamlio
from generator.inputs.sources import history_unavailable

if TYPE_CHECKING:  # GitPython costs 40 ms to import; rendering computes provenance without it
    import git

    from generator.inputs.resolve import Resolved

SOURCE_TRAILER = "Source-Commit"
RENDERED_BY = "Rendered-By"  # the trailer every commit made by `modelops commit` carries
# The command a commit records itself as made by (render, promote, rollback, set-version); `history` reads it.
COMMAND_TRAILER = "Modelops-Command"
# Its value in a hand commit the commit-msg hook stamped (generator.repo.trailers): specs and render together.
MANUAL = "manual"


def data_hash(data: Any) -> str:
    """sha256 of a file's data as canonical JSON: comments and formatting do not count."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _digest(image: str) -> str | None:
    return image.partition("@")[2] or None


def outputs_hash(files: dict[str, str]) -> str:
    """sha256 over a release's manifests (path and text, in path order)."""
    digest = hashlib.sha256()
    for name, content in sorted(files.items()):
        digest.update(name.encode() + b"\0" + content.encode() + b"\0")
    return "sha256:" + digest.hexdigest()


def metadata(r: Resolved, templates: str, manifests: dict[str, str]) -> dict[str, Any]:
    """`manifests` (path -> text) are recorded by hash: a change in the output, even one made by a new
    modelops at the same version, changes this file too, so its last commit is the rendering commit."""
    image = str(r.get("runtime", "image"))
    return {
        "release": r.name,
        "environment": r.env.name,
        "generator": f"modelops {__version__}",
        "inputs": {
            "spec": {"file": r.release.file, "sha256": data_hash(r.release.doc.data)},
            "environment": {"file": r.env.file, "sha256": data_hash(r.env.doc.data)},
            "templates": {"sha256": f"sha256:{templates}"},
        },
        "manifests": {"count": len(manifests), "sha256": outputs_hash(manifests)},
        "deploys": {
            "modelVersion": str(r.get("model", "version")),
            "image": image,
            "imageDigest": _digest(image),
            "artifact": {"uri": r.get("model", "artifact", "uri"), "digest": r.get("model", "artifact", "digest")},
        },
    }


def text(meta: dict[str, Any]) -> str:
    return json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass
class Trace:
    """What one environment runs for one release, and the commits it came from."""

    environment: str
    release: str
    metadata: dict[str, Any]
    rendered_commit: str  # the commit that last changed the metadata
    source_commit: str | None  # the spec commit; None when the rendering commit names none
    source_subject: str
    verified: bool | None  # the spec and environment hashes match those files at the source commit (None: not checked)
    unverified: str = ""  # why the hashes could not be checked (the source commit is not in this clone)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "release": self.release,
            "renderedCommit": self.rendered_commit,
            "sourceCommit": self.source_commit,
            "sourceSubject": self.source_subject,
            "inputsVerified": self.verified,
            "notVerifiedBecause": self.unverified or None,
            **self.metadata,
        }


def _shallow_boundary(repo: git.Repo) -> set[str]:
    """The commits a shallow clone's history starts at (their parents are not in the clone)."""
    try:
        return set((Path(repo.git_dir) / "shallow").read_text(encoding="ascii").split())
    except OSError:
        return set()


def _source(repo: git.Repo, rendered: str) -> str | None:
    """The Source-Commit trailer of a rendering commit, else the commit itself (specs and output together)."""
    commit = repo.commit(rendered)
    # GitPython keeps the message as bytes only if it could not decode it.
    message = commit.message if isinstance(commit.message, str) else commit.message.decode(commit.encoding, "replace")
    by_modelops = edited_specs = False
    for line in reversed(message.splitlines()):
        key, _, value = line.partition(":")
        if key.strip() == SOURCE_TRAILER and value.strip():
            sha = value.split()[0]
            return None if sha.endswith("-dirty") else sha
        by_modelops = by_modelops or key.strip() == RENDERED_BY
        edited_specs = edited_specs or (key.strip() == COMMAND_TRAILER and value.split()[:1] != ["render"])
    # `promote --commit` and the like commit the spec with its render and name no other source;
    # `modelops commit` with no source recorded (the branch had no commit yet): the specs are not in it.
    return None if by_modelops and not edited_specs else rendered


def trace(repo: git.Repo, rev: str, environment: str, release: str, at: str = "") -> Trace | None:
    """The provenance of `release` in `environment` as committed at `rev`; None if it is not rendered there.

    `at`: where the GitOps repository sits in the git work tree ("" or "sub/dir/")."""
    import git

    file = at + layout.metadata_path(environment, release)
    try:
        blob = repo.commit(rev).tree / file
    except KeyError:
        return None
    try:
        meta = json.loads(blob.data_stream.read())
        recorded = [(meta["inputs"][k]["file"], meta["inputs"][k]["sha256"]) for k in ("spec", "environment")]
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError.at(f"not a modelops provenance file ({exc}); render again", file) from None
    rendered = repo.git.log("-1", "--format=%H", rev, "--", file)
    if rendered in _shallow_boundary(repo):
        # The clone's history starts here, so this is only the oldest commit that has the file.
        why = (
            f"this shallow clone's history starts at {rendered[:12]}, so the commit that rendered it is not known; "
            "fetch the history (git fetch --unshallow) to verify"
        )
        return Trace(environment, release, meta, rendered, None, "(history not in this clone)", None, why)
    source = _source(repo, rendered)
    subject, verified = "", None
    if source is not None:
        try:
            commit = repo.commit(source)
            commit.tree  # noqa: B018 - reads the object, which a shallow clone may lack
        except (ValueError, git.BadName, git.GitCommandError):  # a shallow clone, or history rewritten since
            why = history_unavailable(repo, source).diagnostics[0].message
            return Trace(environment, release, meta, rendered, source, "(not in this clone)", None, why)
        subject = commit.summary if isinstance(commit.summary, str) else commit.summary.decode()
        verified = True
        for name, digest in recorded:
            try:
                data = yamlio.load((commit.tree / (at + name)).data_stream.read(), name).data
            except (KeyError, InputError):
                data = None
            verified = verified and data is not None and data_hash(data) == digest
    return Trace(environment, release, meta, rendered, source, subject, verified)

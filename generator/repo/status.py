"""What Argo CD deploys: the committed rendered tree read back from git, release by release."""

from __future__ import annotations

from dataclasses import dataclass

import git

from generator.inputs import yamlio
from generator.inputs.sources import history_unavailable
from generator.layout import RENDERED_DIR, is_release_dir

WORKLOAD_KINDS = ("Deployment", "Rollout", "InferenceService")


@dataclass
class ReleaseStatus:
    environment: str
    release: str
    version: str
    strategy: str
    image: str
    artifact_uri: str
    artifact_digest: str
    commit: str
    date: str
    subject: str
    time: str = ""  # the commit's committer time, ISO 8601 with its offset
    author: str = ""  # "Name <email>"

    @property
    def image_digest(self) -> str:
        return self.image.partition("@")[2]

    def to_json(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "release": self.release,
            "version": self.version,
            "strategy": self.strategy,
            "image": self.image,
            "imageDigest": self.image_digest or None,
            "artifactUri": self.artifact_uri,
            "artifactDigest": self.artifact_digest,
            "commit": {
                "sha": self.commit,
                "date": self.date,
                "time": self.time,
                "author": self.author,
                "subject": self.subject,
            },
        }


def _workload(tree: git.Tree) -> dict[str, object] | None:
    """The release's workload, from its manifest (or, in trees rendered before manifest.yaml, its own file)."""
    for blob in sorted(tree.blobs, key=lambda b: str(b.path)):
        if not blob.name.endswith(".yaml"):
            continue
        for doc in yamlio.load_all(blob.data_stream.read(), str(blob.path), positions=False):  # values only
            obj = doc.data if isinstance(doc, yamlio.Document) else None
            if isinstance(obj, dict) and obj.get("kind") in WORKLOAD_KINDS:
                return obj
    return None


_RECORD = "%x1e%H%x00%cs%x00%cI%x00%an <%ae>%x00%s"


def _last_changes(repo: git.Repo, rev: str, directory: str) -> dict[str, tuple[str, str, str, str, str]]:
    """release directory -> (sha, date, time, author, subject) of the last commit that changed its manifest, from one
    `git log` over rendered/ (not one per release: a repository of 1,000 releases has 3,000 directories)."""
    out: dict[str, tuple[str, str, str, str, str]] = {}
    for record in repo.git.log(rev, f"--format={_RECORD}", "--name-only", "--", directory).split("\x1e"):
        head, _, names = record.partition("\n")
        fields = head.split("\x00")
        if len(fields) != 5:
            continue
        for name in names.splitlines():
            unit = "/".join(name.split("/")[:-1])
            # What runs is in the manifests: a commit that only rewrote a unit's provenance (its spec changed
            # for another environment) is not a change of this environment.
            if name.endswith(".yaml") and unit not in out:
                out[unit] = (fields[0], fields[1], fields[2], fields[3], fields[4])
    return out


def collect(repo: git.Repo, rev: str, order: list[str], at: str = "") -> list[ReleaseStatus]:
    """Every release directory in rendered/ at `rev`, environments in `order` first (`at`: where the
    GitOps repository sits in the git work tree)."""
    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError):
        raise history_unavailable(repo, rev) from None
    try:
        root = commit.tree / (at + RENDERED_DIR)
    except KeyError:
        return []
    rank = {env: i for i, env in enumerate(order)}
    changes = _last_changes(repo, rev, at + RENDERED_DIR)
    out = []
    for env_tree in sorted(root.trees, key=lambda t: (rank.get(t.name, len(rank)), t.name)):
        for release_tree in sorted(env_tree.trees, key=lambda t: t.name):
            if not is_release_dir(release_tree.name):
                continue
            obj = _workload(release_tree)
            meta = obj.get("metadata", {}) if obj else {}
            labels = meta.get("labels", {}) if isinstance(meta, dict) else {}
            notes = meta.get("annotations", {}) if isinstance(meta, dict) else {}
            sha, date, time, author, subject = changes.get(release_tree.path, ("", "", "", "", ""))
            out.append(
                ReleaseStatus(
                    environment=env_tree.name,
                    release=release_tree.name,
                    version=str(labels.get("modelops.io/model-version", "?")),
                    strategy=str(notes.get("modelops.io/rollout-strategy", "?")),
                    image=str(notes.get("modelops.io/image", "?")),
                    artifact_uri=str(notes.get("modelops.io/artifact-uri", "?")),
                    artifact_digest=str(notes.get("modelops.io/artifact-digest", "?")),
                    commit=sha,
                    date=date,
                    subject=subject,
                    time=time,
                    author=author,
                )
            )
    return out

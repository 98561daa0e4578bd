"""What Argo CD deploys: the committed rendered tree read back from git, release by release."""

from __future__ import annotations

from dataclasses import dataclass

import git

from generator.inputs import yamlio
from generator.layout import ARGOCD_DIR, RENDERED_DIR

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
            "commit": {"sha": self.commit, "date": self.date, "subject": self.subject},
        }


def _workload(tree: git.Tree) -> dict[str, object] | None:
    """The release's workload, from its manifest (or, in trees rendered before manifest.yaml, its own file)."""
    for blob in sorted(tree.blobs, key=lambda b: str(b.path)):
        if not blob.name.endswith(".yaml"):
            continue
        for doc in yamlio.load_all(blob.data_stream.read(), str(blob.path)):
            obj = doc.data if isinstance(doc, yamlio.Document) else None
            if isinstance(obj, dict) and obj.get("kind") in WORKLOAD_KINDS:
                return obj
    return None


def _last_change(repo: git.Repo, rev: str, path: str) -> tuple[str, str, str]:
    line = repo.git.log("-1", "--format=%H%x00%cs%x00%s", rev, "--", path)
    sha, date, subject = [*line.split("\x00"), "", "", ""][:3]
    return sha, date, subject


def collect(repo: git.Repo, rev: str, order: list[str], at: str = "") -> list[ReleaseStatus]:
    """Every release directory in rendered/ at `rev`, environments in `order` first (`at`: where the
    GitOps repository sits in the git work tree)."""
    try:
        root = repo.commit(rev).tree / (at + RENDERED_DIR)
    except (KeyError, ValueError):
        return []
    rank = {env: i for i, env in enumerate(order)}
    out = []
    for env_tree in sorted(root.trees, key=lambda t: (rank.get(t.name, len(rank)), t.name)):
        for release_tree in sorted(env_tree.trees, key=lambda t: t.name):
            if release_tree.name == ARGOCD_DIR:
                continue
            obj = _workload(release_tree)
            meta = obj.get("metadata", {}) if obj else {}
            labels = meta.get("labels", {}) if isinstance(meta, dict) else {}
            notes = meta.get("annotations", {}) if isinstance(meta, dict) else {}
            sha, date, subject = _last_change(repo, rev, release_tree.path)
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
                )
            )
    return out

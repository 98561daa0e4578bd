"""The objects a revision committed under rendered/, as a tree `diff` can compare with.

`diff --base REV` renders the base again with today's code, so that a change of templates or
of the tool shows as a change.  When the base does not render (a newer modelops refuses what
an older one wrote, or the base itself was broken), what it committed is what Argo CD runs, and
comparing with it keeps the pull request's comment honest; an empty tree would call every
object "added".  Each object is emitted again with today's emitter, so only content differs.
Reads one `ls-tree` and one `cat-file --batch`, whatever the number of units.
"""

from __future__ import annotations

from pathlib import Path

import git

from generator import layout
from generator.errors import RepositoryError, TemplateError
from generator.inputs import yamlio
from generator.render.objects import RenderedTree
from generator.repo import plumbing
from generator.repo.history import read_blobs

_TEMPLATE = "(committed)"


def tree(repo: git.Repo, revision: str, prefix: str = "") -> RenderedTree:
    """rendered/'s manifests at `revision`, keyed as a render keys them; an unreadable one is left out."""
    gitx = plumbing.Git(Path(repo.working_tree_dir or "."), Path(repo.git_dir))
    root = f"{prefix}{layout.RENDERED_DIR}/"
    try:
        listed = gitx.run("ls-tree", "-r", "--name-only", "-z", revision, "--", root)
    except RepositoryError:
        return RenderedTree()
    manifests = [p for p in listed.split("\0") if p.endswith(f"/{layout.MANIFEST_FILE}")]
    blobs = read_blobs(gitx, [f"{revision}:{p}" for p in manifests])
    out = RenderedTree()
    for path in manifests:
        found = blobs.get(f"{revision}:{path}")
        directory = path[len(prefix) : -len(layout.MANIFEST_FILE) - 1]  # rendered/<env>/<unit>
        parts = directory.split("/")
        if found is None or len(parts) != 3:
            continue
        env, unit = parts[1], parts[2]
        release = None if unit.startswith("_") else unit
        # The reader every manifest goes through; a document it refuses (a hand edit) counts as absent.
        documents = yamlio.load_all(found[1], f"{path}@{revision}", positions=False)
        for obj in (d.data for d in documents if isinstance(d, yamlio.Document) and isinstance(d.data, dict)):
            try:
                out.add(directory, _TEMPLATE, obj, environment=env, release=release)
            except (TemplateError, TypeError, ValueError, KeyError):
                continue  # not an object a render could have written
    out.objects = dict(sorted(out.objects.items()))
    return out

"""The files of a new GitOps repository (`modelops init`), gathered in memory from data.

Nothing here is written as Python strings: the files come from

- `generator/scaffold/`: environments, an example release, an empty waiver list, the
  pre-commit config, .gitignore and a README, copied verbatim. Files whose name starts
  with `dot-` become dotfiles: a real `.gitignore` in the package would apply to this
  project's own checkout, and hidden files are easy to lose when packaging;
- the bundled PolicySets in `policies/` (the rules this project ships and tests);
- the example GitHub workflow in `examples/github-actions/`, so that there is one workflow
  to maintain (tests/acceptance/test_workflow_example.py runs its steps);
- the editor schemas (generator.schemabundle) in `.schemas/`.

`policies/` and `examples/` live at the top of the source checkout; wheels carry them in
`generator/_builtin/` (see pyproject.toml), as they do the built-in templates.
"""

from __future__ import annotations

import json

from generator import builtin
from generator.inputs import yamlio
from generator.schemas import bundle
from generator.validate.placeholders import CLONE_URL

SCAFFOLD_DIR = builtin.package_file("scaffold")
SCHEMAS_DIR = ".schemas"
WORKFLOW = "examples/github-actions/modelops.yml"
WORKFLOW_TARGET = ".github/workflows/modelops.yml"
_DOT_PREFIX = "dot-"


def schema_line(kind: str, depth: int = 1) -> str:
    """The comment that points the YAML language server at the schema, from a file `depth` levels down."""
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMAS_DIR}/{bundle.file_name(kind)}\n"


def _scaffold_files() -> dict[str, bytes]:
    out = {}
    for path in sorted(SCAFFOLD_DIR.rglob("*")):
        if path.is_file():
            parts = [
                "." + part[len(_DOT_PREFIX) :] if part.startswith(_DOT_PREFIX) else part
                for part in path.relative_to(SCAFFOLD_DIR).parts
            ]
            out["/".join(parts)] = path.read_bytes()
    return out


def _policy_sets() -> dict[str, bytes]:
    """The shipped PolicySets (not the example's waivers), with the editor schema line on top."""
    out = {}
    for path in sorted(builtin.shipped("policies").glob("*.yaml")):
        rel = f"policies/{path.name}"
        raw = path.read_bytes()
        data = yamlio.load(raw, rel).data
        if isinstance(data, dict) and data.get("kind") == "PolicySet":
            out[rel] = schema_line("policy").encode() + raw
    return out


def _placed(files: dict[str, bytes], at: str) -> dict[str, bytes]:
    """Environment files that say where the repository sits in its git work tree (spec.gitops.path)."""
    if not at:
        return files
    line = f"  gitops:\n    path: {json.dumps(at.rstrip('/'))}   # this repository's directory in the git repository\n"
    return {
        path: data.replace(b"  gitops:\n", line.encode(), 1) if path.startswith("environments/") else data
        for path, data in files.items()
    }


_PLACEHOLDER_URL = b"https://git.example.com/platform/model-gitops.git"


def _pointed(files: dict[str, bytes], branch: str | None, origin: str | None) -> dict[str, bytes]:
    """Environment files whose Applications follow `branch` of `origin` (the repository being set up),
    instead of the placeholders, where those are known and Argo CD can clone them."""
    out = {}
    for path, data in files.items():
        if path.startswith("environments/"):
            if branch:
                data = data.replace(
                    b"    targetRevision: main\n", f"    targetRevision: {json.dumps(branch)}\n".encode()
                )
            if origin and CLONE_URL.fullmatch(origin):
                data = data.replace(_PLACEHOLDER_URL, json.dumps(origin).encode())
        out[path] = data
    return out


def files(at: str = "", branch: str | None = None, origin: str | None = None) -> dict[str, bytes]:
    """Repository-relative path -> content of every file of a new repository, sorted by path; `at` is its
    directory in an enclosing git work tree ("" for a repository of its own), `branch` and `origin` the
    branch and clone URL of that work tree when it has them."""
    out = _pointed(_placed(_scaffold_files(), at), branch, origin)
    out.update(_policy_sets())
    out[WORKFLOW_TARGET] = builtin.shipped(WORKFLOW).read_bytes()
    for name, text in bundle.all_files().items():
        out[f"{SCHEMAS_DIR}/{name}"] = text.encode()
    return dict(sorted(out.items()))

"""Release specs in folders below releases/, and every other entry of the input directories refused by name."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Runner, edit, files_under, git, write

BGE = "releases/bge-embeddings.yaml"
NESTED = "releases/team-a/search/bge-embeddings.yml"


def move(repo: Path, old: str, new: str) -> None:
    (repo / new).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(repo / old, repo / new)


def test_a_release_in_a_folder_renders_and_names_its_file(example: Path, run: Runner) -> None:
    move(example, BGE, NESTED)
    result = run(example, "render")
    assert result.exit_code == 0, result.err
    deployment = example / "rendered/prod/bge-embeddings/manifest.yaml"
    assert f"modelops.io/source: {NESTED}\n" in deployment.read_text(encoding="utf-8")
    assert {p.name for p in (example / "rendered/dev").iterdir()} >= {"bge-embeddings", "llama3-8b-chat"}
    assert run(example, "check").exit_code == 0


def test_diff_reads_folders_from_git_as_render_reads_them_from_disk(example_repo: Path, run: Runner) -> None:
    move(example_repo, BGE, NESTED)
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "bge-embeddings in a team folder")
    assert run(example_repo, "diff", "--base", "HEAD").out.strip() == "no differences from HEAD"
    edit(example_repo / NESTED, "    maxReplicas: 4\n", "    maxReplicas: 5\n")
    result = run(example_repo, "diff", "--base", "HEAD", "-o", "json")
    assert result.exit_code == 0, result.err
    changes = [(c["status"], c["file"]) for env in result.json()["environments"].values() for c in env["objects"]]
    assert changes == [
        ("changed", f"rendered/{env}/bge-embeddings/manifest.yaml")
        for env in ("dev", "staging")
    ]


def test_lint_explain_and_promote_find_a_release_in_a_folder(example_repo: Path, run: Runner) -> None:
    move(example_repo, BGE, NESTED)
    edit(example_repo / NESTED, "kind: triton", "kind: tritonn")
    linted = run(example_repo, "lint", str(example_repo / NESTED))
    assert linted.exit_code == 1
    assert linted.err.startswith(f"{NESTED}:20:5: spec.runtime.kind: ")
    edit(example_repo / NESTED, "kind: tritonn", "kind: triton")

    explained = run(example_repo, "explain", "bge-embeddings", "--env", "prod", "--field", "model.version")
    assert explained.exit_code == 0, explained.err
    assert NESTED in explained.out

    edit(example_repo / NESTED, "    prod:\n", "    prod:\n      model:\n        version: 1.4.9\n")
    promoted = run(example_repo, "promote", "bge-embeddings", "--from", "staging", "--to", "prod")
    assert promoted.exit_code == 0, promoted.err
    assert "version: 1.4.9 -> 1.5.0" in promoted.out
    assert "    prod:\n      model:\n        version: 1.5.0\n" in (example_repo / NESTED).read_text(encoding="utf-8")


def fifo(path: Path) -> None:
    os.mkfifo(path)


def dangling_link(path: Path) -> None:
    os.symlink("gone.yaml", path)


def directory(path: Path) -> None:
    write(path / "x.yaml", "kind: ModelRelease\n")


def readme(path: Path) -> None:
    write(path, "# Releases of team A\n")


NOT_A_SPEC = 'only .yaml and .yml files belong in releases/ (names starting with "." are ignored)'
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("releases/README.md", readme, f"not a release spec: {NOT_A_SPEC}"),
    ("releases/team-a/README.md", readme, f"not a release spec: {NOT_A_SPEC}"),
    ("releases/team-a/x.json", readme, f"not a release spec: {NOT_A_SPEC}"),
    ("releases/x.YAML", readme, "not read as a release spec: the extension must be lower case; rename it to x.yaml"),
    ("releases/pipe.yaml", fifo, "is a named pipe (FIFO), not a regular file; refusing to read it"),
    ("releases/team-a/dangling.yaml", dangling_link, "is a symbolic link to 'gone.yaml', which does not exist"),
    ("releases/x.yaml", directory, "is a directory, not a release spec"),
    (
        "environments/old",
        directory,
        "is a directory; environment files are read only directly in environments/, not in subdirectories",
    ),
    (
        "environments/notes.txt",
        readme,
        "not an environment file: only .yaml and .yml files belong in environments/ "
        '(names starting with "." are ignored)',
    ),
    (
        "policies/team",
        directory,
        "is a directory; policy files are read only directly in policies/, not in subdirectories",
    ),
    (
        "policies/extra.json",
        readme,
        'not a policy file: only .yaml and .yml files belong in policies/ (names starting with "." are ignored)',
    ),
]


@pytest.mark.parametrize(("entry", "make", "message"), CASES, ids=[c[0] for c in CASES])
def test_an_entry_that_is_not_an_input_is_an_error_naming_it(
    example: Path, run: Runner, entry: str, make: Callable[[Path], None], message: str
) -> None:
    (example / entry).parent.mkdir(parents=True, exist_ok=True)
    make(example / entry)
    before = files_under(example)
    result = run(example, "render")
    assert result.exit_code == 1
    assert f"{entry}: {message} [input-file]" in result.err.splitlines()
    assert "Traceback" not in result.err
    assert files_under(example) == before
    report = run(example, "validate", "-o", "json")
    assert report.exit_code == 1
    assert [(d["file"], d["message"]) for d in report.json()["diagnostics"] if d["severity"] == "error"] == [
        (entry, message)
    ]


def test_hidden_entries_stay_ignored(example: Path, run: Runner) -> None:
    for path in ("releases/.gitkeep", "releases/.drafts/new.yaml", "environments/.dev.yaml.swp", "policies/.keep"):
        write(example / path, "not: read\n")
    assert run(example, "render").exit_code == 0

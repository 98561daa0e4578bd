"""The environment's _shared unit in the commands that compare and commit rendered/: `check` sees it
out of date, `diff --base` shows its ExternalSecret, `commit` writes it, like any release's unit."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner, edit, git

MANIFEST = "rendered/dev/_shared/manifest.yaml"


def test_check_diff_and_commit_include_the_shared_unit(example_repo: Path, run: Runner) -> None:
    assert run(example_repo, "commit", "-m", "render").exit_code == 0
    assert MANIFEST in git(example_repo, "ls-files", "rendered/dev")
    assert run(example_repo, "check").exit_code == 0

    hand = example_repo / MANIFEST
    hand.write_text(hand.read_text(encoding="utf-8").replace('refreshInterval: "1h"', 'refreshInterval: "5m"'))
    checked = run(example_repo, "check", "-o", "json")
    assert (checked.exit_code, checked.json()["changed"]) == (1, [MANIFEST])
    git(example_repo, "checkout", "-q", "--", MANIFEST)

    edit(example_repo / "environments/dev.yaml", "key: ml-platform/dev/model-store-readonly", "key: ml-platform/dev/v2")
    git(example_repo, "commit", "-q", "-am", "dev reads the model store's v2 credentials")
    assert run(example_repo, "check").exit_code == 1  # rendered/ no longer matches the environment file
    diff = run(example_repo, "diff", "--base", "HEAD~1", "-o", "json").json()
    assert diff["differences"] is True
    changed = [o for o in diff["environments"]["dev"]["objects"] if o["status"] == "changed"]
    assert [(o["file"], o["kind"]) for o in changed] == [(MANIFEST, "ExternalSecret")]
    assert (
        "-        key: ml-platform/dev/model-store-readonly\n+        key: ml-platform/dev/v2\n" in changed[0]["diff"]
    )
    assert list(diff["environments"]) == ["dev"]  # the other environments render as they did

    committed = run(example_repo, "commit")
    assert committed.exit_code == 0, committed.err
    assert MANIFEST in git(example_repo, "show", "--name-only", "--format=", "HEAD")
    assert run(example_repo, "check").exit_code == 0

"""`modelops commit`: render, validate and commit the example; a second commit finds nothing to do."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Runner


def test_render_validate_commit_on_the_example(example_repo: Path, run: Runner) -> None:
    rendered = run(example_repo, "render")
    assert rendered.exit_code == 0, rendered.err
    assert rendered.out.startswith("rendered 18 release deployments in 3 environments: 39 files")
    validated = run(example_repo, "validate")
    assert validated.exit_code == 0
    assert validated.out.strip().endswith("175 resources, 175 valid, 0 invalid; 0 errors, 0 warnings")
    committed = run(example_repo, "commit", "-m", "render the example")
    assert committed.exit_code == 0
    assert committed.out.startswith("committed ")
    again = run(example_repo, "commit")
    assert (again.exit_code, again.out) == (0, "nothing to commit: rendered/ already matches the specs\n")

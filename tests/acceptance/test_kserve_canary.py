"""A KServe canary ends: promote starts it at the declared percentage, --finish (or a rollback) removes it.

KServe holds the latest revision at canaryTrafficPercent for as long as the field is in the
InferenceService, so a canary that is never removed keeps every later revision at 10% too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Runner, rendered_object

NAME = "distilbert-sentiment"
SPEC = f"releases/{NAME}.yaml"
DIGEST = "sha256:" + "ab" * 32


def _predictor(repo: Path, env: str = "prod") -> dict[str, Any]:
    predictor: dict[str, Any] = rendered_object(repo, env, NAME, "InferenceService")["spec"]["predictor"]
    return predictor


def _new_version_in_staging(repo: Path, run: Runner, *publish: str) -> None:
    uri = "s3://models/distilbert/sst2/1.3.0/"
    steps = (
        ("set-version", NAME, "--version", "1.3.0", "--uri", uri, "--digest", DIGEST, *publish),
        ("promote", NAME, "--from", "dev", "--to", "staging", *publish),
    )
    for args in steps:
        result = run(repo, *args)
        assert result.exit_code == 0, result.err
        assert "canary" not in result.out  # dev and staging roll out KServe revisions whole


def test_promote_starts_a_canary_and_finish_ends_it(example_repo: Path, run: Runner) -> None:
    _new_version_in_staging(example_repo, run)
    assert "canaryTrafficPercent" not in _predictor(example_repo)  # prod at rest

    promoted = run(example_repo, "promote", NAME, "--from", "staging", "--to", "prod")
    assert promoted.exit_code == 0, promoted.err
    assert f"the new revision takes 10% of the traffic; `modelops promote {NAME} --finish --env prod`" in promoted.out
    assert _predictor(example_repo)["canaryTrafficPercent"] == 10
    assert "          trafficPercent: 10\n          inProgress: true\n" in (example_repo / SPEC).read_text()
    before_finish = (example_repo / SPEC).read_text()

    finished = run(example_repo, "promote", NAME, "--finish", "--env", "prod")
    assert finished.exit_code == 0, finished.err
    assert "canaryTrafficPercent" not in _predictor(example_repo)
    assert 'modelops.io/model-version: "1.3.0"' in (example_repo / f"rendered/prod/{NAME}/manifest.yaml").read_text()
    # Only the flag goes; the percentage stays for the next canary.
    assert (example_repo / SPEC).read_text() == before_finish.replace("          inProgress: true\n", "")

    again = run(example_repo, "promote", NAME, "--finish", "--env", "prod")
    assert again.exit_code == 0 and "runs no canary in prod; nothing to do" in again.out


def test_finish_and_promote_options_do_not_mix(example_repo: Path, run: Runner) -> None:
    before = (example_repo / SPEC).read_bytes()
    for args, message in (
        (("--finish",), "--finish needs --env ENV"),
        (("--finish", "--env", "prod", "--to", "prod"), "it takes no --from, --to or --force"),
        (("--env", "prod"), "--env goes with --finish"),
        (("--to", "prod"), "promote needs --from ENV and --to ENV"),
    ):
        result = run(example_repo, "promote", NAME, *args)
        assert result.exit_code == 2 and message in result.err, (args, result.err)
    assert (example_repo / SPEC).read_bytes() == before


def test_a_rollback_ends_the_canary_with_the_old_revision_taking_all_traffic(example_repo: Path, run: Runner) -> None:
    _new_version_in_staging(example_repo, run, "--commit")
    assert run(example_repo, "promote", NAME, "--from", "staging", "--to", "prod", "--commit").exit_code == 0
    assert _predictor(example_repo)["canaryTrafficPercent"] == 10

    result = run(example_repo, "rollback", NAME, "--env", "prod", "--commit")
    assert result.exit_code == 0, result.err
    assert "canaryTrafficPercent" not in _predictor(example_repo)
    assert "inProgress" not in (example_repo / SPEC).read_text()
    assert 'modelops.io/model-version: "1.2.0"' in (example_repo / f"rendered/prod/{NAME}/manifest.yaml").read_text()

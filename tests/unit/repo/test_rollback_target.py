"""Which state rollback restores, planned from history entries (see generator.repo.rollback_target)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.repo import rollback_target
from generator.repo.history import Commit, Entry, Person
from generator.repo.rollback_target import NoTarget
from generator.repo.running import Running

IMAGE = "registry.example.com/vllm:v1@sha256:" + "b" * 64
WHO = Person("Ann", "ann@example.com", "2026-06-15T10:00:00+00:00")


def state(version: str, image: str = IMAGE, max_replicas: int = 4) -> Running:
    return Running(
        model_version=version,
        image=image,
        artifact_uri=f"s3://models/m/{version}/",
        artifact_digest="sha256:" + version.replace(".", "").ljust(64, "0"),
        max_replicas=max_replicas,
    )


def entries(*steps: tuple[Running | None, str]) -> list[Entry]:
    """History entries of one release in one environment, newest first, from (state, command) oldest first."""
    out, before = [], None
    for i, (after, command) in enumerate(steps):
        commit = Commit(sha(i), None, WHO, WHO, f"{command} m", "modelops 0.1.0", command)
        out.append(Entry("prod", "m", commit, before, after, command))
        before = after
    return out[::-1]


def sha(i: int) -> str:
    return f"{i:x}" * 40


def versions(ran: list[rollback_target.Ran]) -> list[str]:
    return [r.version for r in ran]


def test_the_previous_state_is_the_one_before_what_runs() -> None:
    history = entries((state("1"), "render"), (state("2"), "set-version"), (state("3"), "promote"))
    assert versions(rollback_target.path(history)) == ["1", "2", "3"]
    target = rollback_target.previous(history, "m", "prod")
    assert (target.version, target.sha, target.image) == ("2", sha(1), IMAGE)


def test_after_a_rollback_the_previous_state_is_one_further_back() -> None:
    history = entries(
        (state("1"), "render"), (state("2"), "promote"), (state("3"), "promote"), (state("2"), "rollback")
    )
    assert versions(rollback_target.path(history)) == ["1", "2"]
    assert rollback_target.previous(history, "m", "prod").version == "1"
    back_again = entries(
        (state("1"), "render"), (state("2"), "promote"), (state("3"), "promote"), (state("2"), "rollback"),
        (state("1"), "rollback"),
    )  # fmt: skip
    with pytest.raises(NoTarget, match="m in prod runs 1 and has no earlier state to go back to"):
        rollback_target.previous(back_again, "m", "prod")


def test_any_return_to_an_earlier_state_cuts_the_path_whatever_the_command() -> None:
    # A `git revert` of the 3 commit is "manual" in history; going back from it must not bring 3 back.
    history = entries((state("1"), "render"), (state("2"), "promote"), (state("3"), "promote"), (state("2"), "manual"))
    assert rollback_target.previous(history, "m", "prod").version == "1"


def test_a_version_deployed_again_after_a_rollback_is_on_the_path_again() -> None:
    history = entries(
        (state("1"), "render"), (state("2"), "promote"), (state("1"), "rollback"), (state("2"), "promote"),
        (state("3"), "promote"),
    )  # fmt: skip
    assert versions(rollback_target.path(history)) == ["1", "2", "3"]
    target = rollback_target.previous(history, "m", "prod")
    assert (target.version, target.sha) == ("2", sha(3))  # the commit it last started running in


def test_replica_changes_removals_and_unreadable_states_are_not_states() -> None:
    unreadable = Running(model_version="9", max_replicas=4)  # a metadata file that names no artifact or image
    history = entries(
        (state("1"), "render"), (state("2"), "promote"), (state("2", max_replicas=8), "manual"),
        (unreadable, "manual"), (None, "render"), (state("2"), "render"),
    )  # fmt: skip
    assert versions(rollback_target.states(history)) == ["2", "2", "1"]
    assert versions(rollback_target.path(history)) == ["1", "2"]
    assert rollback_target.previous(history, "m", "prod").version == "1"


def test_no_committed_state_says_how_to_get_one() -> None:
    with pytest.raises(NoTarget, match=r"no committed render of rendered/prod/m/ says what ran there") as caught:
        rollback_target.previous([], "m", "prod")
    assert caught.value.exit_code == 1


def test_a_version_is_its_most_recent_state() -> None:
    history = entries(
        (state("1"), "render"), (state("2"), "promote"), (state("1", image=IMAGE + "0"), "manual"),
        (state("3"), "promote"),
    )  # fmt: skip
    target = rollback_target.of_version(history, "m", "prod", "1")
    assert (target.image, target.sha) == (IMAGE + "0", sha(2))
    with pytest.raises(NoTarget) as caught:
        rollback_target.of_version(history, "m", "prod", "4")
    ran = "3 (333333333333), 1 (222222222222), 2 (111111111111)"
    assert str(caught.value) == f"modelops: m in prod never ran version 4; it ran, newest first: {ran}"


def test_a_revision_must_be_on_the_branch_and_name_a_whole_state() -> None:
    history = entries((state("1"), "render"), (state("2"), "promote"))
    at = "f" * 40
    target = rollback_target.of_revision(history, "m", "prod", "v1", (at, state("1")))
    assert (target.version, target.sha, target.uri) == ("1", at, "s3://models/m/1/")
    refusals = [
        (None, "v1 is not a commit of the current branch, so nothing of it ran in prod"),
        ((at, None), r"m was not deployed to prod at v1 \(ffffffffffff\)"),
        ((at, Running(model_version="1")), r"rendered/prod/m/ at v1 \(ffffffffffff\) does not say which model version"),
    ]
    for found, message in refusals:
        with pytest.raises(NoTarget, match=message) as caught:
            rollback_target.of_revision(history, "m", "prod", "v1", found)
        assert "what ran there, newest first: 2 (111111111111), 1 (000000000000)" in str(caught.value)


@given(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=12), st.integers(min_value=1, max_value=8))
def test_rolling_back_again_and_again_never_returns_to_a_state_it_left(deploys: list[str], times: int) -> None:
    steps: list[tuple[Running | None, str]] = [(state(v), "promote") for v in deploys]
    left: set[str] = set()
    for _ in range(times):
        history = entries(*steps)
        current = rollback_target.path(history)[-1].version
        try:
            target = rollback_target.previous(history, "m", "prod")
        except NoTarget:
            assert len(rollback_target.path(history)) == 1
            break
        assert target.version != current and target.version not in left
        assert target.version in deploys[: len(deploys) - 1]  # it ran before
        left.add(current)
        steps.append((state(target.version), "rollback"))

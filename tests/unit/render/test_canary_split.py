"""The canary split without a traffic router, checked against cases from Argo Rollouts' own tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.render.canary_split import split, steps_split, surge_count


@pytest.mark.parametrize(
    ("weight", "replicas", "max_surge", "canary", "stable"),
    [
        (10, 2, 1, 1, 2),  # the case: 33%, not 10%
        (10, 1, 1, 1, 1),  # one replica: 50%
        (10, 10, 1, 1, 9),
        (50, 3, 0, 2, 1),  # tie: the larger canary
        (0, 4, 1, 0, 4),
        (100, 4, 1, 4, 0),
        (20, 5, 0, 1, 4),
        (10, 1, 0, 0, 1),  # no surge, one replica: the canary may get no pod at all
    ],
)
def test_split_matches_the_controller(weight: int, replicas: int, max_surge: int, canary: int, stable: int) -> None:
    got = split(weight, replicas, max_surge)
    assert (got.canary, got.stable) == (canary, stable)


def test_actual_share_and_distance() -> None:
    s = split(10, 2, 1)
    assert round(s.actual, 1) == 33.3
    assert round(s.off_by, 1) == 23.3


def test_surge_percentages_round_up() -> None:
    assert surge_count("25%", 2) == 1
    assert surge_count("25%", 8) == 2
    assert surge_count(0, 5) == 0
    assert [s.canary for s in steps_split([10, 50], 4, "25%")] == [1, 2]


@given(st.integers(1, 99), st.integers(2, 200), st.integers(1, 3))
def test_with_surge_both_sides_keep_a_pod_for_partial_weights(weight: int, replicas: int, max_surge: int) -> None:
    s = split(weight, replicas, max_surge)
    assert s.canary >= 1 and s.stable >= 1
    assert replicas <= s.canary + s.stable <= replicas + 1


def test_a_tie_without_surge_leaves_no_canary_pod() -> None:
    # The controller's own fallback: 75% of 2 pods ties between 1 and 2, rounding up would take
    # every pod and there is no surge, so it keeps all pods stable. explain warns on it.
    s = split(75, 2, 0)
    assert (s.canary, s.stable) == (0, 2)

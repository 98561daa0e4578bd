"""The canary flag a promotion writes into an environment block, and takes out again without a trace."""

from __future__ import annotations

from generator.inputs.pins import canary_running, set_pins

SPEC = """\
spec:
  environments:
    dev: {}
    prod:
      # prod splits traffic
      rollout:
        strategy: canary
        canary:
          trafficPercent: 10
"""


def test_the_flag_is_set_beside_the_percentage_and_removed_byte_for_byte() -> None:
    started = set_pins(SPEC, "prod", None, canary=True)
    assert started == SPEC + "          inProgress: true\n"
    assert canary_running({"environments": {"prod": {"rollout": {"canary": {"inProgress": True}}}}}, "prod")
    assert set_pins(started, "prod", None, canary=False) == SPEC
    assert set_pins(SPEC, "prod", None) == SPEC  # no pins, no flag: nothing changes


def test_removing_the_flag_drops_the_mappings_it_alone_needed() -> None:
    started = set_pins(SPEC, "dev", None, canary=True)
    assert "    dev:\n      rollout:\n        canary:\n          inProgress: true\n" in started
    assert set_pins(started, "dev", None, canary=False) == SPEC
    assert not canary_running({"environments": {"dev": {}}}, "dev")
    assert not canary_running({"environments": {"dev": None}}, "dev")

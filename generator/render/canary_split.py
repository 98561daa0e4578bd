"""The traffic a canary step really gets when no traffic router splits it.

Without a router, Argo Rollouts splits traffic by pod count: the Service selects stable and
canary pods alike. The controller picks the canary and stable replica counts closest to the
step's weight among four candidates (rounding the weighted count up or down, over spec.replicas
or, when maxSurge allows, spec.replicas + 1), never rounds a weight of 1-99 down to zero pods on
either side, and on a tie takes the larger canary (utils/replicaset/canary.go,
approximateWeightedCanaryStableReplicaCounts, Argo Rollouts v1.7). So `setWeight: 10` on two
replicas is one canary beside two stable pods, 33%, not 10%.

With a traffic router the weight is exact; callers do not ask this module then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_MAX_WEIGHT = 100


@dataclass(frozen=True)
class Split:
    """One step at one replica count: the pods on each side and the share of traffic they get."""

    weight: int  # what the step declares
    replicas: int  # spec.replicas of the Rollout at that moment (min or max of the autoscaler)
    canary: int
    stable: int

    @property
    def actual(self) -> float:
        """Percent of requests the canary pods receive, as the Service spreads them evenly."""
        total = self.canary + self.stable
        return 100.0 * self.canary / total if total else 0.0

    @property
    def off_by(self) -> float:
        return abs(self.actual - self.weight)


def split(weight: int, replicas: int, max_surge: int) -> Split:
    """Canary and stable pod counts for `setWeight: weight` on `replicas` pods, as the controller picks them."""
    if replicas <= 0:
        return Split(weight, replicas, 0, 0)
    weighted = replicas * weight / _MAX_WEIGHT
    ceil, floor = math.ceil(weighted), math.floor(weighted)
    zero_allowed = weight in (0, _MAX_WEIGHT) or (replicas == 1 and max_surge == 0)
    options: list[tuple[int, int]] = []  # (canary, total)
    if ceil < replicas or zero_allowed:
        options.append((ceil, replicas))
    if not _tied(weight, replicas) and (floor != 0 or zero_allowed):
        options.append((floor, replicas))
    if max_surge > 0:
        options.append((ceil, replicas + 1))
        if not _tied(weight, replicas + 1) and (floor != 0 or zero_allowed):
            options.append((floor, replicas + 1))
    if not options:
        return Split(weight, replicas, 0, replicas)
    # min() keeps the first of equal deltas, as the controller's strict "<" does.
    canary, total = min(options, key=lambda o: abs(o[0] * _MAX_WEIGHT / o[1] - weight))
    return Split(weight, replicas, canary, total - canary)


def _tied(weight: int, total: int) -> bool:
    """Rounding up and down are equally far from the weight (3 pods at 50%); the larger canary wins."""
    return math.modf(total * (weight / _MAX_WEIGHT))[0] == 0.5


def surge_count(value: int | str, replicas: int) -> int:
    """maxSurge as pods: a count, or a percentage of replicas rounded up, as Kubernetes scales it."""
    if isinstance(value, str) and value.endswith("%"):
        return -(-replicas * int(value[:-1]) // 100)
    return int(value)


def steps_split(weights: list[int], replicas: int, max_surge: int | str) -> list[Split]:
    """Every setWeight step of a canary at one replica count."""
    return [split(w, replicas, surge_count(max_surge, replicas)) for w in weights]

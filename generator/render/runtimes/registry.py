"""Serving runtimes, looked up by `spec.runtime.kind`."""

from __future__ import annotations

from types import ModuleType

from generator.render.runtimes import kserve, tfserving, torchserve, triton, vllm
from generator.render.runtimes.base import Runtime

RUNTIMES: dict[str, ModuleType] = {m.kind: m for m in (vllm, triton, torchserve, tfserving, kserve)}


def get(kind: str) -> Runtime:
    module: Runtime = RUNTIMES[kind]
    return module

"""Serving runtimes, looked up by `spec.runtime.kind`."""

from __future__ import annotations

from types import ModuleType

from generator.runtimes import kserve, tfserving, torchserve, triton, vllm
from generator.runtimes.base import CONFIG_DIR, MODEL_DIR, Port, Runtime, Server

RUNTIMES: dict[str, ModuleType] = {m.kind: m for m in (vllm, triton, torchserve, tfserving, kserve)}


def get(kind: str) -> Runtime:
    module: Runtime = RUNTIMES[kind]  # type: ignore[assignment]
    return module


__all__ = ["CONFIG_DIR", "MODEL_DIR", "RUNTIMES", "Port", "Runtime", "Server", "get"]

from __future__ import annotations

from typing import Any

from generator.errors import UsageError


def run_promote(*args: Any, **kwargs: Any) -> int:
    raise UsageError("modelops promote is not implemented yet")


def run_rollback(*args: Any, **kwargs: Any) -> int:
    raise UsageError("modelops rollback is not implemented yet")

from __future__ import annotations

from typing import Any

from generator.errors import UsageError


def run(*args: Any, **kwargs: Any) -> int:
    raise UsageError("modelops diff is not implemented yet")

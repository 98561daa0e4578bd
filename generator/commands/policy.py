from __future__ import annotations

from typing import Any

from generator.errors import UsageError


def run_list(*args: Any, **kwargs: Any) -> int:
    raise UsageError("modelops policy list is not implemented yet")


def run_explain(*args: Any, **kwargs: Any) -> int:
    raise UsageError("modelops policy explain is not implemented yet")

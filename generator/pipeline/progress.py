"""What a long run reports as it goes: the phase (reading, checking, rendering, validating,
writing, committing, pushing), how far it is, and what it is doing.  The CLI's Console draws
it on a terminal only; the pipeline only calls it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def __call__(self, label: str, done: int = 0, total: int = 0, phase: str = "rendering") -> None: ...

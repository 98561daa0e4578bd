"""Running a job over many items on every core, results in order.

Rendering is CPU-bound Python, one unit at a time, so a large repository renders in worker
processes.  They are forked: each starts with the loaded inputs and the template
environment already in memory, and sends back only finished results.  Results come back in
order, so the output and the first error reported are the same as running the job on one
item after another.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from generator.errors import Diagnostic, ModelOpsError

# Below this many items, starting processes costs more than it saves.
MIN_PARALLEL = 48
_CHUNK = 8

T = TypeVar("T")
R = TypeVar("R")

# What the forked workers inherit: the job and its items (never pickled).
_state: tuple[Callable[[Any], Any], list[Any]] | None = None


def jobs(count: int) -> int:
    """How many processes to run `count` items with (MODELOPS_JOBS overrides; 1 is serial)."""
    setting = os.environ.get("MODELOPS_JOBS", "")
    if setting.isdigit() and int(setting) > 0:
        wanted = int(setting)
    elif count < MIN_PARALLEL:
        return 1
    else:
        wanted = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if wanted <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(wanted, max(1, count))


def _watch_parent(parent: int) -> None:
    """End this worker when the parent is gone (killed with SIGKILL, say): a forked worker holds
    its own copy of the task pipe, so it would otherwise wait for work forever."""

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's SIGTERM handler is for the parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops the pool

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _work(indices: range) -> list[Any]:
    assert _state is not None
    job, items = _state
    out: list[Any] = []
    for index in indices:
        try:
            out.append(job(items[index]))
        except ModelOpsError as exc:  # pickling would keep only the message, not the diagnostics
            out.append(_Failed(type(exc), exc.diagnostics))
            break  # the parent stops at this item; later ones are not needed
    return out


class _Failed:
    def __init__(self, error_type: type[ModelOpsError], diagnostics: list[Diagnostic]):
        self.error_type = error_type
        self.diagnostics = diagnostics


def produce(job: Callable[[T], R], items: list[T]) -> Generator[R, None, None]:
    """`job(item)` for each item, in order; in forked processes when there are many."""
    processes = jobs(len(items))
    if processes == 1:
        for item in items:
            yield job(item)
        return
    global _state
    _state = (job, items)
    # concurrent.futures, not multiprocessing.Pool: Pool.terminate can deadlock when a run stops early.
    executor = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_watch_parent, initargs=(os.getpid(),)
    )
    try:
        chunks = [range(start, min(start + _CHUNK, len(items))) for start in range(0, len(items), _CHUNK)]
        for results in executor.map(_work, chunks):
            for result in results:
                if isinstance(result, _Failed):
                    raise result.error_type(result.diagnostics)
                yield result
    except BrokenProcessPool:
        raise RuntimeError(
            "a render worker process died (out of memory?); MODELOPS_JOBS=1 renders in one process"
        ) from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _state = None

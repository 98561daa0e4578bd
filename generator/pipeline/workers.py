"""Rendering releases on every core.

Rendering is CPU-bound Python, one release at a time, so a large repository renders in
worker processes.  They are forked: each starts with the loaded inputs and the template
environment already in memory, and sends back only finished objects, their YAML text and
their schema findings.  Results come back in order, so the output and the first error
reported are the same as rendering one release after another.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from generator.errors import Diagnostic, ModelOpsError
from generator.inputs import yamlio
from generator.inputs.resolve import Resolved
from generator.pipeline.cache import Produced
from generator.schemas import kubernetes

# Below this many releases to render, starting processes costs more than it saves.
MIN_PARALLEL = 48
_CHUNK = 8

_state: tuple[Callable[[Resolved], list[tuple[str, dict[str, Any]]]], list[Resolved]] | None = None


def jobs(count: int) -> int:
    """How many processes to render `count` releases with (MODELOPS_JOBS overrides; 1 is serial)."""
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


def finish(item: Resolved, objects: list[tuple[str, dict[str, Any]]]) -> list[Produced]:
    """Text and schema findings of freshly rendered objects (text None if it cannot be written)."""
    out: list[Produced] = []
    for template, obj in objects:
        try:
            text: str | None = yamlio.dump(obj, track=False)[0]
        except (TypeError, ValueError):
            text = None  # the parent writes it again and reports the error with its path
        out.append((template, obj, text, kubernetes.findings(obj, item.env.kubernetes_version)))
    return out


def _watch_parent(parent: int) -> None:
    """End this worker when the parent is gone (killed with SIGKILL, say): a forked worker holds
    its own copy of the task pipe, so it would otherwise wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _work(indices: range) -> list[list[Produced] | tuple[type[ModelOpsError], list[Diagnostic]]]:
    assert _state is not None
    render_release, items = _state
    out: list[list[Produced] | tuple[type[ModelOpsError], list[Diagnostic]]] = []
    for index in indices:
        try:
            out.append(finish(items[index], render_release(items[index])))
        except ModelOpsError as exc:  # pickling would keep only the message, not the diagnostics
            out.append((type(exc), exc.diagnostics))
            break  # the parent stops at this item; later ones are not needed
    return out


def produce(
    render_release: Callable[[Resolved], list[tuple[str, dict[str, Any]]]], items: list[Resolved]
) -> Iterator[list[Produced]]:
    """The objects of each item, in order; workers also fill in text and schema findings."""
    processes = jobs(len(items))
    if processes == 1:
        for item in items:
            yield [(template, obj, None, None) for template, obj in render_release(item)]
        return
    global _state
    _state = (render_release, items)
    # concurrent.futures, not multiprocessing.Pool: Pool.terminate can deadlock when a run stops early.
    executor = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_watch_parent, initargs=(os.getpid(),)
    )
    try:
        chunks = [range(start, min(start + _CHUNK, len(items))) for start in range(0, len(items), _CHUNK)]
        for results in executor.map(_work, chunks):
            for result in results:
                if isinstance(result, tuple):
                    error_type, diagnostics = result
                    raise error_type(diagnostics)
                yield result
    except BrokenProcessPool:
        raise RuntimeError(
            "a render worker process died (out of memory?); MODELOPS_JOBS=1 renders in one process"
        ) from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _state = None

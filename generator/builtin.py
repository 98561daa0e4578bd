"""Data shipped with the tool: templates, PolicySets, the example workflow, defaults, schemas, scaffold.

Two places hold it.  Files inside the package (defaults.yaml, schemas/, scaffold/) are
found beside this module.  The built-in templates, the bundled PolicySets and the example
workflow live at the top of a source checkout, because they are also the example
repository's own files; wheels carry them in `generator/_builtin/` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def package_file(relative: str) -> Path:
    """A file or folder inside the package (`defaults.yaml`, `schemas`, `scaffold`)."""
    return PACKAGE / relative


@cache
def shipped(relative: str) -> Path:
    """`templates`, `policies` or `examples/...`: inside the wheel, or at the top of a source checkout."""
    wheel = PACKAGE / "_builtin" / relative
    if wheel.exists():
        return wheel
    # Only a source checkout (pyproject.toml beside the package) has it at the top; in site-packages
    # the parent directory belongs to every installed distribution.
    checkout = PACKAGE.parent / relative
    if (PACKAGE.parent / "pyproject.toml").is_file() and checkout.exists():
        return checkout
    raise RuntimeError(f"modelops is installed without its {relative}")

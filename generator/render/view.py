"""What the render stage sees of its inputs: their data, every mapping's keys in sorted order.

The output must not depend on the order in which keys were written (`name:` before `key:`
under a secretKeyRef, a toleration's fields, an environment's blocks) nor on which merge
layer set a key first.  Templates and code build objects in their own fixed order, but every
mapping they copy from a spec or an environment file, and every list they build by walking
one (`{% for k, v in spec.runtime.args.items() %}` in a repository's template), would carry
the order of the file.  So that order never reaches them: the renderer works on `unit` and
`environment`, copies holding only the data below with their keys sorted.

`key_parts` is the same data as it is read, which the render cache hashes as canonical JSON
(sorted keys): a unit's cache key covers exactly what its output can depend on, besides the
code and the templates, and nothing the renderer cannot see.
"""

from __future__ import annotations

from typing import Any

from generator.inputs.merge import Merged
from generator.inputs.resolve import Resolved
from generator.inputs.spec import Environment, Release
from generator.inputs.yamlio import Document


def canonical(value: Any) -> Any:
    """`value` with the keys of every mapping in it sorted (lists keep their order: it means something)."""
    if type(value) is dict:
        return {key: canonical(value[key]) for key in sorted(value)}
    if type(value) is list:
        return [canonical(item) for item in value]
    return value


def key_parts(r: Resolved) -> tuple[Any, ...]:
    """Everything of one release in one environment that its rendered objects are made from.

    The release's name, file and metadata, the environment's name, file and spec, and the
    effective (merged) spec: not the release's blocks for other environments, so that an
    override in prod leaves the cached dev and staging units of the release valid.
    """
    return (r.name, r.release.file, r.release.metadata, r.env.name, r.env.file, r.env.spec, r.spec)


def _environment(name: str, file: str, spec: dict[str, Any]) -> Environment:
    return Environment(name, Document(file, {"spec": canonical(spec)}))


def environment(env: Environment) -> Environment:
    """The environment as the renderer sees it (its Argo CD objects): its name, file and spec, keys sorted."""
    return _environment(env.name, env.file, env.spec)


def unit(r: Resolved) -> Resolved:
    """One release in one environment as the renderer sees it: only what `key_parts` holds, keys sorted.

    Anything else (the release's raw spec, positions, merge origins) is left out, so that
    rendering cannot come to depend on what the cache key does not cover.
    """
    name, release_file, metadata, env_name, env_file, env_spec, spec = key_parts(r)
    release = Release(name, Document(release_file, {"metadata": canonical(metadata)}))
    return Resolved(release, _environment(env_name, env_file, env_spec), Merged(canonical(spec)))

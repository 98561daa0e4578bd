"""`validate --base REV`: switching gitops.applicationSet must not delete what the Applications deployed.

With one Application per release, the root Application (app of apps) owns each of them; with
`applicationSet: true` it owns one ApplicationSet instead and prunes the per-release
Applications. An Application deleted with Argo CD's resources finalizer takes its workloads with
it: the ApplicationSet creates Applications of the same names afterwards, but every release is
deleted and started again in between. The way back is the same: deleting an ApplicationSet
deletes the Applications it generated, with their workloads if they carry the finalizer.

The check compares the Argo CD objects rendered at the base revision (rendered/ENV/_argocd) with
the environment file now; the migration is to drop the finalizer first and let Argo CD sync that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator import catalog
from generator.errors import Diagnostic, format_path
from generator.inputs.spec import Environment

FINALIZER = "resources-finalizer.argocd.argoproj.io"
_FIELD = ("spec", "gitops", "applicationSet")


def _cascading_applications(objects: Iterable[dict[str, Any]]) -> list[str]:
    """The per-release Applications among `objects` that carry the resources finalizer."""
    return sorted(
        str(obj["metadata"].get("name"))
        for obj in objects
        if obj.get("kind") == "Application"
        and "modelops.io/release" in (obj["metadata"].get("labels") or {})
        and FINALIZER in (obj["metadata"].get("finalizers") or [])
    )


def _cascading_applicationsets(objects: Iterable[dict[str, Any]]) -> list[str]:
    """ApplicationSets whose generated Applications carry the finalizer: written in the template, or added
    by the controller to a template without finalizers unless preserveResourcesOnDeletion is set."""
    out = []
    for obj in objects:
        if obj.get("kind") != "ApplicationSet":
            continue
        spec = obj.get("spec") or {}
        finalizers = ((spec.get("template") or {}).get("metadata") or {}).get("finalizers") or []
        preserved = (spec.get("syncPolicy") or {}).get("preserveResourcesOnDeletion") is True
        if FINALIZER in finalizers or (not finalizers and not preserved):
            out.append(str(obj["metadata"].get("name")))
    return sorted(out)


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def environment(env: Environment, base_objects: list[dict[str, Any]], base: str) -> list[Diagnostic]:
    """The finding of one environment whose _argocd objects at `base` were `base_objects`, if its switch
    (either way) would delete Applications with their workloads."""
    now = env.get("gitops", "applicationSet", default=False) is True
    if now:
        doomed = _cascading_applications(base_objects)
        if not doomed:
            return []
        message = (
            f"applicationSet: true makes the root Application prune the per-release Applications, and at {base} "
            f"they carry the resources finalizer ({_listed(doomed)}): Argo CD would delete their workloads "
            "before the ApplicationSet creates them again. Switch in two steps: first set "
            "gitops.preserveResourcesOnDeletion: true (the Applications lose the finalizer) and let Argo CD "
            "sync it, then set applicationSet: true (see the README, Switching to an ApplicationSet)"
        )
    else:
        doomed = _cascading_applicationsets(base_objects)
        if not doomed:
            return []
        message = (
            f"applicationSet: false deletes the ApplicationSet {_listed(doomed)}, and the Applications it generated "
            f"at {base} carry the resources finalizer: Argo CD would delete their workloads. Switch in two "
            "steps: first render the ApplicationSet with this version of modelops (syncPolicy."
            "preserveResourcesOnDeletion: true, no finalizer) and let Argo CD sync it, then set "
            "applicationSet: false"
        )
    return [
        Diagnostic(
            message,
            env.doc.locate(_FIELD),
            format_path(_FIELD),
            rule=catalog.APPLICATIONSET_SWITCH,
            environment=env.name,
        )
    ]

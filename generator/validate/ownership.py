"""Every rendered object belongs to one release: no two releases of an environment render the
same (namespace, kind, name).

Two releases declaring `secrets: [{name: huggingface}]` both rendered ExternalSecret/huggingface
in one namespace, and a release named `x-metrics` rendered a Service named like release x's
metrics Service; each passed every schema, while Argo CD would have reported a shared resource,
the two Applications would have overwritten each other, and deleting one would have deleted
the object under the other.  The check reads only (environment, release, manifest, namespace,
kind, name) per object, so the whole pipeline and an incremental run (from the units' records)
give the same findings.  The environment's own units count as owners too: _argocd, and _shared
with the secrets its file declares for every release (generator.render.shared).
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import catalog, layout
from generator.errors import Diagnostic, Location

# (environment, release or None for _argocd and _shared, manifest file, namespace, kind, name)
Owned = tuple[str, str | None, str, str, str, str]


def _environment_unit(manifest: str) -> str:
    if f"/{layout.SHARED_DIR}/" in manifest:
        return "the environment's shared secrets (spec.secrets)"
    return "the environment's Argo CD objects"


def findings(owned: Iterable[Owned]) -> list[Diagnostic]:
    """One error per object rendered by more than one unit of an environment, at the second one's manifest."""
    owners: dict[tuple[str, str, str, str], list[tuple[str | None, str]]] = {}
    for env, release, manifest, namespace, kind, name in owned:
        owners.setdefault((env, namespace, kind, name), []).append((release, manifest))
    out = []
    for (env, namespace, kind, name), found in owners.items():
        if len(found) < 2:
            continue
        where = f" in namespace {namespace}" if namespace else ""
        labels = [release or _environment_unit(manifest) for release, manifest in found]
        names = " and ".join(labels) if len(labels) < 4 else f"{', '.join(labels[:3])} and {len(labels) - 3} more"
        out.append(
            Diagnostic(
                f"{kind}/{name}{where} is rendered by {names} in {env}: Argo CD would see one object shared by "
                f"{len(found)} Applications, which overwrite each other, and deleting one would delete it for all; "
                "rename it in one of them (a secret that several releases share is declared once, for the "
                "environment)",
                Location(found[1][1]),
                severity=catalog.Severity.ERROR,
                rule=catalog.SHARED_OBJECT,
                environment=env,
                release=found[1][0],
                resource=f"{kind}/{name}",
            )
        )
    return out

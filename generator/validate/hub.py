"""Hub tokens declared for a server that runs offline: rendered elsewhere or not at all, and reported."""

from __future__ import annotations

from collections.abc import Iterable

from generator import catalog
from generator.catalog import Severity
from generator.errors import Diagnostic
from generator.inputs.resolve import Resolved
from generator.render import pod
from generator.render.runtimes import registry


def findings(resolved: Iterable[Resolved]) -> list[Diagnostic]:
    out = []
    for r in resolved:
        runtime = registry.get(r.get("runtime", "kind"))
        if runtime.workload != "pods":
            continue
        server = runtime.server(r)
        for index in pod.hub_tokens(r, server):
            name = r.get("runtime", "env")[index]["name"]
            where = (
                "it goes to the model fetcher instead, which reads the hf:// artifact (the place for it is the "
                "environment's artifacts.credentialsSecret, which the fetcher gets whole)"
                if pod.fetches_from_hub(r)
                else "left out: the model comes from the artifact, not from the Hub"
            )
            out.append(
                r.diagnostic(
                    ("runtime", "env", index, "name"),
                    f"{name} is not injected into the {runtime.kind} server, which runs with HF_HUB_OFFLINE=1 "
                    f"and never contacts the Hub; {where}",
                    rule=catalog.HUB_TOKEN_OFFLINE,
                    severity=Severity.WARNING,
                )
            )
    return out

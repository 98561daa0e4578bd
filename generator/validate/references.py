"""The objects rendered manifests name but do not create: the cluster's side of the contract.

A pod's priorityClassName, an envFrom or secretKeyRef Secret, an ExternalSecret's store, a
NetworkPolicy's namespaceSelector: each must exist before Argo CD syncs, or pods stay Pending,
containers fail to start and ExternalSecrets never become ready, and nothing in the repository
says so. They are found by reading the rendered objects, so a template that starts naming a new
one shows up here without anyone listing it; what the repository renders itself (a ServiceAccount,
the Secret an ExternalSecret writes) is subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.inputs.spec import Environment
from generator.render import artifact
from generator.render.kserve_cluster import KNATIVE_NAMESPACE, s3_annotations
from generator.render.objects import RenderedObject

# Created by Kubernetes itself in every cluster or namespace: never a prerequisite.
_BUILT_IN = {
    ("PriorityClass", "system-cluster-critical"),
    ("PriorityClass", "system-node-critical"),
    ("ServiceAccount", "default"),
    ("ConfigMap", "kube-root-ca.crt"),
}
_CLUSTER_SCOPED = {"PriorityClass", "ClusterSecretStore", "Namespace"}
_ORDER = (
    "PriorityClass",
    "ClusterSecretStore",
    "SecretStore",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "ServiceAccount",
    "Gateway",
    "Namespace",
)
# (last key of the parent path, key) -> the kind the value names.
_NAME_FIELDS = {
    ("secretKeyRef", "name"): "Secret",
    ("secretRef", "name"): "Secret",
    ("imagePullSecrets", "name"): "Secret",
    ("secret", "secretName"): "Secret",
    ("configMapKeyRef", "name"): "ConfigMap",
    ("configMapRef", "name"): "ConfigMap",
    ("configMap", "name"): "ConfigMap",
    ("persistentVolumeClaim", "claimName"): "PersistentVolumeClaim",
    ("matchLabels", "kubernetes.io/metadata.name"): "Namespace",
}
_NAME_KEYS = {"priorityClassName": "PriorityClass", "serviceAccountName": "ServiceAccount"}


@dataclass(frozen=True)
class Reference:
    """An object the rendered manifests name but do not create: it must exist before they sync."""

    kind: str
    name: str
    namespace: str | None  # None: cluster-scoped
    fields: tuple[str, ...]  # where it is named, e.g. "Rollout spec.template.spec.priorityClassName"
    releases: tuple[str, ...]
    create: str
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "namespace": self.namespace,
            "fields": list(self.fields),
            "releases": list(self.releases),
            "create": self.create,
            "note": self.note,
        }


def release_of(item: RenderedObject) -> str | None:
    """The release an object belongs to; an Application in _argocd says so by its label."""
    labels = item.obj.get("metadata", {}).get("labels") or {}
    release = item.release or labels.get("modelops.io/release")
    return str(release) if release else None


def served(objects: Iterable[RenderedObject], namespace: str) -> dict[str, tuple[str, ...]]:
    """Object key -> the releases it is there for: its own release, or, for an ExternalSecret of the
    environment's shared secrets (rendered/<env>/_shared), the releases that name the Secret it writes."""
    items = list(objects)
    readers: dict[Key, set[str]] = {}
    for item in items:
        release = release_of(item)
        if release:
            where = str(item.obj.get("metadata", {}).get("namespace") or namespace)
            for key, _ in _named(item.obj, where):
                readers.setdefault(key, set()).add(release)
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        release = release_of(item)
        where = str(item.obj.get("metadata", {}).get("namespace") or namespace)
        if release:
            out[item.key] = (release,)
        elif item.obj.get("kind") == "ExternalSecret":
            written = [key for key in _created(item.obj, where) if key[0] == "Secret"]
            out[item.key] = tuple(sorted({r for key in written for r in readers.get(key, ())}))
        else:
            out[item.key] = ()
    return out


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, Any]]:
    """(path of the parent, key, value) of every mapping entry below `node`; list items keep their list's path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, str(key), value
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for value in node:
            yield from walk(value, path)


Key = tuple[str, str | None, str]  # kind, namespace (None: cluster-scoped), name


def _named(obj: dict[str, Any], namespace: str) -> Iterator[tuple[Key, str]]:
    """(referenced object, field naming it) for one rendered object."""
    kind = str(obj.get("kind", ""))
    if obj.get("metadata", {}).get("namespace"):
        yield ("Namespace", None, str(obj["metadata"]["namespace"])), f"{kind} metadata.namespace"
    if kind == "ServiceAccount":  # KServe's storage initializer reads the Secrets its pods' ServiceAccount lists
        for entry in obj.get("secrets") or []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                yield ("Secret", namespace, entry["name"]), f"{kind} secrets.name"
    spec = obj.get("spec")
    if kind == "Application" and isinstance(spec, dict):
        target = (spec.get("destination") or {}).get("namespace")
        if target:
            yield ("Namespace", None, str(target)), f"{kind} spec.destination.namespace"
    if kind == "HTTPRoute" and isinstance(spec, dict):
        for ref in spec.get("parentRefs") or []:
            if ref.get("kind", "Gateway") == "Gateway":
                yield ("Gateway", str(ref.get("namespace") or namespace), str(ref["name"])), f"{kind} spec.parentRefs"
    for parent, key, value in walk(spec, ("spec",)):
        field = f"{kind} {'.'.join((*parent, key))}"
        named = _NAME_KEYS.get(key) or _NAME_FIELDS.get((parent[-1], key))
        if named and isinstance(value, str):
            yield (named, None if named in _CLUSTER_SCOPED else namespace, value), field
        elif key == "storageUri" and isinstance(value, str) and value.startswith(artifact.PVC_SCHEME):
            # KServe mounts a pvc:// storageUri's claim into the predictor's pods itself.
            found = artifact.claim(value)
            if found:
                yield ("PersistentVolumeClaim", namespace, found.name), field
        elif key == "secretStoreRef" and isinstance(value, dict) and value.get("name"):
            store = str(value.get("kind") or "SecretStore")
            yield (store, None if store in _CLUSTER_SCOPED else namespace, str(value["name"])), field


def _created(obj: dict[str, Any], namespace: str) -> Iterator[Key]:
    kind, name = str(obj["kind"]), str(obj["metadata"]["name"])
    yield kind, None if kind in _CLUSTER_SCOPED else namespace, name
    if kind == "ExternalSecret":  # External Secrets Operator writes its target Secret
        target = (obj.get("spec") or {}).get("target") or {}
        yield "Secret", namespace, str(target.get("name") or name)


def _holds_argo_cd(objects: list[RenderedObject], name: str) -> bool:
    # Checked before CreateNamespace: the Application that would create it lives in it.
    return any(
        item.obj.get("apiVersion", "").startswith("argoproj.io/")
        and item.obj.get("kind") in ("Application", "AppProject", "ApplicationSet")
        and item.obj.get("metadata", {}).get("namespace") == name
        for item in objects
    )


def _creates_namespace(objects: list[RenderedObject], name: str) -> bool:
    for item in objects:
        spec = item.obj.get("spec") or {}
        options = (spec.get("syncPolicy") or {}).get("syncOptions") or []
        targets = item.obj.get("kind") == "Application" and (spec.get("destination") or {}).get("namespace") == name
        if targets and "CreateNamespace=true" in options:
            return True
    return False


def _how(env: Environment, key: Key, objects: list[RenderedObject], fields: set[str]) -> tuple[str, str | None]:
    """How the referenced object is created, and a note where the environment says something about it."""
    kind, namespace, name = key
    caps = env.get("cluster", "capabilities", default={})
    if kind == "PriorityClass":
        return f"kubectl create priorityclass {name} --value=1000000", None
    if kind in ("ClusterSecretStore", "SecretStore"):
        declared = caps.get("externalSecrets", {})
        api = declared.get("apiVersion", "external-secrets.io/v1")
        scope = "" if namespace is None else f" in namespace {namespace}"
        how = f"kubectl apply -f {name}.yaml: a {kind}{scope} ({api}) whose provider is the secret backend"
        store = declared.get("clusterSecretStore")
        note = None
        if kind == "ClusterSecretStore" and store and store != name:
            note = f"spec.cluster.capabilities.externalSecrets.clusterSecretStore declares {store}, not {name}"
        return how, note
    if kind == "Secret":
        return _how_secret(env, name, str(namespace), fields)
    if kind == "PersistentVolumeClaim":
        return (
            f"kubectl apply -f {name}.yaml: a PersistentVolumeClaim in namespace {namespace} holding the model "
            "files (pvc:// artifacts, mounted read-only; ReadOnlyMany when replicas run on several nodes)",
            None,
        )
    if kind == "ConfigMap":
        return f"kubectl create configmap {name} -n {namespace} --from-file=...", None
    if kind == "ServiceAccount":
        return f"kubectl create serviceaccount {name} -n {namespace}", None
    if kind == "Namespace" and name == caps.get("kserve", {}).get("knativeNamespace", KNATIVE_NAMESPACE):
        return "created by the Knative Serving installation (its activator and autoscaler run there)", None
    if kind == "Gateway":
        # A Gateway admits routes from its own namespace only, unless a listener says otherwise.
        return (
            f"kubectl apply -f {name}.yaml: a Gateway (gateway.networking.k8s.io/v1) in namespace {namespace} "
            f"whose listener's allowedRoutes.namespaces admits {env.namespace}",
            "the HTTPRoutes of canary releases attach to it (spec.cluster.capabilities.argoRollouts.gatewayAPI)",
        )
    if _holds_argo_cd(objects, name):
        return "created by the Argo CD installation (the namespace its Applications live in)", None
    if _creates_namespace(objects, name):
        return "created by Argo CD when it syncs (CreateNamespace=true)", None
    return f"kubectl create namespace {name} (or the installation of what runs there)", None


def collect(env: Environment, objects: Iterable[RenderedObject]) -> list[Reference]:
    """What `env`'s rendered objects name and the repository does not render, in a fixed order."""
    items = list(objects)
    created: set[Key] = set()
    named: dict[Key, tuple[set[str], set[str]]] = {}
    serving = served(items, env.namespace)
    for item in items:
        namespace = str(item.obj.get("metadata", {}).get("namespace") or env.namespace)
        created.update(_created(item.obj, namespace))
        for key, field in _named(item.obj, namespace):
            fields, releases = named.setdefault(key, (set(), set()))
            fields.add(field)
            releases.update(serving[item.key])
    out = []
    for key in sorted(named, key=lambda k: (_ORDER.index(k[0]) if k[0] in _ORDER else len(_ORDER), k[1] or "", k[2])):
        if key in created or (key[0], key[2]) in _BUILT_IN:
            continue
        fields, releases = named[key]
        how, note = _how(env, key, items, fields)
        out.append(Reference(key[0], key[2], key[1], tuple(sorted(fields)), tuple(sorted(releases)), how, note))
    return out


def _how_secret(env: Environment, name: str, namespace: str, fields: set[str]) -> tuple[str, str | None]:
    """The fetcher reads a Secret as environment variables, KServe's storage initializer by its own key names."""
    kserve = any(f.startswith("ServiceAccount secrets") for f in fields)
    fetcher = name == env.get("artifacts", "credentialsSecret") and any(
        not f.startswith("ServiceAccount secrets") for f in fields
    )
    if not (fetcher or kserve):
        return f"kubectl create secret generic {name} -n {namespace} --from-literal=KEY=VALUE", None
    literals, notes = [], []
    if fetcher:
        literals += ["AWS_ACCESS_KEY_ID=...", "AWS_SECRET_ACCESS_KEY=..."]
        notes.append(
            "spec.artifacts.credentialsSecret: the object-store credentials the artifact fetcher reads (envFrom)"
        )
    if kserve:
        literals += ["awsAccessKeyID=...", "awsSecretAccessKey=..."]
        wanted = s3_annotations(env.get("artifacts", "storageInitializer", default={}) or {})
        wanted_text = ", ".join(f"{key}={value}" for key, value in wanted.items())
        notes.append(
            "KServe's storage initializer reads it through the InferenceService's ServiceAccount (S3 keys "
            "awsAccessKeyID/awsSecretAccessKey, GCS gcloud-application-credentials.json)"
            + (f"; annotate the Secret with {wanted_text}" if wanted else "")
        )
    how = f"kubectl create secret generic {name} -n {namespace} " + " ".join(f"--from-literal={v}" for v in literals)
    return how, "; ".join(notes)

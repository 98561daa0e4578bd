"""Loading release specs and environment files: parse, schema-check, cross-check.

Every error in every file is collected before anything is raised, so one run shows a
user all that is wrong, each as `file:line:col: field: message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from generator import catalog
from generator.errors import Diagnostic, InputError, Path, UsageError, format_path, sort_key
from generator.inputs import discovery, yamlio
from generator.inputs.sources import Source
from generator.inputs.yamlio import Document
from generator.layout import ENVIRONMENTS_DIR, RELEASES_DIR
from generator.schemas import kubernetes, shipped


@dataclass(frozen=True)
class Environment:
    name: str
    doc: Document
    depth: int = 0  # position in the promotion order (0: first stage)

    @property
    def file(self) -> str:
        return self.doc.file

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.doc.data["spec"]
        return spec

    def get(self, *path: str, default: Any = None) -> Any:
        node: Any = self.spec
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    @property
    def namespace(self) -> str:
        return str(self.spec["namespace"])

    @property
    def kubernetes_version(self) -> str:
        return str(self.spec["kubernetesVersion"])

    @property
    def promotes_from(self) -> str | None:
        return self.get("promotion", "from")


@dataclass(frozen=True)
class Release:
    name: str
    doc: Document

    @property
    def file(self) -> str:
        return self.doc.file

    @property
    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.doc.data["metadata"]
        return meta

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = self.doc.data["spec"]
        return spec

    @property
    def environments(self) -> list[str]:
        return list(self.spec["environments"])


@dataclass(frozen=True)
class Inputs:
    environments: dict[str, Environment]  # in promotion order
    releases: dict[str, Release]  # by name


class _Collector:
    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def add(self, error: InputError) -> None:
        self.diagnostics.extend(error.diagnostics)

    def findings(self, doc: Document, findings: Iterable[tuple[Path, str]], **extra: Any) -> bool:
        found = False
        for path, message in findings:
            found = True
            loc = doc.locate(path)
            self.diagnostics.append(Diagnostic(message, loc, format_path(path), rule=catalog.SPEC_SCHEMA, **extra))
        return found

    def raise_if_any(self) -> None:
        if self.diagnostics:
            raise InputError(sorted(self.diagnostics, key=sort_key))


def _load_document(source: Source, path: str, collector: _Collector, schema_name: str, kind: str) -> Document | None:
    try:
        doc = yamlio.load(source.read(path), path)
    except InputError as exc:
        collector.add(exc)
        return None
    if not isinstance(doc.data, dict):
        collector.add(doc.error((), f"expected a {kind} mapping at the top of the file"))
        return None
    shipped.normalise(schema_name, doc.data)  # maxReplicas: 6.0 is the integer 6, and is written so
    if collector.findings(doc, shipped.validate(schema_name, doc.data, doc.raw)):
        return None
    stem = PurePosixPath(path).stem
    name = doc.data["metadata"]["name"]
    if name != stem:
        collector.add(doc.error(("metadata", "name"), f"name {name!r} must match the file name {stem!r}"))
        return None
    return doc


def _promotion_depths(docs: dict[str, Document], failed: set[str], collector: _Collector) -> dict[str, int]:
    depths: dict[str, int] = {}
    cycles: set[frozenset[str]] = set()
    for name, doc in sorted(docs.items()):
        chain = [name]
        current = doc.data["spec"].get("promotion", {}).get("from")
        while current is not None:
            if current not in docs:
                if len(chain) == 1 and current not in failed:  # reported once, on the file that names it
                    message = unknown("environment", current, sorted(docs))
                    collector.add(doc.error(("spec", "promotion", "from"), message))
                break
            if current in chain:
                loop = chain[chain.index(current) :]
                if frozenset(loop) not in cycles:  # report each cycle once, not once per member
                    cycles.add(frozenset(loop))
                    cycle = " -> ".join([*loop, current])
                    collector.add(doc.error(("spec", "promotion", "from"), f"promotion order has a cycle: {cycle}"))
                break
            chain.append(current)
            current = docs[current].data["spec"].get("promotion", {}).get("from")
        depths[name] = len(chain) - 1
    return depths


def _shared_secrets(doc: Document) -> Iterable[InputError]:
    """spec.secrets render ExternalSecrets: each name once, from the store the cluster declares."""
    secrets = doc.data["spec"].get("secrets") or []
    declared = doc.data["spec"]["cluster"].get("capabilities", {}).get("externalSecrets")
    if secrets and declared is None:
        yield doc.error(
            ("spec", "secrets"),
            "spec.secrets render External Secrets Operator ExternalSecrets, but this environment does not "
            "declare spec.cluster.capabilities.externalSecrets",
        )
    seen: set[str] = set()
    for index, secret in enumerate(secrets):
        if secret["name"] in seen:
            yield doc.error(("spec", "secrets", index, "name"), f"secret {secret['name']} is declared twice")
        seen.add(secret["name"])
        external = secret["external"]
        store = (declared or {}).get("clusterSecretStore")
        cluster_store = external.get("storeKind", "ClusterSecretStore") == "ClusterSecretStore"
        if store and cluster_store and external["store"] != store:
            yield doc.error(
                ("spec", "secrets", index, "external", "store"),
                f"ClusterSecretStore {external['store']} is not the one this environment declares "
                f"(spec.cluster.capabilities.externalSecrets.clusterSecretStore: {store}): the ExternalSecret "
                "would never sync",
            )
    # KServe reads the s3 settings from annotations on the storage initializer's Secret (without workload
    # identity), and the rendered ExternalSecret writes a Secret without them.
    artifacts = doc.data["spec"].get("artifacts") or {}
    initializer = artifacts.get("storageInitializer") or {}
    secret = initializer.get("secret") or artifacts.get("credentialsSecret")
    identity = "awsRoleArn" in initializer or "gcpServiceAccount" in initializer
    if initializer.get("s3") and not identity and secret in seen:
        yield doc.error(
            ("spec", "artifacts", "storageInitializer", "s3"),
            f"KServe reads these settings from annotations on Secret {secret}, which spec.secrets renders "
            "without them: create that Secret yourself (modelops requirements prints its annotations), or use "
            "awsRoleArn",
        )


def load_environments(source: Source) -> dict[str, Environment]:
    collector = _Collector()
    docs: dict[str, Document] = {}
    # A promotion link to a file that failed to load would only repeat that file's error.
    failed: set[str] = set()
    listing = discovery.files(source, discovery.ENVIRONMENTS)
    collector.diagnostics.extend(listing.problems)
    for path in listing.files:
        doc = _load_document(source, path, collector, "environment.schema.json", "Environment")
        if doc is None:
            failed.add(PurePosixPath(path).stem)
            continue
        name = doc.data["metadata"]["name"]
        if name in docs:
            collector.add(doc.error(("metadata", "name"), f"environment {name!r} is also defined in {docs[name].file}"))
            continue
        version = doc.data["spec"]["kubernetesVersion"]
        if kubernetes.minor(version) not in kubernetes.supported_versions():
            known = kubernetes.supported_versions()
            collector.add(
                doc.error(
                    ("spec", "kubernetesVersion"),
                    f"Kubernetes {version} has no bundled schemas; supported: {known[0]} to {known[-1]}",
                )
            )
        for problem in _shared_secrets(doc):
            collector.add(problem)
        docs[name] = doc
    depths = _promotion_depths(docs, failed, collector)
    collector.raise_if_any()
    if not docs:
        raise InputError.at(f"no environment files found in {ENVIRONMENTS_DIR}/", ENVIRONMENTS_DIR)
    ordered = sorted(docs, key=lambda n: (depths[n], n))
    return {n: Environment(n, docs[n], depths[n]) for n in ordered}


def load_release(source: Source, path: str, environments: dict[str, Environment]) -> Release:
    collector = _Collector()
    doc = _load_document(source, path, collector, "modelrelease.schema.json", "ModelRelease")
    collector.raise_if_any()
    assert doc is not None
    release = Release(doc.data["metadata"]["name"], doc)
    for env in release.environments:
        if env not in environments:
            collector.add(doc.error(("spec", "environments", env), unknown("environment", env, environments)))
    collector.raise_if_any()
    return release


def release_paths(source: Source) -> list[str]:
    """Every release spec below releases/; InputError naming each entry there that is not one."""
    return discovery.release_files(source).checked()


def load_inputs(source: Source, release_files: Iterable[str] | None = None) -> Inputs:
    """Environments and releases (all of releases/, or just `release_files`)."""
    environments = load_environments(source)
    if release_files is None and not source.is_dir(RELEASES_DIR):
        # Rendering no release would remove every one from rendered/, and Argo CD would prune them all.
        raise InputError.at(
            f"no {RELEASES_DIR}/ directory: every release spec lives there (is this the repository's root?)",
            RELEASES_DIR,
        )
    collector = _Collector()
    releases: dict[str, Release] = {}
    if release_files is None:
        listing = discovery.release_files(source)
        collector.diagnostics.extend(listing.problems)
        release_files = listing.files
    for path in release_files:
        try:
            release = load_release(source, path, environments)
        except InputError as exc:
            collector.add(exc)
            continue
        releases[release.name] = release  # names are unique: each is its file's stem, unique in the listing
    collector.raise_if_any()
    return Inputs(environments, dict(sorted(releases.items())))


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """`unknown environment 'qa'; environments/ defines: dev, staging, prod` (kind: environment or release)."""
    directory = ENVIRONMENTS_DIR if kind == "environment" else RELEASES_DIR
    return f"unknown {kind} {name!r}; {directory}/ defines: {', '.join(known) or 'none'}"


def environment(inputs: Inputs, name: str) -> Environment:
    """The environment a user named on the command line."""
    if name not in inputs.environments:
        raise UsageError(unknown("environment", name, inputs.environments))
    return inputs.environments[name]


def release(inputs: Inputs, name: str) -> Release:
    """The release a user named on the command line."""
    if name not in inputs.releases:
        raise UsageError(unknown("release", name, inputs.releases))
    return inputs.releases[name]

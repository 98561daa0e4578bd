"""Incremental runs: find the units whose inputs changed, and load, render and validate only those.

A unit's key hashes everything its output and findings can depend on: the code (package
files and built-in data; the library versions are the index's own check), the repository's
templates and policy rules (not the waivers: they are applied on every run), its environment
file, and its release spec; the same less the policy rules is the key its committed record
holds (generator.pipeline.records), which a run with no index starts from
(generator.pipeline.seeding); _shared's key hashes the environment file alone (its spec.secrets are all it
renders: a release change never reaches it), and _argocd's the environment file and its
releases' names, teams and rendered kinds (and _shared's kinds) instead of a spec.  Each
input file's content id comes from its stamp (generator.pipeline.stamps), so an unchanged
file is not read: a run on an unchanged repository stats its files and reads one index
file.  An environment, template or policy rule change changes the key of exactly the units
it reaches.

The rendered files are checked the same way: each unit's directory on disk against the blob
ids its record holds, so a hand edit, a deleted or an added file, or a branch switch makes
the unit render and write again (or, for `check`, be reported).  Anything this path does not
handle in the small (an input error, a stale environment directory, an environment losing
its last release, a rule that needs every release's spec) returns None, and the caller runs
the whole pipeline, whose messages and guards are the reference.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from generator import clock, layout
from generator.errors import InputError, PolicyError, RepositoryError, TemplateError
from generator.inputs import discovery, spec, yamlio
from generator.inputs.resolve import Resolved
from generator.inputs.sources import WorkTree
from generator.inputs.spec import Environment, Release
from generator.inputs.yamlio import Document
from generator.pipeline import cache as render_cache
from generator.pipeline import disk, records, seeding, settled, workers
from generator.pipeline import index as unit_index
from generator.pipeline.index import Facts, Record, UnitResult
from generator.pipeline.outcome import Outcome
from generator.pipeline.progress import Progress
from generator.pipeline.stamps import Stamps, blob_id
from generator.render.objects import RenderedTree
from generator.repo import staging, writer
from generator.schemas.messages import Finding
from generator.validate import byunit
from generator.validate.policy import builtins, loader
from generator.validate.policy.model import MANIFEST, Policies
from generator.validate.report import Report

if TYPE_CHECKING:  # rendering pulls in Jinja and the schemas; a run with nothing to render needs neither
    from generator.render.jinja import Renderer

Unit = disk.Unit


def _spec(source: WorkTree, environments: dict[str, Environment], path: str) -> Release:
    return spec.load_release(source, path, environments)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def evaluate(
    root: Path,
    write: bool,
    progress: Progress | None = None,
    today: datetime.date | None = None,
    refresh: bool = False,
    kept: bool = False,
) -> Outcome | None:
    """The whole repository's report, rendering only what changed; None when the whole pipeline must run.

    `write`: the caller will write rendered/, so units whose files on disk are not what they
    render to are rendered again too (their bytes are needed); otherwise they are only listed.
    `refresh`: render every unit and write every record as this run makes it (see records.written).
    `kept`: the answer a settled run kept may be given, if nothing has changed since (generator.pipeline.settled).
    """
    root = root.resolve()
    if unit_index.path(root) is None:
        return None
    day = today or clock.today()
    if write:  # the caller holds the lock: a dead run's backups go back before anything is looked at
        writer.clean_leftovers(root)
    found = settled.answer(root, day, functools.partial(_ordinary_report, root, day)) if kept and not refresh else None
    if found is not None:
        with contextlib.suppress(InputError):  # unchanged, so read before: an error is not expected here
            return Outcome.from_kept(found, spec.load_environments(WorkTree(root)), day)
    try:
        return _Run(root, write, progress, refresh).run(day)
    except (disk.WholePipeline, InputError, PolicyError, TemplateError):
        return None


def _ordinary_report(root: Path, today: datetime.date) -> Report:
    """The report of an ordinary run, for a kept one that lacks what a reporter asks for."""
    outcome = evaluate(root, write=False, today=today)
    if outcome is None:
        raise RepositoryError("the repository changed while it was being reported on: run the command again")
    return outcome.report


class _Run:
    def __init__(self, root: Path, write: bool, progress: Progress | None, refresh: bool = False):
        self.root, self.write, self.progress, self.refresh = root, write, progress, refresh
        self.index = unit_index.load(root)
        if refresh:  # no record is reused: every unit renders, every record is written as it comes out
            self.index.units, self.index.specs = {}, {}
        self.stamps = Stamps(root, self.index.stamps, self.index.taken_ns, sha256=seeding.sha256_repository(root))
        self.source = WorkTree(root, self.stamps.listings)
        self.git = seeding.git_at(root) if not self.index.units else None
        if self.git is not None and not self.index.stamps:
            seeding.seed_stamps(self.git, self.stamps)
        self.disk = disk.Disk()
        self.tree = RenderedTree(complete=False)
        self.files: dict[str, bytes] = {}  # of the units built by this run, when it does not write
        self.staging = staging.Staging(root) if write else None  # ... and when it does, those to write
        self.releases: dict[str, Release] = {}  # specs read by this run
        self.spec_files: dict[str, str] = {}  # release -> its spec's path
        self._renderer: Renderer | None = None
        self.environments: dict[str, Environment] = {}
        self.changed = False
        self._same: dict[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] = {}
        self.wanted: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.render_keys: dict[str, str] = {}  # unit -> the key its record holds
        self.policies_key = ""

    def _blobs(self, directory: str) -> str:
        """(path, blob id) of every file below `directory`, as the template loader walks it."""
        if not self.source.is_dir(directory):
            return "[]"
        return repr([(rel, self._input(rel)) for rel in self.source.walk(directory)])

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            from generator.render.jinja import Renderer

            self._renderer = Renderer(self.source)
        return self._renderer

    def run(self, today: datetime.date) -> Outcome:
        if not self.source.is_dir(layout.RELEASES_DIR):
            raise disk.WholePipeline  # the whole pipeline says why
        # Each input stamped before it is read: an edit made meanwhile then shows in its stamp next time,
        # where a stamp taken after reading would vouch for bytes this run never saw.
        for path in self.source.list(layout.ENVIRONMENTS_DIR):
            self._input(path)
        stamped = [(p, self._input(p)) for p in self.source.list(layout.POLICIES_DIR)]  # diff --base reads all
        environments = self.environments = spec.load_environments(self.source)
        trusted = seeding.trusted_revision(self.git) if self.git is not None and not self.refresh else None
        if self.git is not None and trusted is not None:  # no index yet: start from the committed records
            found = seeding.committed_records(self.git, trusted, self.stamps)
            seeding.adopt(self.index, found, list(environments), render_cache.library_versions())
        policies = loader.load(self.source, self._remembered)
        kept = set(self.source.list(layout.POLICIES_DIR))
        documents = self.index.extra.get("documents", {})
        self.index.extra["documents"] = {p: d for p, d in documents.items() if p in kept}
        waivers = {w.location.file for w in policies.waivers if w.location is not None}
        rules = {p for p, _ in stamped if p not in waivers}
        # What the output depends on (the records' key, the same on every machine), and the policy
        # rules, which decide the findings only: the index's key for a unit joins both.
        common = _hash(render_cache.package_fingerprint(), self._blobs(layout.TEMPLATES_DIR))
        self.policies_key = _hash(repr([(p, b) for p, b in stamped if p in rules]))
        env_blobs = {name: self._input(env.file) for name, env in environments.items()}
        wanted = self.wanted = self._specs(environments)
        plan: list[Unit] = []
        for env_name, env in environments.items():
            for name in sorted(wanted):
                if env_name in wanted[name][1]:
                    path, blob, unit = self.spec_files[name], wanted[name][0], layout.release_path(env_name, name)
                    key = self._key(unit, common, env.file, env_blobs[env_name], path, blob)
                    plan.append((unit, env_name, name, key))
        shared = [
            (
                layout.shared_path(name),
                name,
                None,
                self._key(layout.shared_path(name), common, env.file, env_blobs[name], layout.SHARED_DIR),
            )
            for name, env in environments.items()
            if env.get("secrets")
        ]
        self._report(layout.RENDERED_DIR, phase="checking")
        self.disk = disk.survey(self.root, environments, [*plan, *shared], self.stamps)
        todo = [u for u in plan if self._needed(u)]
        self._render_releases(environments, todo, policies)
        todo_shared = [u for u in shared if self._needed(u)]
        for unit, env_name, _, key in todo_shared:
            self._render_shared(unit, key, environments[env_name], policies)
        argocd: list[Unit] = []
        members_of: dict[str, list[Facts]] = {name: [] for name in environments}
        for u, e, _, _ in [*plan, *shared]:
            members_of[e].append(self.index.units[u].result.facts)
        for env_name, env in environments.items():
            members = members_of[env_name]
            # A rule with a `source` would place a finding on an Application in its release's spec: then
            # the specs' contents count too, not only the names, teams and kinds the templates read.
            sourced = any(
                r.source and r.matches_kind("Application") and r.builtin not in builtins.RELEASE
                for r in policies.active(env, MANIFEST)
            )
            summary = repr(
                [
                    (f.release, f.team, sorted(f.kinds), sourced and f.release is not None and wanted[f.release][0])
                    for f in members
                ]
            )
            unit = layout.argocd_path(env_name)
            argocd.append((unit, env_name, None, self._key(unit, common, env.file, env_blobs[env_name], summary)))
            self.disk.look(self.root, unit, self.stamps)
        todo_argocd = [u for u in argocd if self._needed(u)]
        for unit, env_name, _, key in todo_argocd:
            self._render_argocd(unit, key, environments[env_name], members_of[env_name], policies)

        every = sorted([*plan, *shared, *argocd], key=lambda u: u[0] + "/")
        live = {u[0] for u in every}
        before = len(self.index.units)
        self.index.units = {u: r for u, r in self.index.units.items() if u in live}
        self.changed = self.changed or before != len(self.index.units) or bool(todo or todo_shared or todo_argocd)
        records = [self.index.units[u[0]] for u in every]
        self._report(f"{len(records)} units", phase="validating")
        report = byunit.assemble([r.result for r in records], environments, policies, today)
        out_of_date = [u[0] for u in every if not self.disk.matches(u[0], self.index.units[u[0]])]
        self.tree.scopes = sorted({*out_of_date, *self.disk.stale}) if self.write else []
        kept = set(self.tree.scopes)
        desired: Mapping[str, bytes] = (
            self.staging.files(kept)
            if self.staging is not None
            else {p: d for p, d in sorted(self.files.items()) if p.rpartition("/")[0] in kept}
        )
        return Outcome(
            environments,
            report,
            self.tree,
            desired,
            {p: b for r in records for p, b in r.files.items()},
            [r.result.facts for r in records],
            len(todo) + len(todo_shared) + len(todo_argocd),
            out_of_date,
            self.disk,
            self.index,
            self.stamps,
            self.changed,
            today,
            policies=policies,
        )

    def _input(self, rel: str) -> str:  # an input that is no regular file (a link) needs the whole pipeline
        found = self.stamps.blob(rel)
        if found is None:
            raise disk.WholePipeline
        return found

    def _key(self, unit: str, *inputs: str) -> str:
        """The unit's key in the index; its key in its record (the same less the policy rules) is kept aside."""
        self.render_keys[unit] = _hash(*inputs)
        return records.local_key(self.render_keys[unit], self.policies_key)

    def _remembered(self, data: bytes, path: str) -> Document:
        """A policy file as parsed, from the index while its bytes are the same (a waiver list grows with the
        fleet: 1,000 releases' waivers take 50 ms to parse, their positions 5 ms to load)."""
        blob = blob_id(data)
        documents = self.index.extra.setdefault("documents", {})
        known = documents.get(path)
        if known is not None and known[0] == blob:
            return Document(path, *known[1:])
        doc = yamlio.load(data, path)
        documents[path] = (blob, doc.data, doc.positions, doc.raw, doc.duplicates)
        self.changed = True
        return doc

    def _report(self, label: str, done: int = 0, total: int = 0, phase: str = "rendering") -> None:
        if self.progress is not None:
            self.progress(label, done, total, phase)

    def _needed(self, unit: Unit) -> bool:
        record = self.index.units.get(unit[0])
        if record is None or record.key != unit[3]:
            return True
        return self.write and not self.disk.matches(unit[0], record)

    def _specs(self, environments: dict[str, Environment]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """release -> (its spec's blob id, its environments); only new or changed specs are read."""
        names = repr(list(environments))
        same_environments = self.index.extra.get("environments") == names
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        specs: dict[str, unit_index.Spec] = {}
        paths = discovery.release_files(self.source).checked()
        blobs: dict[str, str] = {}
        for done, path in enumerate(paths, 1):
            self._report(path, done, len(paths), "reading")
            blobs[path] = self._input(path)
            known = self.index.specs.get(path)
            if known is not None and known.blob == blobs[path] and same_environments:
                specs[path] = known
        loading = [p for p in paths if p not in specs]  # new or changed: parsed in workers when there are many
        parsed = workers.produce(functools.partial(_spec, self.source, environments), loading)
        for path, release in zip(loading, parsed, strict=True):
            self.releases[release.name] = release
            specs[path] = unit_index.Spec(blobs[path], tuple(release.environments))
        for path in paths:
            name = Path(path).stem
            self.spec_files[name] = path
            out[name] = (blobs[path], specs[path].environments)
        self.changed = self.changed or specs != self.index.specs or not same_environments
        self.index.specs = specs
        self.index.extra["environments"] = names
        return out

    def _release(self, name: str, environments: dict[str, Environment]) -> Release:
        if name not in self.releases:
            self.releases[name] = spec.load_release(self.source, self.spec_files[name], environments)
        return self.releases[name]

    def _render_releases(self, environments: dict[str, Environment], todo: list[Unit], policies: Policies) -> None:
        if not todo:
            return
        from generator.pipeline import units

        jobs = [(self._release(str(name), environments), environments[env]) for _, env, name, _ in todo]
        templates = self.renderer.loader.fingerprint()
        cache = render_cache.default()
        built = units.build(self.renderer, jobs, cache, templates, policies)
        try:
            for done, (unit, env_name, name, key) in enumerate(todo, 1):
                self._report(f"{env_name}/{name}", done, len(todo), "rendering")
                files, result = next(built)
                facts = result.facts
                facts.kinds = self._same.setdefault(facts.kinds, facts.kinds)  # one object: the index stores it once
                self._record(unit, key, files, result, name)
        finally:
            built.close()

    def _render_shared(self, unit: str, key: str, env: Environment, policies: Policies) -> None:
        from generator.pipeline import units

        tree = RenderedTree(complete=False)
        found, facts = units.shared_unit(self.renderer, env, tree)
        self._keep(unit, key, tree, facts, found, env, policies)

    def _render_argocd(self, unit: str, key: str, env: Environment, members: list[Facts], policies: Policies) -> None:
        from generator.inputs import resolve
        from generator.pipeline import units

        tree, found = units.environment_unit(self.renderer, env, members, self.spec_files)
        self._keep(unit, key, tree, Facts(env.name, None), found, env, policies)
        needed = byunit.owners_needed(policies, self.index.units[unit].result)
        if needed:  # rare: evaluated again with the effective specs its findings point into
            owners = [resolve.resolve(self._release(name, self.environments), env) for name in sorted(needed)]
            self._keep(unit, key, tree, Facts(env.name, None), found, env, policies, owners)

    def _keep(
        self,
        unit: str,
        key: str,
        tree: RenderedTree,
        facts: Facts,
        found: dict[str, list[Finding]],
        env: Environment,
        policies: Policies,
        owners: list[Resolved] | None = None,
    ) -> None:
        """Validate and record a unit rendered here (an environment's _argocd or _shared)."""
        tree.objects = dict(sorted(tree.objects.items()))
        files = tree.files()
        self._record(
            unit,
            key,
            files,
            byunit.unit_result(facts, list(tree.objects.values()), found, env, None, policies, owners or []),
        )

    def _record(
        self, unit: str, key: str, files: dict[str, bytes], result: UnitResult, release: str | None = None
    ) -> None:
        """Keep a freshly built unit: its record in the index and beside its files, its files for the write."""
        sha256 = self.stamps.sha256
        record = Record(key, {p: blob_id(d, sha256) for p, d in files.items()}, result)
        of = None
        if release is not None:
            blob, deploys = self.wanted[release]
            of = records.SpecOf(self.spec_files[release], blob, deploys, tuple(self.environments))
        where, previous = records.path(unit), self.index.units.get(unit)
        vouched = previous.files.get(where) if previous is not None and not self.refresh else None
        data = records.written(self.root, unit, record, self.render_keys[unit], self.policies_key, of, vouched, sha256)
        record.files[where] = blob_id(data, sha256)
        self.index.units[unit] = record
        if self.staging is None:
            self.files.update(files)
            self.files[where] = data
        elif not self.disk.matches(unit, record):
            self.staging.put(unit, {**files, where: data})

"""Every rule id the tool itself reports, and what each means.

Policy rules from policies/ bring their own ids and descriptions; these are the tool's own
checks.  Modules name a rule by its constant here, never by a string literal, so an id is
spelt once and `modelops validate -o sarif` can describe every rule a finding may carry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


SPEC_SCHEMA = "spec-schema"
SPEC = "spec"
REQUIRED_STRATEGY = "required-strategy"
NO_PLAINTEXT_SECRETS = "no-plaintext-secrets"
KUBERNETES_SCHEMA = "kubernetes-schema"
GPU_CAPACITY = "gpu-capacity"
SHARED_OBJECT = "shared-object"
HUB_TOKEN_OFFLINE = "hub-token-offline"
CANARY_SPLIT = "canary-split"
POLICY_FILE = "policy-file"
POLICY_WAIVER = "policy-waiver"
POLICY_NONE = "policy-none"
POLICY_UNMATCHED = "policy-unmatched"
INPUT_FILE = "input-file"
TEMPLATE = "template"
# A pull request's environment runs what the stage it promotes from did not run at the base revision.
# Named like the policy rules (a waiver's rule id has their form), as it is waived like them.
PROMOTION_ORDER = "MO-PROM-001"
# Environment values a team must replace or confirm; named and waived like MO-PROM-001.
PLACEHOLDER_VALUE = "MO-ENV-001"
REPO_URL_ORIGIN = "MO-ENV-002"
REPO_URL_HTTP = "MO-ENV-003"
# validate --base REV: applicationSet: true would let the root app delete Applications with their workloads.
APPLICATIONSET_SWITCH = "MO-ENV-004"
# validate PATH (generator.manifests)
MISSING_SCHEMA = "missing-schema"
MANIFEST = "manifest"
YAML = "yaml"
DUPLICATE_KEY = "duplicate-key"
SCHEMA_LOCATION = "schema-location"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    description: str
    severity: Severity = Severity.ERROR


TOOL_RULES = {
    r.id: r
    for r in (
        RuleInfo(
            SPEC_SCHEMA,
            "Specs and environments follow their JSON Schema",
            "Release specs, environment files and their effective (merged) specs are checked against the "
            "schemas in generator/schemas/; unknown fields are errors.",
        ),
        RuleInfo(
            SPEC,
            "Effective specs are consistent",
            "Cross-field rules: replica bounds, GPU type offered by the environment, tensor parallelism "
            "equal to the GPU count, runtime-specific settings.",
        ),
        RuleInfo(
            REQUIRED_STRATEGY,
            "The environment's required rollout strategy is used",
            "An environment can require canary or blue-green rollouts (spec.policy.requiredStrategies).",
        ),
        RuleInfo(
            NO_PLAINTEXT_SECRETS,
            "No plaintext secrets in specs",
            "Environment variables that hold credentials must reference a Secret or an ExternalSecret.",
        ),
        RuleInfo(
            KUBERNETES_SCHEMA,
            "Rendered objects are valid for the pinned Kubernetes version",
            "Core kinds against the strict OpenAPI schemas of the environment's Kubernetes version; custom "
            "resources against the project's strict schemas. Checked offline.",
        ),
        RuleInfo(
            GPU_CAPACITY,
            "Releases fit the environment's GPU capacity",
            "GPUs per pod times max replicas, summed per GPU type, must not exceed the environment's capacity.",
        ),
        RuleInfo(
            CANARY_SPLIT,
            "Canary steps get the traffic they declare",
            "Without a traffic router, Argo Rollouts splits a canary's traffic by pod count: setWeight 10 on 2 "
            "replicas is 1 canary pod beside 2 stable ones, 33% of the requests. Warns where a step's real share, "
            "at min or max replicas, is more than 10 points off its weight.",
            Severity.WARNING,
        ),
        RuleInfo(
            SHARED_OBJECT,
            "Every object belongs to one release",
            "No two releases of an environment render the same kind and name in one namespace: Argo CD would "
            "report a shared resource, the Applications would overwrite each other, and deleting one release "
            "would delete the object for the others.",
        ),
        RuleInfo(
            HUB_TOKEN_OFFLINE,
            "No Hub token reaches a server that runs offline",
            "A server with HF_HUB_OFFLINE=1 never contacts the Hugging Face Hub, so an HF_TOKEN in runtime.env "
            "would only expose the token to it: it is left out of the server's env, and given to the artifact "
            "fetcher instead when the artifact is an hf:// URI.",
            Severity.WARNING,
        ),
        RuleInfo(
            POLICY_FILE,
            "Policy files are well formed",
            "Policy and waiver files follow their schemas; paths, schema fragments and built-ins are valid.",
        ),
        RuleInfo(
            POLICY_WAIVER,
            "Waivers are current and used",
            "An expired waiver stops applying; a waiver that matches no finding should be removed.",
            Severity.WARNING,
        ),
        RuleInfo(
            POLICY_NONE,
            "Policies are enforced",
            "A repository without policies/, or whose policies/ defines no rule, enforces no policy at all.",
            Severity.WARNING,
        ),
        RuleInfo(
            POLICY_UNMATCHED,
            "Every rule's select matches something",
            "A rule whose select paths match no node of any object or effective spec it applies to, anywhere in "
            "the repository, enforces nothing; usually a path is misspelt.",
            Severity.WARNING,
        ),
        RuleInfo(
            INPUT_FILE,
            "Every entry of releases/, environments/ and policies/ is an input file",
            "Release specs (.yaml or .yml, in releases/ or any folder below it, names unique across them), "
            "environment and policy files (.yaml or .yml, directly in their directory). Anything else there, "
            'other than names starting with ".", is an error rather than skipped.',
        ),
        RuleInfo(
            PROMOTION_ORDER,
            "Changes reach an environment through its promotion order",
            "validate --base REV: a change that makes an environment run a model version, artifact or image that "
            "the environment it promotes from (spec.promotion.from) did not run at REV skips a stage. The severity "
            "follows the environment's spec.policy.level: strict an error, standard a warning, relaxed info. "
            "Waivable in policies/ waivers.",
        ),
        RuleInfo(
            PLACEHOLDER_VALUE,
            "Environment values are not placeholders",
            "spec.gitops.repoURL, spec.cluster.server, spec.registries and image references (the environment's "
            "fetcherImage, the releases' runtime.image through policy MO-SUP-004) must not name a reserved example "
            "domain (example.com, example.org, example.net, .example, .invalid) or a placeholder such as CHANGEME "
            "or <your-org>: Argo CD and the cluster would be pointed at nothing. A warning; waivable per rule and "
            "environment in policies/ waivers.",
            Severity.WARNING,
        ),
        RuleInfo(
            REPO_URL_ORIGIN,
            "repoURL is the repository's origin",
            "spec.gitops.repoURL should name the git repository this directory is a clone of (its origin remote); "
            "ssh and https forms of one repository, with or without .git, are the same. Otherwise Argo CD syncs "
            "another repository than the one reviewed. A warning; waivable per rule and environment.",
            Severity.WARNING,
        ),
        RuleInfo(
            REPO_URL_HTTP,
            "repoURL is fetched over an encrypted transport",
            "http:// repoURLs are accepted for Git servers inside the cluster (http://gitea.gitea.svc:3000/...), "
            "where the traffic stays on the cluster network; anywhere else prefer https:// or ssh. A warning; "
            "waivable per rule and environment.",
            Severity.WARNING,
        ),
        RuleInfo(
            APPLICATIONSET_SWITCH,
            "Switching to an ApplicationSet keeps the workloads",
            "validate --base REV: with gitops.applicationSet: true the root Application prunes the per-release "
            "Applications; those rendered at REV with the resources finalizer would take their workloads with "
            "them. Set gitops.preserveResourcesOnDeletion: true first, let Argo CD sync it, then switch.",
        ),
        RuleInfo(
            TEMPLATE,
            "Templates render valid manifests",
            "Templates must render, reference only defined values and produce Kubernetes objects.",
        ),
    )
}

MANIFEST_RULES = {
    r.id: r
    for r in (
        RuleInfo(
            KUBERNETES_SCHEMA,
            "Manifests are valid for the chosen Kubernetes version",
            "Each object against the schema of its apiVersion and kind: core kinds from kubernetes-validate, "
            "custom resources from --schema-location or the project's own schemas. Checked offline.",
        ),
        RuleInfo(
            MISSING_SCHEMA, "Every object has a schema", "No schema is known for the object's apiVersion and kind."
        ),
        RuleInfo(MANIFEST, "Every document is a Kubernetes object", "A document needs apiVersion and kind."),
        RuleInfo(YAML, "Files are readable YAML", "The file could not be read or parsed as YAML or JSON."),
        RuleInfo(
            DUPLICATE_KEY,
            "No key is written twice",
            "The later value silently wins; an error with --strict, a warning without.",
            Severity.WARNING,
        ),
        RuleInfo(
            SCHEMA_LOCATION, "Schema locations are usable", "A --schema-location file could not be read or compiled."
        ),
    )
}

# Tool rules a waiver may name (besides the rules of policies/).
WAIVABLE = frozenset(
    {PROMOTION_ORDER, PLACEHOLDER_VALUE, REPO_URL_ORIGIN, REPO_URL_HTTP, APPLICATIONSET_SWITCH}
)

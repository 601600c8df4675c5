"""RBAC rules and bindings that hand out escalation paths.

Each rule check names one permission that turns into more than it says: running pods (as any
ServiceAccount of the namespace), exec into them, impersonating, granting roles, reaching kubelets,
rewriting admission webhooks, approving certificates, minting tokens. A check reports only where the
dangerous resource (or verb) is written out: a `*` that covers it is IG-K8S-015's finding on the same rule,
not repeated here. Findings point at the list element that names it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checks._helpers import Verdict
from scanner.graph import ResourceGraph
from scanner.graph.kubernetes import workloads_running_as
from scanner.kube import items
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check

ROLES = ["Role", "ClusterRole"]
BINDINGS = ["RoleBinding", "ClusterRoleBinding"]
WORKLOAD_RESOURCES = frozenset(
    {"pods", "deployments", "daemonsets", "statefulsets", "replicasets", "replicationcontrollers", "jobs", "cronjobs"}
)
WORKLOAD_GROUPS = frozenset({"", "apps", "batch", "extensions"})


def _names(resource: Resource, path: str) -> list[str]:
    """A rule's string list; an unknown list or element raises UnknownValue."""
    value = resource.get(path)
    if not isinstance(value, list):
        return []
    for index, item in enumerate(value):
        if isinstance(item, Unknown):
            raise UnknownValue(f"{path}.{index}", item.reason)
    return [str(item) for item in value]


@dataclass(frozen=True)
class Grant:
    """One written-out dangerous element of a rule: where it is and what the rule allows with it."""

    path: str
    resource: str
    verbs: tuple[str, ...]


def grants(
    resource: Resource,
    verdict: Verdict,
    groups: Iterable[str],
    resources: Iterable[str],
    verbs: Iterable[str],
    named: str = "resources",
) -> list[Grant]:
    """Rules allowing one of `verbs` on one of `resources` in one of `groups`, where the element of `named`
    ("resources" or "verbs") that matches is written out rather than a `*`."""
    groups, resources, verbs = set(groups), set(resources), set(verbs)
    found = []
    for index, _ in enumerate(items(resource.get("rules"))):
        with verdict.item():
            base = f"rules.{index}"
            rule_groups = _names(resource, f"{base}.apiGroups")
            rule_resources = _names(resource, f"{base}.resources")
            rule_verbs = _names(resource, f"{base}.verbs")
            if "*" not in rule_groups and not groups.intersection(rule_groups):
                continue
            allowed = tuple(sorted(verbs if "*" in rule_verbs else verbs.intersection(rule_verbs)))
            if not allowed:
                continue
            if named == "resources":
                found += [
                    Grant(f"{base}.resources.{position}", name, allowed)
                    for position, name in enumerate(rule_resources)
                    if name in resources
                ]
                continue
            targets = [r for r in rule_resources if r in resources]
            if targets or "*" in rule_resources:
                found += [
                    Grant(f"{base}.verbs.{position}", ", ".join(targets or ["*"]), (verb,))
                    for position, verb in enumerate(rule_verbs)
                    if verb in verbs
                ]
    return found


def _kind(resource: Resource) -> str:
    return "cluster role" if resource.type == "ClusterRole" else "role"


def _rule_check(
    resource: Resource, groups: Iterable[str], resources: Iterable[str], verbs: Iterable[str], what: str,
    named: str = "resources",
) -> list[Fail] | None:  # fmt: skip
    verdict = Verdict()
    for grant in grants(resource, verdict, groups, resources, verbs, named):
        verdict.fails.append(
            Fail(grant.path, f"{_kind(resource)} can {'/'.join(grant.verbs)} {grant.resource}: {what}")
        )
    return verdict.result()


# medium: creating pods runs code as any ServiceAccount of the namespace with any Secret mounted, but
# controllers and operators need it for their job, so it is reported for review, not as an exposure.
@check(
    id="IG-K8S-035",
    title="RBAC role can create pods or workload controllers",
    severity="medium",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="Whoever can create a pod (directly or through a Deployment, DaemonSet, Job...) chooses its "
    "ServiceAccount, mounts and security context: they get every permission of every ServiceAccount in the "
    "namespace, every Secret in it and, unless Pod Security Admission stops them, the node.",
    remediation="Grant create on pods and workload controllers only to deployment pipelines and controllers "
    "that need it, in the namespaces they manage, and enforce a Pod Security Standard there.",
    example='rules:\n  - apiGroups: ["apps"]\n    resources: [deployments]\n    verbs: [get, list, watch]',
    tags=("iam",),
    precision="medium",
)
def rbac_create_pods(resource: Resource) -> list[Fail] | None:
    return _rule_check(
        resource, WORKLOAD_GROUPS, WORKLOAD_RESOURCES, {"create"}, "it can run any ServiceAccount and Secret of the "
        "namespace in a pod",
    )  # fmt: skip


# high: exec/attach is a shell inside every pod the role covers, with their tokens and secrets.
@check(
    id="IG-K8S-036",
    title="RBAC role can exec into or attach to pods",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="`pods/exec` and `pods/attach` give a shell in running containers: their ServiceAccount "
    "tokens, mounted Secrets and memory. `get` is enough over WebSockets on clusters before 1.30.",
    remediation="Keep exec and attach for break-glass administrators; give operators logs (`pods/log`) instead.",
    example='rules:\n  - apiGroups: [""]\n    resources: [pods, pods/log]\n    verbs: [get, list]',
    tags=("iam",),
)
def rbac_pod_exec(resource: Resource) -> list[Fail] | None:
    return _rule_check(resource, {""}, {"pods/exec", "pods/attach"}, {"create", "get"}, "a shell in the pods it covers")


# medium: port-forward reaches any port of any pod the role covers, around Services and NetworkPolicies.
@check(
    id="IG-K8S-037",
    title="RBAC role can port-forward to pods",
    severity="medium",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="`pods/portforward` tunnels from the caller to any port of the pods, including admin and "
    "debug ports no Service exposes, bypassing NetworkPolicies.",
    remediation="Remove `pods/portforward`; expose what operators need through a Service they can reach.",
    example='rules:\n  - apiGroups: [""]\n    resources: [pods]\n    verbs: [get, list]',
    tags=("iam", "network"),
)
def rbac_port_forward(resource: Resource) -> list[Fail] | None:
    return _rule_check(resource, {""}, {"pods/portforward"}, {"create", "get"}, "it reaches every port of the pods")


# high: an ephemeral container is a new process in an existing pod, with that pod's identity and mounts.
@check(
    id="IG-K8S-038",
    title="RBAC role can add ephemeral containers to pods",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="Updating `pods/ephemeralcontainers` adds a container of the caller's choosing to a running "
    "pod: it shares the pod's ServiceAccount, volumes and namespaces, like exec with a tool image.",
    remediation="Grant `pods/ephemeralcontainers` only to break-glass debugging roles.",
    example='rules:\n  - apiGroups: [""]\n    resources: [pods]\n    verbs: [get, list, watch]',
    tags=("iam",),
)
def rbac_ephemeral_containers(resource: Resource) -> list[Fail] | None:
    return _rule_check(
        resource, {""}, {"pods/ephemeralcontainers"}, {"update", "patch"}, "it can run code in the pods it covers"
    )


# high: impersonating a user, group (system:masters) or ServiceAccount acts with its permissions.
@check(
    id="IG-K8S-039",
    title="RBAC role can impersonate users, groups or ServiceAccounts",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="The `impersonate` verb lets the caller send requests as another user, group or "
    "ServiceAccount, including the system:masters group, which is cluster-admin.",
    remediation="Remove `impersonate`, or limit it with `resourceNames` to the identities a proxy must act as.",
    example='rules:\n  - apiGroups: [""]\n    resources: [serviceaccounts]\n    verbs: [get, list]',
    tags=("iam",),
)
def rbac_impersonate(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    targets = {"users", "groups", "serviceaccounts", "userextras/*", "uids", "*"}
    for grant in grants(resource, verdict, {"", "authentication.k8s.io"}, targets, {"impersonate"}, "verbs"):
        if resource.get(grant.path.rsplit(".verbs", 1)[0] + ".resourceNames"):
            continue  # limited to named identities
        verdict.fails.append(Fail(grant.path, f"{_kind(resource)} can impersonate {grant.resource}"))
    return verdict.result()


# high: escalate/bind let the caller grant permissions it does not hold, up to cluster-admin.
@check(
    id="IG-K8S-040",
    title="RBAC role can escalate or bind roles",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="RBAC stops a subject from granting permissions it does not have, unless it holds `escalate` "
    "(edit a role beyond its own rights) or `bind` (bind any role, cluster-admin included) on roles or "
    "clusterroles.",
    remediation="Remove `escalate` and `bind`; if a controller must bind one role, limit `bind` with "
    "`resourceNames` to it.",
    example='rules:\n  - apiGroups: ["rbac.authorization.k8s.io"]\n    resources: [roles, rolebindings]\n'
    "    verbs: [get, list]",
    tags=("iam",),
)
def rbac_escalate_bind(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    roles = {"roles", "clusterroles", "*"}
    for grant in grants(resource, verdict, {"rbac.authorization.k8s.io"}, roles, {"escalate", "bind"}, "verbs"):
        if grant.verbs == ("bind",) and resource.get(grant.path.rsplit(".verbs", 1)[0] + ".resourceNames"):
            continue  # may bind only the named roles
        verdict.fails.append(
            Fail(grant.path, f"{_kind(resource)} can {grant.verbs[0]} {grant.resource}: it can grant any permission")
        )
    return verdict.result()


# high: the kubelet API behind nodes/proxy runs commands in every pod of the node, unaudited.
@check(
    id="IG-K8S-041",
    title="RBAC role can reach the kubelet API (nodes/proxy)",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="`nodes/proxy` forwards requests to the kubelet, whose API runs commands in any container on "
    "the node; requests sent straight to the kubelet bypass the API server's audit log and admission.",
    remediation="Grant `nodes/metrics` or `nodes/stats` to monitoring instead of `nodes/proxy`.",
    example='rules:\n  - apiGroups: [""]\n    resources: [nodes/metrics, nodes/stats]\n    verbs: [get]',
    tags=("iam",),
)
def rbac_nodes_proxy(resource: Resource) -> list[Fail] | None:
    return _rule_check(
        resource, {""}, {"nodes/proxy"}, {"get", "create"}, "the kubelet API runs commands in every pod of a node"
    )


# high: creating or deleting admission webhooks intercepts (and can mutate) every object sent to the API server,
# or removes policy; medium for update/patch alone, the usual CA-bundle injection grant (still able to repoint
# an existing webhook).
@check(
    id="IG-K8S-042",
    title="RBAC role can change admission webhook configurations",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="A subject that can create, update, patch or delete Mutating/ValidatingWebhookConfigurations "
    "can send every object (Secrets included) to a server it controls, rewrite pods as they are created, or "
    "remove the policy webhooks that keep workloads in line. update/patch alone (the grant CA-bundle injectors "
    "ask for) is reported at medium: it can still repoint an existing webhook.",
    remediation="Leave webhook configurations to cluster administrators; a controller that manages its own "
    "webhook's CA bundle can be limited with `resourceNames`.",
    example='rules:\n  - apiGroups: ["admissionregistration.k8s.io"]\n'
    "    resources: [validatingwebhookconfigurations]\n    verbs: [get, list, watch]",
    tags=("iam",),
)
def rbac_webhooks(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    webhooks = {"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}
    writes = {"create", "update", "patch", "delete"}
    for grant in grants(resource, verdict, {"admissionregistration.k8s.io"}, webhooks, writes):
        if resource.get(grant.path.rsplit(".resources", 1)[0] + ".resourceNames") and "create" not in grant.verbs:
            continue  # limited to its own webhook (CA bundle injection)
        severity = None if {"create", "delete"}.intersection(grant.verbs) else "medium"
        message = f"{_kind(resource)} can {'/'.join(grant.verbs)} {grant.resource}"
        verdict.fails.append(Fail(grant.path, message, (), severity))
    return verdict.result()


# high: approving a CSR mints a client certificate for any user or group the request names.
@check(
    id="IG-K8S-043",
    title="RBAC role can approve certificate signing requests",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="Updating `certificatesigningrequests/approval` (with `approve` on a signer) approves a "
    "request for a client certificate naming any user or group, system:masters included: a credential "
    "that cannot be revoked until it expires.",
    remediation="Leave CSR approval to the controller manager and cluster administrators.",
    example='rules:\n  - apiGroups: ["certificates.k8s.io"]\n    resources: [certificatesigningrequests]\n'
    "    verbs: [get, list, watch]",
    tags=("iam",),
)
def rbac_csr_approval(resource: Resource) -> list[Fail] | None:
    return _rule_check(
        resource, {"certificates.k8s.io"}, {"certificatesigningrequests/approval"}, {"update", "patch"},
        "it can issue client certificates for any identity",
    )  # fmt: skip


# high: minting ServiceAccount tokens acts as every ServiceAccount the role covers.
@check(
    id="IG-K8S-044",
    title="RBAC role can create ServiceAccount tokens",
    severity="high",
    framework="kubernetes",
    types=ROLES,
    cwe="CWE-269",
    description="Creating `serviceaccounts/token` issues a token for any ServiceAccount the rule covers, "
    "with its permissions, for as long as the caller asks (within the API server's limit).",
    remediation="Limit the rule with `resourceNames` to the ServiceAccount the caller must act as, or use "
    "projected token volumes instead.",
    example='rules:\n  - apiGroups: [""]\n    resources: [serviceaccounts]\n    verbs: [get]',
    tags=("iam",),
)
def rbac_token_request(resource: Resource) -> list[Fail] | None:
    verdict = Verdict()
    for grant in grants(resource, verdict, {""}, {"serviceaccounts/token"}, {"create"}):
        if resource.get(grant.path.rsplit(".resources", 1)[0] + ".resourceNames"):
            continue  # tokens of the named ServiceAccounts only
        verdict.fails.append(Fail(grant.path, f"{_kind(resource)} can create a token for any ServiceAccount"))
    return verdict.result()


ADMIN_ROLES = {"cluster-admin": "full control of the cluster", "admin": "admin", "edit": "edit"}
PUBLIC_GROUPS = {"system:anonymous": "critical", "system:unauthenticated": "critical", "system:authenticated": "medium"}
# Built-in roles meant for everyone: discovery, public information, and the OIDC issuer discovery documents
# that Kubernetes documents binding to system:unauthenticated for workload identity federation.
PUBLIC_SAFE_ROLES = frozenset(
    {"system:discovery", "system:basic-user", "system:public-info-viewer", "system:service-account-issuer-discovery"}
)


def _all_subjects_run_by_workloads(binding: Resource, graph: ResourceGraph) -> bool:
    """Every subject is a ServiceAccount that a workload in the scanned files runs as."""
    subjects = binding.get("subjects") or []
    declared = graph.successors(binding, "binds", "ServiceAccount")
    for subject in subjects:
        if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
            return False
        namespace, name = subject.get("namespace") or binding.kubernetes.namespace, str(subject.get("name"))
        accounts = [a for a in declared if (a.kubernetes.namespace, a.kubernetes.name) == (namespace, name)]
        users = [w for a in accounts for w in graph.predecessors(a, "uses")] if accounts else []
        if not users and not workloads_running_as(graph, namespace, name):
            return False
    return bool(subjects)


def _role_ref(resource: Resource) -> tuple[str, str]:
    kind, name = resource.get("roleRef.kind"), resource.get("roleRef.name")
    return str(kind or ""), str(name or "")


def _subjects(resource: Resource, verdict: Verdict) -> list[tuple[int, str, str, str]]:
    """(index, kind, name, namespace) of each subject."""
    out = []
    for index, _ in enumerate(items(resource.get("subjects"))):
        with verdict.item():
            kind, name = resource.get(f"subjects.{index}.kind"), resource.get(f"subjects.{index}.name")
            namespace = resource.get(f"subjects.{index}.namespace")
            out.append((index, str(kind or ""), str(name or ""), str(namespace or "")))
    return out


# high: cluster-admin (or admin/edit across every namespace) bound to anyone is the keys to the cluster;
# IG-K8S-021 (critical) reports the subjects a workload in the scanned files runs as, so a cluster-admin
# binding whose every subject is such an account is left to it.
@check(
    id="IG-K8S-045",
    title="Binding grants cluster-admin (or admin/edit in every namespace)",
    severity="high",
    framework="kubernetes",
    types=BINDINGS,
    cwe="CWE-269",
    description="cluster-admin is every permission on every object. The admin and edit ClusterRoles bound "
    "with a ClusterRoleBinding apply to every namespace, kube-system included (edit alone reads every Secret "
    "and runs pods as any ServiceAccount). Whoever holds such a binding, and whoever steals its credentials, "
    "owns the cluster. A cluster-admin binding whose every subject is a ServiceAccount a workload in the "
    "scanned files runs as is IG-K8S-021's (critical).",
    remediation="Bind a role that lists the resources and verbs the subject needs, in the namespaces it "
    "needs them (RoleBinding); keep cluster-admin for break-glass accounts outside manifests.",
    example="kind: RoleBinding\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view",
    tags=("iam",),
    graph=True,
)
def binds_cluster_admin(resource: Resource, graph: ResourceGraph) -> Fail | None:
    kind, name = _role_ref(resource)
    if kind != "ClusterRole" or name not in ADMIN_ROLES:
        return None
    if name != "cluster-admin" and resource.type != "ClusterRoleBinding":
        return None  # admin/edit through a RoleBinding stays inside one namespace
    if name == "cluster-admin" and _all_subjects_run_by_workloads(resource, graph):
        return None  # IG-K8S-021 reports each subject, at critical
    where = "in every namespace" if name != "cluster-admin" else ""
    return Fail("roleRef.name", f"{resource.type} grants ClusterRole {name} ({ADMIN_ROLES[name]}) {where}".strip())


# critical: a binding to the anonymous or unauthenticated group opens its permissions to anyone who reaches
# the API server; medium for system:authenticated (every identity of the cluster, often a deliberate
# read-only grant of public configuration).
@check(
    id="IG-K8S-046",
    title="Binding grants a role to anonymous or every authenticated user",
    severity="critical",
    framework="kubernetes",
    types=BINDINGS,
    cwe="CWE-284",
    description="`system:anonymous` and `system:unauthenticated` are requests without credentials: a role "
    "bound to them is open to anyone who reaches the API server. `system:authenticated` is every user and "
    "every ServiceAccount token of the cluster (and, on some managed clusters, any cloud account). The "
    "built-in discovery roles Kubernetes binds to everyone are not reported.",
    remediation="Bind the role to the users, groups or ServiceAccounts that need it.",
    example="subjects:\n  - kind: Group\n    apiGroup: rbac.authorization.k8s.io\n    name: platform-admins",
    tags=("iam", "public"),
)
def binds_public_group(resource: Resource) -> list[Fail] | None:
    kind, name = _role_ref(resource)
    if name in PUBLIC_SAFE_ROLES:
        return None
    verdict = Verdict()
    for index, subject_kind, subject, _ in _subjects(resource, verdict):
        if subject_kind in ("Group", "User") and subject in PUBLIC_GROUPS:
            verdict.fails.append(
                Fail(
                    f"subjects.{index}.name",
                    f"{kind} {name} is granted to {subject}",
                    (),
                    None if PUBLIC_GROUPS[subject] == "critical" else PUBLIC_GROUPS[subject],
                )
            )
    return verdict.result()


# medium: a role bound to a namespace's default ServiceAccount (or to every ServiceAccount) goes to every pod
# that does not name its own account, now and later.
@check(
    id="IG-K8S-047",
    title="Binding grants a role to a default ServiceAccount or to all ServiceAccounts",
    severity="medium",
    framework="kubernetes",
    types=BINDINGS,
    cwe="CWE-269",
    description="Every pod that does not name a ServiceAccount runs as its namespace's `default` one, so a role "
    "bound to it goes to all of them, including pods added later for other purposes. The groups "
    "`system:serviceaccounts` and `system:serviceaccounts:<namespace>` are every ServiceAccount (of the "
    "cluster or the namespace).",
    remediation="Create a dedicated ServiceAccount for the workload that needs the role, bind the role to it, "
    "and set `serviceAccountName` on that workload.",
    example="subjects:\n  - kind: ServiceAccount\n    name: report-exporter\n    namespace: finance",
    tags=("iam",),
)
def binds_default_service_account(resource: Resource) -> list[Fail] | None:
    kind, name = _role_ref(resource)
    if name in PUBLIC_SAFE_ROLES:
        return None
    verdict = Verdict()
    for index, subject_kind, subject, namespace in _subjects(resource, verdict):
        if subject_kind == "ServiceAccount" and subject == "default":
            where = f"{namespace}/default" if namespace else "default"
            verdict.fails.append(Fail(f"subjects.{index}.name", f"{kind} {name} is granted to ServiceAccount {where}"))
        elif subject_kind == "Group" and (
            subject == "system:serviceaccounts" or subject.startswith("system:serviceaccounts:")
        ):
            verdict.fails.append(Fail(f"subjects.{index}.name", f"{kind} {name} is granted to every ServiceAccount "
                                      f"of {subject}"))  # fmt: skip
    return verdict.result()

"""Kubernetes checks across objects: selectors that select nothing, workloads whose ServiceAccount holds an
escalation path, exposed workloads with a weakness, disruption budgets that allow no eviction.

"Selects nothing" is judged only where the scanned files manage the application: the namespace has a
workload declared in the same directory, and no custom resource there could be an operator creating the
pods the selector is meant for (kube-prometheus' Services select pods of its `Prometheus` objects).
"""

from __future__ import annotations

import weakref

from checks._helpers import Verdict
from checks.kubernetes import (
    BUILTIN_API_GROUPS,
    DANGEROUS_CAPABILITIES,
    internal_load_balancer,
    is_sensitive_host_path,
)
from checks.kubernetes_rbac import grants
from scanner.graph import ResourceGraph
from scanner.graph.kubernetes import service_account_name
from scanner.kube import RUNNING_WORKLOAD_KINDS, WORKLOAD_KINDS, containers, is_patch_fragment, items, pod_spec
from scanner.records import Resource, UnknownValue
from scanner.registry import Fail, check

RUNNING = list(RUNNING_WORKLOAD_KINDS)
# Labels controllers put on the pods they create, absent from pod templates.
CONTROLLER_LABELS = frozenset(
    {
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-revision-hash",
        "pod-template-hash",
        "pod-template-generation",
        "batch.kubernetes.io/job-name",
        "job-name",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
    }
)


def _directory(resource: Resource) -> str:
    return resource.location.file.rsplit("/", 1)[0] if "/" in resource.location.file else ""


def _manages_pods_here(resource: Resource, graph: ResourceGraph) -> bool:
    """A workload of the same namespace is declared in the object's directory, and no custom resource of that
    namespace (a possible operator-managed workload) is declared anywhere."""
    namespace = resource.kubernetes.namespace
    others = [r for r in graph.resources("kubernetes") if r.kubernetes.namespace == namespace]
    if any(r.kubernetes.api_version.split("/")[0] not in BUILTIN_API_GROUPS and "/" in r.kubernetes.api_version
           for r in others):  # fmt: skip
        return False
    directory = _directory(resource)
    return any(r.type in WORKLOAD_KINDS and _directory(r) == directory for r in others)


# low: a Service whose selector matches no pod serves nothing: a typo that breaks the app, not an exposure.
@check(
    id="IG-K8S-079",
    title="Service selects no workload",
    severity="low",
    framework="kubernetes",
    types=["Service"],
    cwe="CWE-1164",
    description="The Service's selector matches the pod labels of no workload in its namespace, although the "
    "scanned files declare workloads next to it: the Service has no endpoints (a label typo or a renamed app), "
    "or selects pods that nobody reviewed here. Judged only when a workload is declared in the Service's file "
    "or under the Service's name. Services routed by an Ingress are IG-K8S-023's; Services without a selector "
    "(manual endpoints), selecting labels controllers add to pods (statefulset.kubernetes.io/pod-name...), in "
    "kube-system (static pods), or in namespaces holding custom resources (operator-made pods) are not judged.",
    remediation="Fix the selector (or the workload's pod template labels) so they match.",
    example="spec:\n  selector:\n    app: web",
    graph=True,
    precision="medium",
)
def service_selects_nothing(resource: Resource, graph: ResourceGraph) -> Fail | None:
    selector = resource.get("spec.selector")
    if not isinstance(selector, dict) or not selector or graph.successors(resource, "selects"):
        return None
    if CONTROLLER_LABELS.intersection(map(str, selector)) or resource.kubernetes.namespace == "kube-system":
        return None  # per-pod labels the controllers add, or control-plane static pods
    if graph.predecessors(resource, "routes", "Ingress") or not _manages_pods_here(resource, graph):
        return None
    namespace, name = resource.kubernetes.namespace, resource.kubernetes.name
    counterpart = [
        w
        for w in graph.resources("kubernetes")
        if w.type in WORKLOAD_KINDS
        and w.kubernetes.namespace == namespace
        and (w.location.file == resource.location.file or w.kubernetes.name == name)
    ]
    if not counterpart:
        return None  # the pods it is meant for are not in the scanned files (templates, other tools)
    labels = ", ".join(f"{k}={v}" for k, v in selector.items())
    return Fail(
        "spec.selector", f"no workload in namespace {resource.kubernetes.namespace!r} has pods labelled {labels}"
    )


# low: a policy that isolates nothing protects nothing; the intended pods stay open (IG-K8S-022 reports them
# where the namespace is managed).
@check(
    id="IG-K8S-080",
    title="NetworkPolicy selects no workload",
    severity="low",
    framework="kubernetes",
    types=["NetworkPolicy"],
    cwe="CWE-1164",
    description="The policy's podSelector matches no workload of its namespace although the scanned files "
    "declare workloads next to it: the pods it was written for are not isolated (a label typo or a renamed "
    "app). An empty podSelector (every pod) always selects; namespaces holding custom resources "
    "(operator-made pods) are not judged.",
    remediation="Fix the podSelector (or the workload's pod template labels) so they match.",
    example="spec:\n  podSelector:\n    matchLabels:\n      app: web\n  policyTypes: [Ingress]",
    graph=True,
    precision="medium",
)
def network_policy_selects_nothing(resource: Resource, graph: ResourceGraph) -> Fail | None:
    selector = resource.get("spec.podSelector")
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return None
    if graph.linked_via(resource, "spec.podSelector") or not _manages_pods_here(resource, graph):
        return None
    return Fail(
        "spec.podSelector", f"no workload in namespace {resource.kubernetes.namespace!r} matches the pod selector"
    )


# Permissions that let a pod's token take over other identities, nodes or the control plane. Reading Secrets
# and creating pods are left out: most controllers need them, and IG-K8S-016/035 report the roles.
ESCALATIONS: tuple[tuple[str, set[str], set[str], set[str], str], ...] = (
    ("exec into pods", {""}, {"pods/exec", "pods/attach"}, {"create", "get"}, "resources"),
    ("reach kubelets (nodes/proxy)", {""}, {"nodes/proxy"}, {"get", "create"}, "resources"),
    ("create ServiceAccount tokens", {""}, {"serviceaccounts/token"}, {"create"}, "resources"),
    ("approve certificates", {"certificates.k8s.io"}, {"certificatesigningrequests/approval"}, {"update", "patch"},
     "resources"),
    ("impersonate", {"", "authentication.k8s.io"}, {"users", "groups", "serviceaccounts", "*"}, {"impersonate"},
     "verbs"),
    ("escalate or bind roles", {"rbac.authorization.k8s.io"}, {"roles", "clusterroles", "*"}, {"escalate", "bind"},
     "verbs"),
)  # fmt: skip


# Built-in ClusterRoles with escalation permissions (they have no node in the graph).
BUILT_IN_ESCALATIONS = {
    "admin": ["exec into pods", "impersonate ServiceAccounts"],
    "edit": ["exec into pods", "impersonate ServiceAccounts"],
}


def _escalations_of(graph: ResourceGraph, role: Resource) -> list[str]:
    """`_escalations(role)`, computed once per role of the graph: many workloads share a ServiceAccount and
    its roles (an unknown rule is remembered and raised again each time)."""
    cache = _ESCALATIONS.setdefault(graph, {})
    if role.key not in cache:
        try:
            cache[role.key] = _escalations(role)
        except UnknownValue as exc:
            cache[role.key] = exc
    found = cache[role.key]
    if isinstance(found, UnknownValue):
        raise found
    return found


_ESCALATIONS: weakref.WeakKeyDictionary[ResourceGraph, dict[str, list[str] | UnknownValue]]
_ESCALATIONS = weakref.WeakKeyDictionary()


def _escalations(role: Resource) -> list[str]:
    """The escalation permissions a declared role grants; rules limited to named objects do not count."""
    verdict = Verdict()
    found = []
    for what, groups, resources, verbs, named in ESCALATIONS:
        for grant in grants(role, verdict, groups, resources, verbs, named):
            rule = grant.path.split(".", 2)[:2]
            if not role.get(".".join(rule) + ".resourceNames"):
                found.append(what)
                break
    if not found:
        verdict.result()  # raises when a rule of the role was unknown
    return found


def _bindings_of(graph: ResourceGraph, namespace: str | None, account: str) -> list[tuple[Resource, int]]:
    """(binding, subject index) of the bindings naming ServiceAccount namespace/account."""
    index = _BINDINGS_BY_ACCOUNT.get(graph)
    if index is None:
        index = _BINDINGS_BY_ACCOUNT[graph] = _index_bindings(graph)
    return index.get((namespace, account), [])


# per graph, the bindings of each ServiceAccount: built once, not once per workload (kubeflow: 3 s -> 0.05 s)
_BINDINGS_BY_ACCOUNT: weakref.WeakKeyDictionary[ResourceGraph, dict[tuple[str | None, str], list[tuple[Resource, int]]]]
_BINDINGS_BY_ACCOUNT = weakref.WeakKeyDictionary()


def _index_bindings(graph: ResourceGraph) -> dict[tuple[str | None, str], list[tuple[Resource, int]]]:
    out: dict[tuple[str | None, str], list[tuple[Resource, int]]] = {}
    for kind in ("RoleBinding", "ClusterRoleBinding"):
        for binding in graph.resources("kubernetes", kind):
            for index, subject in enumerate(items(binding.get("subjects"))):
                if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
                    continue
                name = subject.get("name")
                namespace = subject.get("namespace") or binding.kubernetes.namespace
                if not isinstance(name, str) or (kind == "RoleBinding" and namespace != binding.kubernetes.namespace):
                    continue
                out.setdefault((namespace, name), []).append((binding, index))
    return out


# high: every pod of the workload carries a token that can escalate (exec anywhere, impersonate, mint tokens):
# code execution in the pod becomes control of other workloads or the cluster.
@check(
    id="IG-K8S-081",
    title="Workload runs as a ServiceAccount that holds an escalation permission",
    severity="high",
    framework="kubernetes",
    types=RUNNING,
    cwe="CWE-269",
    description="The workload's ServiceAccount is bound to a role that can exec into pods, reach kubelets, "
    "mint ServiceAccount tokens, approve certificates, impersonate or escalate/bind roles: whoever gets code "
    "execution in one of its pods inherits that. Roles are read when the scanned files declare them (rules "
    "limited by resourceNames do not count); cluster-admin is IG-K8S-021's.",
    remediation="Split the permission into a separate ServiceAccount used only by the component that needs "
    "it, or remove it; set `automountServiceAccountToken: false` where the pod never calls the API.",
    example="spec:\n  serviceAccountName: storefront\n  automountServiceAccountToken: false",
    graph=True,
    precision="medium",
)
def workload_with_escalating_account(resource: Resource, graph: ResourceGraph) -> Fail | None:
    found = pod_spec(resource)
    account = service_account_name(resource)
    if found is None or account is None or resource.get(f"{found[0]}.automountServiceAccountToken") is False:
        return None
    verdict = Verdict()
    reasons: list[str] = []
    related: list[Resource] = []
    for binding, _ in _bindings_of(graph, resource.kubernetes.namespace, account):
        kind, name = binding.get("roleRef.kind"), binding.get("roleRef.name")
        if kind == "ClusterRole" and name in BUILT_IN_ESCALATIONS:
            reasons.append(f"ClusterRole {name} ({', '.join(BUILT_IN_ESCALATIONS[name])}) via {binding.address}")
            related.append(binding)
            continue
        with verdict.item():
            for role in graph.linked_via(binding, "roleRef"):
                what = _escalations_of(graph, role)
                if what:
                    reasons.append(f"{role.type} {role.kubernetes.name} ({', '.join(what)}) via {binding.address}")
                    related += [binding, role]
    if reasons:
        path = f"{found[0]}.serviceAccountName" if found[1].get("serviceAccountName") else found[0]
        return Fail(path, f"pods run as ServiceAccount {account!r}, which can " + "; ".join(reasons), tuple(related))
    verdict.result()
    return None


def _weaknesses(workload: Resource) -> list[str]:
    """What makes a serving workload's compromise a node compromise (privileged is IG-K8S-020's)."""
    found = pod_spec(workload)
    if found is None:
        return []
    path, spec = found
    out = [f"{name}" for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name) is True]
    for volume in spec.get("volumes") or []:
        host = volume.get("hostPath") if isinstance(volume, dict) else None
        if isinstance(host, dict) and isinstance(host.get("path"), str) and is_sensitive_host_path(host["path"]):
            out.append(f"hostPath {host['path']}")
    for c in containers(workload, ephemeral=False):
        if c.list_name == "initContainers":
            continue
        capabilities = c.security_context.get("capabilities")
        added = capabilities.get("add") if isinstance(capabilities, dict) else None
        for capability in added if isinstance(added, list) else []:
            if str(capability).upper().removeprefix("CAP_") in DANGEROUS_CAPABILITIES:
                out.append(f"{c.label} adds {capability}")
    return out


# high: outside traffic reaches a process whose compromise is the node's (host namespaces, the runtime socket,
# escape-grade capabilities).
@check(
    id="IG-K8S-082",
    title="Externally exposed Service selects a workload with host access",
    severity="high",
    framework="kubernetes",
    types=["Service"],
    cwe="CWE-668",
    description="A LoadBalancer or NodePort Service, or a Service an Ingress routes to, sends outside traffic to "
    "pods that share the node's network, PID or IPC namespace, mount a sensitive host path (the runtime "
    "socket, /etc, /var/lib/kubelet...) or add escape-grade capabilities: one exploitable bug in the exposed "
    "process reaches the node. Privileged pods are IG-K8S-020's; internal load balancers are not reported.",
    remediation="Remove the host access from the serving workload (move node-level work into a separate, "
    "unexposed agent), or keep the Service internal.",
    example="spec:\n  type: ClusterIP",
    graph=True,
)
def exposed_workload_with_host_access(resource: Resource, graph: ResourceGraph) -> Fail | None:
    kind = resource.get("spec.type")
    if kind == "LoadBalancer" and internal_load_balancer(resource):
        kind = "ClusterIP"
    ingresses = graph.predecessors(resource, "routes", "Ingress")
    if kind not in ("LoadBalancer", "NodePort") and not ingresses:
        return None
    weak = {w.address: (w, _weaknesses(w)) for w in graph.linked_via(resource, "spec.selector")}
    weak = {address: item for address, item in weak.items() if item[1]}
    if not weak:
        return None
    detail = "; ".join(f"{address}: {', '.join(found)}" for address, (_, found) in sorted(weak.items()))
    related = tuple(w for w, _ in weak.values()) + tuple(ingresses)
    if kind in ("LoadBalancer", "NodePort"):
        return Fail("spec.type", f"{kind} Service routes outside traffic to pods with host access ({detail})", related)
    via = ", ".join(i.address for i in ingresses)
    return Fail("spec.selector", f"Service behind {via} routes outside traffic to pods with host access ({detail})",
                related)  # fmt: skip


def _replicas(workload: Resource, graph: ResourceGraph) -> int | None:
    """Replicas of a workload (an autoscaler's minimum when one targets it); None for DaemonSets and Jobs."""
    if workload.type not in ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"):
        return None
    for autoscaler in graph.resources("kubernetes", "HorizontalPodAutoscaler"):
        target = autoscaler.get("spec.scaleTargetRef")
        if (
            autoscaler.kubernetes.namespace == workload.kubernetes.namespace
            and isinstance(target, dict)
            and target.get("kind") == workload.type
            and target.get("name") == workload.kubernetes.name
        ):
            minimum = autoscaler.get("spec.minReplicas")
            return minimum if isinstance(minimum, int) else 1
    replicas = workload.get("spec.replicas")
    return (
        replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else (1 if replicas is None else None)
    )


# low: a budget that allows no eviction stalls node drains and cluster upgrades until someone deletes it;
# an availability and maintenance problem, not an exposure.
@check(
    id="IG-K8S-083",
    title="PodDisruptionBudget allows no voluntary eviction",
    severity="low",
    framework="kubernetes",
    types=["PodDisruptionBudget"],
    cwe="CWE-400",
    description="`maxUnavailable: 0`, `minAvailable: 100%`, or a `minAvailable` at least the replica count of "
    "every workload it selects leaves no pod that may be evicted: `kubectl drain`, node auto-repair and "
    "cluster upgrades block on it (security patches of nodes included) until someone intervenes.",
    remediation="Allow at least one disruption: `maxUnavailable: 1`, or a `minAvailable` below the replica "
    "count (and run at least two replicas).",
    example="apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n"
    "  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: web",
    graph=True,
)
def disruption_budget_blocks_eviction(resource: Resource, graph: ResourceGraph) -> Fail | None:
    max_unavailable = resource.get("spec.maxUnavailable")
    if max_unavailable is not None:
        if str(max_unavailable).strip() in ("0", "0%"):
            return Fail("spec.maxUnavailable", "maxUnavailable 0: no pod may ever be evicted")
        return None
    min_available = resource.get("spec.minAvailable")
    if str(min_available).strip() == "100%":
        return Fail("spec.minAvailable", "minAvailable 100%: no pod may ever be evicted")
    if not isinstance(min_available, int) or isinstance(min_available, bool):
        return None
    selected = graph.linked_via(resource, "spec.selector")
    if not selected:
        raise UnknownValue("spec.selector", "the selector matches no workload in the scanned files")
    counts = [(_replicas(w, graph), w) for w in selected]
    if any(count is None for count, _ in counts):
        return None  # a DaemonSet or Job: its pod count is not in the manifest
    total = sum(count for count, _ in counts if count is not None)
    if min_available >= total:
        names = ", ".join(w.address for _, w in counts)
        return Fail(
            "spec.minAvailable",
            f"minAvailable {min_available} with {total} replica(s) in {names}: no pod may be evicted",
            tuple(w for _, w in counts),
        )
    return None


def _in_kustomize_layout(resource: Resource, graph: ResourceGraph) -> bool:
    """Listed by a kustomization, or next to one: its namePrefix and namespace transforms rename accounts and
    binding subjects, so names written in the files cannot be matched."""
    if resource.kubernetes.kustomize_resource:
        return True
    directory = _directory(resource)
    return any(_directory(k) == directory for k in graph.resources("kubernetes", "Kustomization"))


def _names_account(bindings: list[Resource], account: str) -> bool:
    """A binding names a ServiceAccount of that name, in any namespace: kustomize's namespace transformer
    rewrites subject namespaces, so the namespaces written in a base prove nothing."""
    return any(
        isinstance(subject, dict) and subject.get("kind") == "ServiceAccount" and subject.get("name") == account
        for binding in bindings
        for subject in binding.get("subjects") or []
    )


# Annotations that federate a ServiceAccount's token with a cloud identity: the token is used without RBAC.
WORKLOAD_IDENTITY_ANNOTATIONS = (
    "iam.gke.io/gcp-service-account",
    "eks.amazonaws.com/role-arn",
    "azure.workload.identity/client-id",
)


# low: a token nobody granted anything still authenticates to the API server (discovery, self-reviews) and
# to anything trusting Kubernetes tokens; defence in depth, judged only where the repository manages RBAC.
@check(
    id="IG-K8S-018",
    title="Pod mounts the API token of a ServiceAccount that no binding uses",
    severity="low",
    framework="kubernetes",
    types=RUNNING,
    cwe="CWE-522",
    description="The workload runs as its own ServiceAccount and mounts its token, but no RoleBinding or "
    "ClusterRoleBinding in the scanned files grants that account anything: the token is likely unused, yet "
    "whoever gets code execution in the pod can replay it against the API server and any service that trusts "
    "Kubernetes tokens. Judged only when the scanned files declare the ServiceAccount and an RBAC binding of "
    "its namespace in the workload's directory, outside kustomize layouts (whose name and namespace "
    "transforms hide the bindings); "
    "accounts federated with a cloud identity (GKE, EKS, Azure workload identity annotations) are not "
    "reported. Some workloads use the token only with what Kubernetes grants every authenticated account "
    "(OIDC discovery) or to authenticate to a mesh or Vault: mount a projected token for those. The default "
    "ServiceAccount is IG-K8S-012's.",
    remediation="Set `automountServiceAccountToken: false` on the pod spec or the ServiceAccount; if something "
    "else authenticates with the token (Vault's Kubernetes auth), mount a projected token with that audience.",
    example="spec:\n  serviceAccountName: storefront\n  automountServiceAccountToken: false",
    graph=True,
    precision="medium",
)
def unused_service_account_token(resource: Resource, graph: ResourceGraph) -> Fail | None:
    found = pod_spec(resource)
    account = service_account_name(resource)
    if found is None or account in (None, "default") or is_patch_fragment(resource):
        return None
    if _in_kustomize_layout(resource, graph):
        return None
    if resource.get(f"{found[0]}.automountServiceAccountToken") is False:
        return None
    namespace = resource.kubernetes.namespace
    accounts = [a for a in graph.successors(resource, "uses", "ServiceAccount") if a.kubernetes.name == account]
    if not accounts or any(a.get("automountServiceAccountToken") is False for a in accounts):
        return None
    for declared in accounts:
        annotations = declared.get("metadata.annotations")
        if isinstance(annotations, dict) and any(key in annotations for key in WORKLOAD_IDENTITY_ANNOTATIONS):
            return None
    bindings = graph.resources("kubernetes", "RoleBinding") + graph.resources("kubernetes", "ClusterRoleBinding")
    here = _directory(resource)
    if not any(b.kubernetes.namespace == namespace and _directory(b) == here for b in bindings):
        return None  # RBAC for this application is not managed next to it
    if _names_account(bindings, account):
        return None
    path = f"{found[0]}.serviceAccountName" if found[1].get("serviceAccountName") else found[0]
    return Fail(path, f"pods mount the token of ServiceAccount {account!r}, which no binding grants anything")

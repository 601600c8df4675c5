"""Kubernetes checks that need relationships: exposure, RBAC reach and network isolation.

Links are read with `graph.linked_via` / `graph.linked_from`: a role the scanned files neither
declare nor Kubernetes provides, a selector that matches no declared workload, or a NetworkPolicy
selector that cannot be evaluated makes the answer unknown rather than a pass.
"""

from __future__ import annotations

from checks.kubernetes import internal_load_balancer
from scanner.graph import ResourceGraph
from scanner.graph.kubernetes import workloads_running_as
from scanner.kube import WORKLOAD_KINDS, containers, is_patch_fragment, pod_spec
from scanner.records import Resource
from scanner.registry import Fail, check

WORKLOADS = list(WORKLOAD_KINDS)


def _privileged(workload: Resource) -> bool:
    """A privileged container that serves traffic: init containers have exited before the pod is ready."""
    return any(
        c.security_context.get("privileged") is True and c.list_name != "initContainers" for c in containers(workload)
    )


@check(
    id="IG-K8S-020",
    title="Externally exposed Service selects a privileged workload",
    severity="critical",
    framework="kubernetes",
    types=["Service"],
    cwe="CWE-250",
    description="A LoadBalancer or NodePort Service, or a Service an Ingress routes to, sends traffic from "
    "outside the cluster to pods that run privileged containers: one exploitable bug in the exposed "
    "process is root on a node. Privileged init containers do not count (they exit before the pod serves), "
    "nor do LoadBalancers a cloud annotation makes internal.",
    remediation="Remove `privileged: true` from the selected workload, or keep the Service internal "
    "(ClusterIP behind an authenticated Ingress).",
    example="spec:\n  type: ClusterIP",
    graph=True,
)
def exposed_privileged_workload(resource: Resource, graph: ResourceGraph) -> Fail | None:
    kind = resource.get("spec.type")
    if kind == "LoadBalancer" and internal_load_balancer(resource):
        kind = "ClusterIP"  # reachable from the VPC only: judged like an internal Service
    ingresses = graph.predecessors(resource, "routes", "Ingress")
    if kind not in ("LoadBalancer", "NodePort") and not ingresses:
        return None
    privileged = [w for w in graph.linked_via(resource, "spec.selector") if _privileged(w)]
    if not privileged:
        return None
    names = ", ".join(w.address for w in privileged)
    if kind in ("LoadBalancer", "NodePort"):
        return Fail(
            "spec.type", f"{kind} Service routes outside traffic to privileged pods of {names}", tuple(privileged)
        )
    via = ", ".join(i.address for i in ingresses)
    return Fail(
        "spec.selector",
        f"Service behind {via} routes outside traffic to privileged pods of {names}",
        tuple(privileged) + tuple(ingresses),
    )


def _grants_everything(role: Resource) -> bool:
    """A declared role with a `*` verbs on `*` resources of `*` API groups rule: cluster-admin by another name."""
    return any(
        isinstance(rule, dict) and all("*" in (rule.get(field) or []) for field in ("apiGroups", "resources", "verbs"))
        for rule in role.get("rules") or []
    )


def _admin_role_name(binding: Resource, graph: ResourceGraph) -> str | None:
    """The built-in cluster-admin (read from roleRef: it is not declared) or a bound all-powerful role."""
    ref = binding.get("roleRef")
    if isinstance(ref, dict) and ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin":
        return "cluster-admin"
    for role in graph.linked_via(binding, "roleRef"):
        if role.type in ("ClusterRole", "Role") and _grants_everything(role):
            return f"{role.type} {role.kubernetes.name} (every verb on every resource)"
    return None


@check(
    id="IG-K8S-021",
    title="cluster-admin (or an equivalent role) is bound to a ServiceAccount a workload runs as",
    severity="critical",
    framework="kubernetes",
    types=["ClusterRoleBinding", "RoleBinding"],
    cwe="CWE-269",
    compliance={"cis-kubernetes-1.9": ["5.1.1"], "nsa-cisa-kubernetes-1.2": ["rbac"]},
    description="Every pod of the workload carries a token with full control of the cluster (or of the "
    "namespace, for a RoleBinding): whoever gets code execution in one of those pods owns every "
    "secret and workload it can reach. cluster-admin is built in, so it is recognised by the binding's "
    "roleRef; a role declared in the scanned files counts when it grants `*` verbs on `*` resources of `*` "
    "API groups.",
    remediation="Bind a Role that lists only the resources and verbs the workload uses; never bind "
    "cluster-admin to a ServiceAccount that pods run as.",
    example="roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: app-reader",
    graph=True,
)
def cluster_admin_workload(resource: Resource, graph: ResourceGraph) -> list[Fail]:
    namespace = resource.kubernetes.namespace
    declared = graph.successors(resource, "binds", "ServiceAccount")
    found: list[tuple[int, str, list[Resource]]] = []
    for index, subject in enumerate(resource.get("subjects") or []):
        if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
            continue
        account_ns, name = subject.get("namespace") or namespace, str(subject.get("name"))
        if account_ns is None:
            continue  # a ClusterRoleBinding subject without a namespace is invalid; nothing runs as it
        accounts = [a for a in declared if a.kubernetes.name == name and a.kubernetes.namespace == account_ns]
        if accounts:
            workloads = sorted(
                {w.key: w for a in accounts for w in graph.predecessors(a, "uses")}.values(), key=lambda w: w.key
            )
        else:  # the ServiceAccount is not declared in the repo (e.g. "default"): match by name
            workloads = workloads_running_as(graph, account_ns, name)
        if workloads:
            names = ", ".join(w.address for w in workloads)
            found.append((index, f"ServiceAccount {account_ns}/{name}, which {names} runs as", workloads + accounts))
    if not found:
        return []  # no workload runs as a subject: what the role grants does not matter here
    role = _admin_role_name(resource, graph)
    if role is None:
        return []
    return [Fail(f"subjects.{index}", f"{role} is bound to {what}", tuple(related)) for index, what, related in found]


@check(
    id="IG-K8S-022",
    title="Workload is not covered by any NetworkPolicy",
    severity="medium",
    framework="kubernetes",
    types=WORKLOADS,
    cwe="CWE-923",
    compliance={"cis-kubernetes-1.9": ["5.3.2"], "nsa-cisa-kubernetes-1.2": ["network-policies"]},
    description="Pods no NetworkPolicy selects accept traffic from every pod in the cluster. Judged only "
    "for a workload with an explicit metadata.namespace, when the scanned files declare at least one "
    "NetworkPolicy and that namespace either has a NetworkPolicy (with an explicit namespace) or is "
    "declared by a Namespace object: then network policy for that namespace is managed here and an "
    "uncovered workload is a gap, not a choice made elsewhere.",
    remediation="Add a NetworkPolicy selecting the workload's pods (or a default-deny policy with an "
    "empty podSelector for the namespace) and allow only the traffic it needs.",
    example="kind: NetworkPolicy\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]",
    graph=True,
)
def workload_without_network_policy(resource: Resource, graph: ResourceGraph) -> Fail | None:
    policies = graph.resources("kubernetes", "NetworkPolicy")
    if pod_spec(resource) is None or not policies:
        return None
    meta = resource.kubernetes
    if not meta.namespace_explicit or is_patch_fragment(resource):
        return None  # applied with -n or a kustomize namespace: which policies apply is not known here
    if graph.linked_from(resource, "NetworkPolicy", "spec.podSelector"):
        return None
    managed = any(
        p.kubernetes.namespace == meta.namespace and p.kubernetes.namespace_explicit for p in policies
    ) or any(n.kubernetes.name == meta.namespace for n in graph.resources("kubernetes", "Namespace"))
    if not managed:
        return None
    return Fail(
        None,
        f"no NetworkPolicy in namespace {meta.namespace!r} selects the pods of {resource.address}",
    )


@check(
    id="IG-K8S-023",
    title="Ingress routes to a Service that selects no workload",
    severity="low",
    framework="kubernetes",
    types=["Ingress"],
    cwe="CWE-1164",
    description="The backend Service's selector matches no pod template in the scanned files: the route "
    "serves errors, or (if pods are created elsewhere) the Service is selecting pods nobody reviewed "
    "here. Services without a selector (manual endpoints) are not reported.",
    remediation="Fix the Service selector (or the workload's pod labels) so they match.",
    example="spec:\n  selector:\n    app: web",
    graph=True,
    precision="medium",
)
def ingress_to_empty_service(resource: Resource, graph: ResourceGraph) -> list[Fail]:
    fails = []
    backends = graph.links(resource, "spec")
    for service in backends.targets:
        selector = service.get("spec.selector")
        if isinstance(selector, dict) and selector and not graph.successors(service, "selects"):
            for attribute in graph.edge_attributes(resource, service, "routes"):
                fails.append(Fail(attribute, f"backend Service {service.address} selects no workload", (service,)))
    if not fails and backends.unknown is not None:
        raise backends.unknown  # a backend Service that is not declared here may select nothing
    return fails

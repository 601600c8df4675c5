"""Kubernetes edges: selects, isolates, binds, uses, routes.

Objects link only within one namespace (an object without metadata.namespace is in "default");
a manifest applied with `-n` or a kustomize namespace may really live elsewhere, so no link is
ever guessed across namespaces. Edges go only to objects declared in the scanned files: a
binding to a built-in ClusterRole such as cluster-admin has no ClusterRole node to point at, so
checks read `roleRef` for that, while the binding -> ServiceAccount edge always exists when the
ServiceAccount is declared.

What cannot be followed is recorded as unresolved (see `ResourceGraph.linked_via`): a role that is
neither declared nor built in, an Ingress backend Service that is not declared, a Service selector
that matches no declared workload, and a NetworkPolicy pod selector that cannot be evaluated.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from scanner.graph import Unresolved
from scanner.kube import WORKLOAD_KINDS, containers, pod_labels, pod_spec
from scanner.records import Resource

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph

# Roles every cluster has (and every `system:` one): a binding to them is resolved without a node
BUILT_IN_ROLES = {
    "ClusterRole": frozenset(["cluster-admin", "admin", "edit", "view"]),
    "Role": frozenset(["extension-apiserver-authentication-reader"]),  # in kube-system
}
SELECTOR_OPERATORS = frozenset(["In", "NotIn", "Exists", "DoesNotExist"])


def label_selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels + matchExpressions); an empty selector matches all."""
    if not isinstance(selector, dict):
        return False
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return False
    if any(labels.get(str(k)) != str(v) for k, v in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        if not isinstance(expression, dict):
            return False
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in expression.get("values") or []}
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def valid_label_selector(selector: Any) -> bool:
    """A selector `label_selector_matches` can judge: the API server rejects the others."""
    if not isinstance(selector, dict) or not isinstance(selector.get("matchLabels") or {}, dict):
        return False
    expressions = selector.get("matchExpressions") or []
    return isinstance(expressions, list) and all(
        isinstance(e, dict) and e.get("operator") in SELECTOR_OPERATORS for e in expressions
    )


def service_account_name(workload: Resource) -> str | None:
    """The ServiceAccount a workload's pods run as ("default" when unset), None if not a workload."""
    found = pod_spec(workload)
    if found is None:
        return None
    spec = found[1]
    return str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")


class _Index:
    """Namespaced lookup of the declared objects: (type, namespace, name) -> resources.

    One name can be declared in several files (variants, overlays): a declaration in the source's
    own file wins, else every declaration is linked, since which one is applied is not known here.
    Workloads come with their pod labels, read once rather than once per Service and NetworkPolicy
    of their namespace.
    """

    def __init__(self, graph: ResourceGraph) -> None:
        self.objects: dict[tuple[str, str | None, str], list[Resource]] = defaultdict(list)
        self.workloads: dict[str | None, list[tuple[Resource, dict[str, str]]]] = defaultdict(list)
        for resource in graph.resources("kubernetes"):
            meta = resource.kubernetes
            self.objects[(resource.type, meta.namespace, meta.name)].append(resource)
            if resource.type in WORKLOAD_KINDS and pod_spec(resource) is not None:
                self.workloads[meta.namespace].append((resource, pod_labels(resource)))

    def find(self, source: Resource, type: str, namespace: str | None, name: Any) -> list[Resource]:
        found = self.objects.get((type, namespace, str(name)), []) if name else []
        same_file = [r for r in found if r.location.file == source.location.file]
        return same_file or found


def workloads_running_as(graph: ResourceGraph, namespace: str | None, name: str) -> list[Resource]:
    """Workloads whose pods run as ServiceAccount `namespace/name`, declared in the repo or not."""
    return [
        w
        for w in graph.resources("kubernetes")
        if w.type in WORKLOAD_KINDS and w.kubernetes.namespace == namespace and service_account_name(w) == name
    ]


def link(graph: ResourceGraph) -> None:
    index = _Index(graph)
    for resource in graph.resources("kubernetes"):
        if resource.type == "Service":
            _service(graph, index, resource)
        elif resource.type == "NetworkPolicy":
            _network_policy(graph, index, resource)
        elif resource.type in ("RoleBinding", "ClusterRoleBinding"):
            _binding(graph, index, resource)
        elif resource.type == "Ingress":
            _ingress(graph, index, resource)
        elif resource.type in WORKLOAD_KINDS:
            _workload(graph, index, resource)


def _service(graph: ResourceGraph, index: _Index, service: Resource) -> None:
    selector = service.get("spec.selector")
    if not isinstance(selector, dict) or not selector:
        return  # no selector: endpoints are managed by hand, the Service selects no pod
    wanted = {str(k): str(v) for k, v in selector.items()}
    selected = False
    for workload, labels in index.workloads.get(service.kubernetes.namespace, []):
        if all(labels.get(k) == v for k, v in wanted.items()):
            graph.add_edge(service, workload, "selects", "spec.selector")
            selected = True
    if not selected:
        reason = "the selector matches no workload in the scanned files"
        graph.add_unresolved(service, Unresolved("spec.selector", reason, anything=False))


def _network_policy(graph: ResourceGraph, index: _Index, policy: Resource) -> None:
    selector = policy.get("spec.podSelector")
    selector = {} if selector is None else selector  # required by the API; absent reads as "all pods"
    if not valid_label_selector(selector):
        reason = f"the pod selector {selector!r} cannot be evaluated"
        graph.add_unresolved(policy, Unresolved("spec.podSelector", reason))
        return
    for workload, labels in index.workloads.get(policy.kubernetes.namespace, []):
        if label_selector_matches(selector, labels):
            graph.add_edge(policy, workload, "isolates", "spec.podSelector")


def _binding(graph: ResourceGraph, index: _Index, binding: Resource) -> None:
    namespace = binding.kubernetes.namespace  # None for a ClusterRoleBinding
    role_ref = binding.get("roleRef")
    if isinstance(role_ref, dict):
        if role_ref.get("kind") == "ClusterRole":
            roles = index.find(binding, "ClusterRole", None, role_ref.get("name"))
        else:
            roles = index.find(binding, "Role", namespace, role_ref.get("name"))
        for role in roles:
            graph.add_edge(binding, role, "binds", "roleRef")
        name = str(role_ref.get("name") or "")
        built_in = name in BUILT_IN_ROLES.get(str(role_ref.get("kind")), ())
        if not roles and not built_in and not name.startswith("system:"):
            reason = f"{role_ref.get('kind')} {name!r} is not declared in the scanned files"
            graph.add_unresolved(binding, Unresolved("roleRef", reason, anything=False, value=name))
    for position, subject in enumerate(binding.get("subjects") or []):
        if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
            continue
        account_namespace = subject.get("namespace") or namespace
        if account_namespace is None:
            continue
        for account in index.find(binding, "ServiceAccount", str(account_namespace), subject.get("name")):
            graph.add_edge(binding, account, "binds", f"subjects.{position}")


def _ingress(graph: ResourceGraph, index: _Index, ingress: Resource) -> None:
    namespace = ingress.kubernetes.namespace
    backends: list[tuple[str, Any]] = [("spec.defaultBackend", ingress.get("spec.defaultBackend"))]
    backends.append(("spec.backend", ingress.get("spec.backend")))  # extensions/v1beta1
    for r, rule in enumerate(ingress.get("spec.rules") or []):
        paths = (
            rule.get("http", {}).get("paths") if isinstance(rule, dict) and isinstance(rule.get("http"), dict) else []
        )
        for p, entry in enumerate(paths or []):
            if isinstance(entry, dict):
                backends.append((f"spec.rules.{r}.http.paths.{p}.backend", entry.get("backend")))
    for path, backend in backends:
        if not isinstance(backend, dict):
            continue
        if isinstance(backend.get("service"), dict):  # networking.k8s.io/v1
            name, attribute = backend["service"].get("name"), f"{path}.service.name"
        else:  # extensions/v1beta1 and networking.k8s.io/v1beta1
            name, attribute = backend.get("serviceName"), f"{path}.serviceName"
        services = index.find(ingress, "Service", namespace, name)
        for service in services:
            graph.add_edge(ingress, service, "routes", attribute)
        if not services and name:
            reason = f"Service {name!r} is not declared in the scanned files"
            graph.add_unresolved(ingress, Unresolved(attribute, reason, anything=False, value=name))


def _workload(graph: ResourceGraph, index: _Index, workload: Resource) -> None:
    found = pod_spec(workload)
    if found is None:
        return
    path, spec = found
    namespace = workload.kubernetes.namespace

    def use(type: str, name: Any, attribute: str) -> None:
        for target in index.find(workload, type, namespace, name):
            graph.add_edge(workload, target, "uses", attribute)

    account_field = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
    use("ServiceAccount", service_account_name(workload), f"{path}.{account_field}")
    for v, volume in enumerate(spec.get("volumes") or []):
        if not isinstance(volume, dict):
            continue
        base = f"{path}.volumes.{v}"
        if isinstance(volume.get("configMap"), dict):
            use("ConfigMap", volume["configMap"].get("name"), f"{base}.configMap.name")
        if isinstance(volume.get("secret"), dict):
            use("Secret", volume["secret"].get("secretName"), f"{base}.secret.secretName")
        sources = volume.get("projected", {}).get("sources") if isinstance(volume.get("projected"), dict) else None
        for s, source in enumerate(sources or []):
            if isinstance(source, dict):
                for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                    if isinstance(source.get(key), dict):
                        use(kind, source[key].get("name"), f"{base}.projected.sources.{s}.{key}.name")
    for p, pull in enumerate(spec.get("imagePullSecrets") or []):
        if isinstance(pull, dict):
            use("Secret", pull.get("name"), f"{path}.imagePullSecrets.{p}.name")
    for container in containers(workload):
        _container_refs(use, container.spec, container.path)


def _container_refs(use: Any, container: dict[str, Any], base: str) -> None:
    for e, source in enumerate(container.get("envFrom") or []):
        if not isinstance(source, dict):
            continue
        if isinstance(source.get("configMapRef"), dict):
            use("ConfigMap", source["configMapRef"].get("name"), f"{base}.envFrom.{e}.configMapRef.name")
        if isinstance(source.get("secretRef"), dict):
            use("Secret", source["secretRef"].get("name"), f"{base}.envFrom.{e}.secretRef.name")
    for e, env in enumerate(container.get("env") or []):
        value_from = env.get("valueFrom") if isinstance(env, dict) else None
        if not isinstance(value_from, dict):
            continue
        if isinstance(value_from.get("configMapKeyRef"), dict):
            use(
                "ConfigMap", value_from["configMapKeyRef"].get("name"), f"{base}.env.{e}.valueFrom.configMapKeyRef.name"
            )
        if isinstance(value_from.get("secretKeyRef"), dict):
            use("Secret", value_from["secretKeyRef"].get("name"), f"{base}.env.{e}.valueFrom.secretKeyRef.name")

"""Kubernetes edges: selects, isolates, binds, uses, routes.

Objects link only within one namespace (an object without metadata.namespace is in "default");
a manifest applied with `-n` or a kustomize namespace may really live elsewhere, so no link is
ever guessed across namespaces. Edges go only to objects declared in the scanned files: a
binding to a built-in ClusterRole such as cluster-admin has no ClusterRole node to point at, so
checks read `roleRef` for that, while the binding -> ServiceAccount edge always exists when the
ServiceAccount is declared.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from scanner.kube import WORKLOAD_KINDS, items, pod_labels, pod_spec
from scanner.records import Resource

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph


def label_selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    """A metav1.LabelSelector (matchLabels + matchExpressions); an empty selector matches all."""
    if not isinstance(selector, dict):
        return False
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return False
    if any(labels.get(str(k)) != str(v) for k, v in match_labels.items()):
        return False
    for expression in items(selector.get("matchExpressions")):
        if not isinstance(expression, dict):
            return False
        key, operator = str(expression.get("key")), expression.get("operator")
        values = {str(v) for v in items(expression.get("values"))}
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


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
            self.objects[(resource.type, resource.extra.get("namespace"), resource.extra["name"])].append(resource)
            if resource.type in WORKLOAD_KINDS and pod_spec(resource) is not None:
                self.workloads[resource.extra.get("namespace")].append((resource, pod_labels(resource)))

    def find(self, source: Resource, type: str, namespace: str | None, name: Any) -> list[Resource]:
        found = self.objects.get((type, namespace, str(name)), []) if name else []
        same_file = [r for r in found if r.location.file == source.location.file]
        return same_file or found


def workloads_running_as(graph: ResourceGraph, namespace: str | None, name: str) -> list[Resource]:
    """Workloads whose pods run as ServiceAccount `namespace/name`, declared in the repo or not."""
    return [
        w
        for w in graph.resources("kubernetes")
        if w.type in WORKLOAD_KINDS and w.extra.get("namespace") == namespace and service_account_name(w) == name
    ]


def link(graph: ResourceGraph) -> None:
    index = _Index(graph)
    builders = {"Service": _service, "NetworkPolicy": _network_policy, "Ingress": _ingress}
    builders.update(dict.fromkeys(("RoleBinding", "ClusterRoleBinding"), _binding))
    builders.update(dict.fromkeys(WORKLOAD_KINDS, _workload))
    for resource in graph.resources("kubernetes"):
        builder = builders.get(resource.type)
        if builder is not None:
            graph.linking(resource, builder, graph, index, resource)


def _service(graph: ResourceGraph, index: _Index, service: Resource) -> None:
    selector = service.get("spec.selector")
    if not isinstance(selector, dict) or not selector:
        return  # no selector: endpoints are managed by hand, the Service selects no pod
    wanted = {str(k): str(v) for k, v in selector.items()}
    for workload, labels in index.workloads.get(service.extra.get("namespace"), []):
        if all(labels.get(k) == v for k, v in wanted.items()):
            graph.add_edge(service, workload, "selects", "spec.selector")


def _network_policy(graph: ResourceGraph, index: _Index, policy: Resource) -> None:
    selector = policy.get("spec.podSelector")
    selector = {} if selector is None else selector  # required by the API; absent reads as "all pods"
    for workload, labels in index.workloads.get(policy.extra.get("namespace"), []):
        if label_selector_matches(selector, labels):
            graph.add_edge(policy, workload, "isolates", "spec.podSelector")


def _binding(graph: ResourceGraph, index: _Index, binding: Resource) -> None:
    namespace = binding.extra.get("namespace")  # None for a ClusterRoleBinding
    role_ref = binding.get("roleRef")
    if isinstance(role_ref, dict):
        if role_ref.get("kind") == "ClusterRole":
            roles = index.find(binding, "ClusterRole", None, role_ref.get("name"))
        else:
            roles = index.find(binding, "Role", namespace, role_ref.get("name"))
        for role in roles:
            graph.add_edge(binding, role, "binds", "roleRef")
    for position, subject in enumerate(items(binding.get("subjects"))):
        if not isinstance(subject, dict) or subject.get("kind") != "ServiceAccount":
            continue
        account_namespace = subject.get("namespace") or namespace
        if account_namespace is None:
            continue
        for account in index.find(binding, "ServiceAccount", str(account_namespace), subject.get("name")):
            graph.add_edge(binding, account, "binds", f"subjects.{position}")


def _ingress(graph: ResourceGraph, index: _Index, ingress: Resource) -> None:
    namespace = ingress.extra.get("namespace")
    backends: list[tuple[str, Any]] = [("spec.defaultBackend", ingress.get("spec.defaultBackend"))]
    backends.append(("spec.backend", ingress.get("spec.backend")))  # extensions/v1beta1
    for r, rule in enumerate(items(ingress.get("spec.rules"))):
        paths = (
            rule.get("http", {}).get("paths") if isinstance(rule, dict) and isinstance(rule.get("http"), dict) else []
        )
        for p, entry in enumerate(items(paths)):
            if isinstance(entry, dict):
                backends.append((f"spec.rules.{r}.http.paths.{p}.backend", entry.get("backend")))
    for path, backend in backends:
        if not isinstance(backend, dict):
            continue
        if isinstance(backend.get("service"), dict):  # networking.k8s.io/v1
            name, attribute = backend["service"].get("name"), f"{path}.service.name"
        else:  # extensions/v1beta1 and networking.k8s.io/v1beta1
            name, attribute = backend.get("serviceName"), f"{path}.serviceName"
        for service in index.find(ingress, "Service", namespace, name):
            graph.add_edge(ingress, service, "routes", attribute)


def _workload(graph: ResourceGraph, index: _Index, workload: Resource) -> None:
    found = pod_spec(workload)
    if found is None:
        return
    path, spec = found
    namespace = workload.extra.get("namespace")

    def use(type: str, name: Any, attribute: str) -> None:
        for target in index.find(workload, type, namespace, name):
            graph.add_edge(workload, target, "uses", attribute)

    account_field = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
    use("ServiceAccount", service_account_name(workload), f"{path}.{account_field}")
    for v, volume in enumerate(items(spec.get("volumes"))):
        if not isinstance(volume, dict):
            continue
        base = f"{path}.volumes.{v}"
        if isinstance(volume.get("configMap"), dict):
            use("ConfigMap", volume["configMap"].get("name"), f"{base}.configMap.name")
        if isinstance(volume.get("secret"), dict):
            use("Secret", volume["secret"].get("secretName"), f"{base}.secret.secretName")
        sources = volume.get("projected", {}).get("sources") if isinstance(volume.get("projected"), dict) else None
        for s, source in enumerate(items(sources)):
            if isinstance(source, dict):
                for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                    if isinstance(source.get(key), dict):
                        use(kind, source[key].get("name"), f"{base}.projected.sources.{s}.{key}.name")
    for p, pull in enumerate(items(spec.get("imagePullSecrets"))):
        if isinstance(pull, dict):
            use("Secret", pull.get("name"), f"{path}.imagePullSecrets.{p}.name")
    for list_name in ("initContainers", "containers", "ephemeralContainers"):
        for c, container in enumerate(items(spec.get(list_name))):
            if isinstance(container, dict):
                _container_refs(use, container, f"{path}.{list_name}.{c}")


def _container_refs(use: Any, container: dict[str, Any], base: str) -> None:
    for e, source in enumerate(items(container.get("envFrom"))):
        if not isinstance(source, dict):
            continue
        if isinstance(source.get("configMapRef"), dict):
            use("ConfigMap", source["configMapRef"].get("name"), f"{base}.envFrom.{e}.configMapRef.name")
        if isinstance(source.get("secretRef"), dict):
            use("Secret", source["secretRef"].get("name"), f"{base}.envFrom.{e}.secretRef.name")
    for e, env in enumerate(items(container.get("env"))):
        value_from = env.get("valueFrom") if isinstance(env, dict) else None
        if not isinstance(value_from, dict):
            continue
        if isinstance(value_from.get("configMapKeyRef"), dict):
            use(
                "ConfigMap", value_from["configMapKeyRef"].get("name"), f"{base}.env.{e}.valueFrom.configMapKeyRef.name"
            )
        if isinstance(value_from.get("secretKeyRef"), dict):
            use("Secret", value_from["secretKeyRef"].get("name"), f"{base}.env.{e}.valueFrom.secretKeyRef.name")

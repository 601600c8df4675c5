"""Kubernetes objects declared through Terraform's Kubernetes provider, seen as Kubernetes objects.

`kubernetes_deployment`, `kubernetes_pod_v1`, `kubernetes_cluster_role_binding`... describe the same objects
as YAML manifests, in the provider's shape: snake_case names, one HCL block per nested object
(`spec { template { spec { container { ... } } } }`), repeated blocks for list items. After Terraform
evaluation each such resource gets a twin `Resource` of framework "kubernetes" whose attributes are the
object as the API server would receive it (camelCase keys, single blocks as mappings, `container` blocks
as the `containers` list...), so every Kubernetes check judges it unchanged. The twin is located at the
Terraform resource, and its `attribute_lines` and `provenance` send each Kubernetes path to the line and
origin of the Terraform attribute that set it: findings land on the `.tf` line. The Terraform resource
itself is kept as it is. A `kubernetes_manifest` already holds the object in Kubernetes' own shape
(`manifest = { ... }`): it is taken as written.

Only the shapes are translated; no provider default is invented except the namespace ("default", as the
provider sends). Values stay as evaluated, `Unknown` included, so checks reading through `Resource.get`
still answer unknown.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.parsers.kubernetes import CLUSTER_SCOPED
from scanner.records import KubernetesMeta, Location, Resource, Unknown

# Terraform type (without the `_v1` suffix, which names the same object) -> (kind, apiVersion).
KINDS: dict[str, tuple[str, str]] = {
    "kubernetes_pod": ("Pod", "v1"),
    "kubernetes_deployment": ("Deployment", "apps/v1"),
    "kubernetes_daemonset": ("DaemonSet", "apps/v1"),
    "kubernetes_daemon_set": ("DaemonSet", "apps/v1"),
    "kubernetes_stateful_set": ("StatefulSet", "apps/v1"),
    "kubernetes_replication_controller": ("ReplicationController", "v1"),
    "kubernetes_job": ("Job", "batch/v1"),
    "kubernetes_cron_job": ("CronJob", "batch/v1"),
    "kubernetes_service": ("Service", "v1"),
    "kubernetes_service_account": ("ServiceAccount", "v1"),
    "kubernetes_namespace": ("Namespace", "v1"),
    "kubernetes_role": ("Role", "rbac.authorization.k8s.io/v1"),
    "kubernetes_cluster_role": ("ClusterRole", "rbac.authorization.k8s.io/v1"),
    "kubernetes_role_binding": ("RoleBinding", "rbac.authorization.k8s.io/v1"),
    "kubernetes_cluster_role_binding": ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    "kubernetes_network_policy": ("NetworkPolicy", "networking.k8s.io/v1"),
    "kubernetes_ingress": ("Ingress", "networking.k8s.io/v1"),
    "kubernetes_pod_disruption_budget": ("PodDisruptionBudget", "policy/v1"),
}
# Unsuffixed types the provider still sends to a beta API (their `_v1` twins use the stable one).
BETA_API_VERSIONS = {"kubernetes_ingress": "networking.k8s.io/v1beta1", "kubernetes_cron_job": "batch/v1beta1"}

# Repeated HCL blocks that are one list in the Kubernetes object, under their Kubernetes name.
LIST_BLOCKS = {
    "container": "containers",
    "init_container": "initContainers",
    "volume": "volumes",
    "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices",
    "env": "env",
    "env_from": "envFrom",
    "port": "ports",
    "ports": "ports",
    "rule": "rules",
    "subject": "subjects",
    "toleration": "tolerations",
    "image_pull_secrets": "imagePullSecrets",
    "host_aliases": "hostAliases",
    "sysctl": "sysctls",
    "match_expressions": "matchExpressions",
    "ingress": "ingress",
    "egress": "egress",
    "from": "from",
    "to": "to",
    "path": "paths",
    "tls": "tls",
    "items": "items",
    "topology_spread_constraint": "topologySpreadConstraints",
    "readiness_gate": "readinessGates",
    "secret": "secrets",
    "sources": "sources",
    "volume_claim_template": "volumeClaimTemplates",
}
# Blocks whose name is a list only in some parents: `secret` is a list of references on a ServiceAccount
# and a volume source elsewhere; `ingress`/`egress` are policy rules in a NetworkPolicy spec only; `port`
# is a list in a container and a Service spec, one port in an Ingress backend.
LIST_ONLY_UNDER = {
    "secret": ("",),
    "ingress": ("spec",),
    "egress": ("spec",),
    "port": ("containers", "initContainers", "spec"),
}
# snake_case names whose Kubernetes spelling is not their plain camelCase.
NAMES = {
    "host_pid": "hostPID",
    "host_ipc": "hostIPC",
    "external_ips": "externalIPs",
    "cluster_ip": "clusterIP",
    "cluster_ips": "clusterIPs",
    "load_balancer_ip": "loadBalancerIP",
    "host_ip": "hostIP",
    "non_resource_urls": "nonResourceURLs",
    "pod_cidr": "podCIDR",
    "ip_block": "ipBlock",
}
# Provider attributes typed as strings that Kubernetes types as integers (security contexts).
INTEGER_FIELDS = frozenset({"runAsUser", "runAsGroup", "fsGroup"})
BOOLEAN_FIELDS = frozenset(
    {
        "privileged",
        "allowPrivilegeEscalation",
        "readOnlyRootFilesystem",
        "runAsNonRoot",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "automountServiceAccountToken",
        "readOnly",
        "shareProcessNamespace",
        "hostUsers",
    }
)
_WORD = re.compile(r"_([a-z0-9])")


def kind_of(terraform_type: str) -> tuple[str, str] | None:
    """(kind, apiVersion) of a `kubernetes_*` resource type, or None for other types."""
    base = terraform_type.removesuffix("_v1")
    found = KINDS.get(base)
    if found is None:
        return None
    if terraform_type == base and base in BETA_API_VERSIONS:
        return found[0], BETA_API_VERSIONS[base]
    return found


def camel(name: str) -> str:
    return NAMES.get(name) or _WORD.sub(lambda m: m.group(1).upper(), name)


class _Translation:
    """One resource's walk: Kubernetes values plus Kubernetes path -> Terraform path."""

    def __init__(self) -> None:
        self.paths: dict[str, str] = {}

    def block(self, body: dict[str, Any], tf_path: str, k8s_path: str, parent_key: str) -> dict[str, Any]:
        """A block body: its keys are schema names (camelCased); map-valued attributes keep their keys."""
        out: dict[str, Any] = {}
        for name, value in body.items():
            tf_child = f"{tf_path}.{name}" if tf_path else name
            blocks = _is_block_list(value)
            # a dynamic block whose for_each is unknown evaluates to Unknown: it still names the list
            repeated = (blocks or isinstance(value, Unknown)) and name in LIST_BLOCKS
            repeated = repeated and parent_key in LIST_ONLY_UNDER.get(name, (parent_key,))
            key = LIST_BLOCKS[name] if repeated else camel(name)
            k8s_child = f"{k8s_path}.{key}" if k8s_path else key
            self.paths[k8s_child] = tf_child
            if blocks and repeated:
                out[key] = [self.item(item, f"{tf_child}.{i}", f"{k8s_child}.{i}", key) for i, item in enumerate(value)]
            elif blocks:
                out[key] = self.item(value[0], f"{tf_child}.0", k8s_child, key)
            else:
                out[key] = _scalar(key, value)
        return out

    def item(self, body: Any, tf_path: str, k8s_path: str, parent_key: str) -> Any:
        self.paths[k8s_path] = tf_path
        return self.block(body, tf_path, k8s_path, parent_key) if isinstance(body, dict) else body


def _is_block_list(value: Any) -> bool:
    """Nested blocks evaluate to a list of bodies (an attribute list of objects would too; the provider
    has none where it matters)."""
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _scalar(key: str, value: Any) -> Any:
    """The provider types some integers and booleans as strings ("0", "true"); Kubernetes does not."""
    if isinstance(value, str):
        text = value.strip()
        if key in INTEGER_FIELDS and re.fullmatch(r"-?\d+", text):
            return int(text)
        if key in BOOLEAN_FIELDS and text.lower() in ("true", "false"):
            return text.lower() == "true"
    return value


def _metadata_value(metadata: Any, key: str) -> Any:
    return metadata.get(key) if isinstance(metadata, dict) else None


def to_kubernetes(resource: Resource) -> Resource | None:
    """The Kubernetes object a `kubernetes_*` Terraform resource (or a `kubernetes_manifest`) declares, or None
    for other resources."""
    if resource.framework != "terraform":
        return None
    if resource.type == "kubernetes_manifest":
        return _manifest(resource)
    found = kind_of(resource.type)
    if found is None:
        return None
    kind, api_version = found
    translation = _Translation()
    body = translation.block(resource.attributes, "", "", "")
    body = {"apiVersion": api_version, "kind": kind, **body}
    return _twin(resource, kind, api_version, body, translation.paths)


def _manifest(resource: Resource) -> Resource | None:
    """`kubernetes_manifest`: the object is written as it is sent (`manifest = { apiVersion = ..., ... }`)."""
    body = resource.attributes.get("manifest")
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        return None
    api_version = body.get("apiVersion")
    paths: dict[str, str] = {}

    def walk(value: Any, path: str) -> None:
        paths[path] = f"manifest.{path}"
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}")

    for key, value in body.items():
        walk(value, str(key))
    return _twin(resource, body["kind"], str(api_version or ""), body, paths)


def _twin(resource: Resource, kind: str, api_version: str, body: dict[str, Any], paths: dict[str, str]) -> Resource:
    """The Kubernetes Resource, located at the Terraform resource; `paths` maps its paths to Terraform's."""
    metadata = body.get("metadata")
    name = _metadata_value(metadata, "name") or _metadata_value(metadata, "generateName")
    namespace = _metadata_value(metadata, "namespace")
    name_text = name if isinstance(name, str) else resource.address
    if kind in CLUSTER_SCOPED:
        namespace_text = None
    elif isinstance(namespace, Unknown):
        namespace_text = f"(unknown: {namespace.reason})"  # links to nothing: no guess across namespaces
    else:
        namespace_text = str(namespace or "default")
    lines: dict[str, int] = {}
    provenance: dict[str, list[Location]] = {}
    for k8s_path, tf_path in paths.items():
        line = resource.attribute_lines.get(tf_path)
        if line:
            lines[k8s_path] = line
        origin = resource.provenance.get(tf_path)
        if origin:
            provenance[k8s_path] = list(origin)
    return Resource(
        framework="kubernetes",
        type=kind,
        address=resource.address,
        attributes=body,
        location=resource.location,
        scope=resource.scope,
        attribute_lines=lines,
        provenance=provenance,
        meta=KubernetesMeta(
            name=name_text,
            namespace=namespace_text,
            namespace_explicit=namespace is not None,
            api_version=api_version,
        ),
    )


def derive(resources: list[Resource]) -> list[Resource]:
    """The Kubernetes twins of the `kubernetes_*` resources among evaluated Terraform `resources`."""
    return [twin for twin in map(to_kubernetes, resources) if twin is not None]

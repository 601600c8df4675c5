"""Where a Kubernetes workload keeps its pod spec and containers: the one definition.

Shared by Kubernetes checks, cross-framework checks, the Kubernetes graph builder and the image ->
Dockerfile linker, so every one of them agrees on the workload kinds, the container walk and the
paths (`spec.template.spec.containers.0`) findings point at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.records import Resource

POD_SPEC_PATHS = {
    "Pod": "spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
    "ReplicaSet": "spec.template.spec",
    "ReplicationController": "spec.template.spec",
    "Job": "spec.template.spec",
    "CronJob": "spec.jobTemplate.spec.template.spec",
    "PodTemplate": "template.spec",
}
WORKLOAD_KINDS = tuple(POD_SPEC_PATHS)  # every kind with a pod spec
RUNNING_WORKLOAD_KINDS = tuple(k for k in WORKLOAD_KINDS if k != "PodTemplate")  # a PodTemplate runs nothing
_SELECTOR_REQUIRED = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class Container:
    """One container of a pod spec: its attribute path, its mapping and which list it is in."""

    path: str  # e.g. "spec.template.spec.containers.0"
    spec: dict[str, Any]
    list_name: str  # containers | initContainers | ephemeralContainers

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or self.path)

    @property
    def label(self) -> str:
        """How a finding names it: `container 'web'`, `init container 'migrate'`."""
        kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}.get(
            self.list_name, "container"
        )
        return f"{kind} {self.name!r}"

    @property
    def security_context(self) -> dict[str, Any]:
        value = self.spec.get("securityContext")
        return value if isinstance(value, dict) else {}


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def pod_spec(resource: Resource) -> tuple[str, dict[str, Any]] | None:
    """(path, pod spec) of a workload, or None for other kinds or a workload without one."""
    path = POD_SPEC_PATHS.get(resource.type)
    if path is None or resource.framework != "kubernetes":
        return None
    spec = _at(resource.attributes, path)
    return (path, spec) if isinstance(spec, dict) else None


def pod_labels(resource: Resource) -> dict[str, str]:
    """Labels of the pods a workload creates (a Pod's own labels, else its template's)."""
    path = POD_SPEC_PATHS.get(resource.type)
    if path is None:
        return {}
    metadata = path[: -len("spec")] + "metadata" if path != "spec" else "metadata"
    labels = _at(resource.attributes, f"{metadata}.labels")
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def containers(resource: Resource, ephemeral: bool = True) -> Iterator[Container]:
    """Every container of a workload: init containers, containers, then ephemeral containers
    (left out with `ephemeral=False`: debug containers are attached later, by hand)."""
    found = pod_spec(resource)
    if found is None:
        return
    path, spec = found
    for list_name in CONTAINER_LISTS if ephemeral else CONTAINER_LISTS[:2]:
        items = spec.get(list_name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield Container(f"{path}.{list_name}.{index}", item, list_name)


def security_value(
    resource: Resource, container: Container, name: str, pod_level: bool = True
) -> tuple[Any, str | None]:
    """(value, path) of a securityContext setting as Kubernetes resolves it: the container's, else
    (with `pod_level`) the pod's; (None, None) when neither sets it."""
    if name in container.security_context:
        return container.security_context[name], f"{container.path}.securityContext.{name}"
    found = pod_spec(resource)
    if pod_level and found is not None:
        pod_context = found[1].get("securityContext")
        if isinstance(pod_context, dict) and name in pod_context:
            return pod_context[name], f"{found[0]}.securityContext.{name}"
    return None, None


def is_patch_fragment(resource: Resource) -> bool:
    """A kustomize patch, not a whole object: an apps/v1 controller without its required selector,
    or a container without an image. Missing settings in a fragment come from the base it patches,
    so checks report only the values a fragment sets. A manifest a kustomization lists under
    `resources:` is never a fragment (`scanner.evaluate.kustomize`).
    """
    if resource.kubernetes.kustomize_resource:
        return False
    if (
        resource.type in _SELECTOR_REQUIRED
        and resource.kubernetes.api_version == "apps/v1"
        and _at(resource.attributes, "spec.selector") is None
    ):
        return True
    return any(not c.spec.get("image") for c in containers(resource) if c.list_name != "ephemeralContainers")

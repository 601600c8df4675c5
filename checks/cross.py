"""Cross-framework checks: questions only the resource graph can answer (Kubernetes <-> Dockerfile)."""

from __future__ import annotations

import dataclasses

from checks._helpers import Verdict
from scanner.graph import ResourceGraph
from scanner.graph.images import stage_user
from scanner.kube import RUNNING_WORKLOAD_KINDS, Container, containers, security_value
from scanner.parsers.dockerfile import ROOT_USERS
from scanner.records import Location, Resource, UnknownValue
from scanner.registry import Fail, check


def _runs_as_non_root(resource: Resource, container: Container) -> bool:
    """The workload overrides the image's user: runAsUser non-zero, or runAsNonRoot without runAsUser 0.

    With runAsNonRoot: true and a root image, the kubelet refuses to start the container: it never
    runs as root, so that is not this check's failure.
    """
    user, _ = security_value(resource, container, "runAsUser")
    if isinstance(user, int) and not isinstance(user, bool):
        return user != 0
    return security_value(resource, container, "runAsNonRoot")[0] is True


@check(
    id="IG-X-001",
    title="Workload runs an image built in this repo as root",
    severity="high",
    framework="kubernetes",
    types=RUNNING_WORKLOAD_KINDS,
    cwe="CWE-250",
    graph=True,
    description="The container's image is built by a Dockerfile in this repository whose final stage runs "
    "as root (no USER, or USER root/0), and the workload does not override it with `runAsNonRoot: true` or "
    "a non-zero `runAsUser`. The process in the cluster runs as root: a compromise of the application "
    "owns the container and is a kernel or runtime bug away from the node.",
    remediation="Add `USER 10001` (an unprivileged user created in the image) to the Dockerfile's final "
    "stage, and set `securityContext.runAsNonRoot: true` with a non-zero `runAsUser` in the workload.",
    example="spec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n  containers:\n"
    "    - name: app\n      image: registry.example.com/shop/app:1.4.2",
    tags=("cross-framework", "dockerfile"),
)
def workload_runs_root_image(resource: Resource, graph: ResourceGraph) -> list[Fail]:
    stages = graph.successors(resource, "runs", "stage")
    if not stages:
        return []
    by_path = {c.path: c for c in containers(resource, ephemeral=False)}
    verdict = Verdict()
    for stage in stages:
        for attribute in graph.edge_attributes(resource, stage, "runs"):
            container = by_path.get((attribute or "").removesuffix(".image"))
            if container is None or _runs_as_non_root(resource, container):
                continue
            try:
                user = stage_user(stage)
            except UnknownValue as unknown:  # USER from a build argument: the image's user is not known here
                verdict.unknown(attribute or "", f"{stage.location.file}: {unknown.reason}")
                continue
            if user is None or user[0].lower() not in ROOT_USERS:
                continue
            where = Location(stage.location.file, user[1], user[1])
            message = (
                f"Container {container.spec.get('name', '?')!r} runs {stage.location.file}, whose final stage runs "
                f"as root (line {user[1]}), and the workload sets no runAsNonRoot or non-zero runAsUser"
            )
            verdict.fails.append(Fail(attribute, message, related=(dataclasses.replace(stage, location=where),)))
    return verdict.result() or []

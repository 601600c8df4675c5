"""`runs` edges: a Kubernetes workload -> the final stage of the Dockerfile in the repo that builds its image.

A Dockerfile does not name the image it builds, so the link is a conservative name match, and
when in doubt there is no edge (a missing edge loses a cross-framework finding; a wrong one
invents one). For every container image of a workload:

1. The image reference must be concrete: no `$VAR`, `${VAR}` or `{{ }}` template.
2. Docker Official Images (`nginx`, `docker.io/library/redis`...) are pulled, not built here: never linked.
3. The image name is the last path segment of its repository, without tag or digest
   (`gcr.io/proj/hello-app:1.0` -> `hello-app`). A Dockerfile's names are its
   `LABEL org.opencontainers.image.title`, the `<name>` of `Dockerfile.<name>` / `<name>.Dockerfile`,
   else the name of its directory (`hello-app/Dockerfile`).
4. A Dockerfile matches if one of its names equals the image name ("exact"), or if a name of two or
   more words (`metadata-db`) is a `-`-separated suffix of the image name (`k8s-goat-metadata-db`:
   a project prefix). One-word directory names (`app`, `server`) never match by suffix.
5. Exact matches beat suffix matches; among those, the Dockerfile whose directory shares the
   longest path with the manifest wins. A tie is ambiguous: no edge.

Before any name matching, an explicit declaration wins: a Skaffold config (`apiVersion:
skaffold/...`, discovered as a Kubernetes document) whose `build.artifacts[]` names the image
(repository without tag) and its `context` / `docker.dockerfile`.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from scanner.kube import RUNNING_WORKLOAD_KINDS, containers
from scanner.records import Resource

if TYPE_CHECKING:
    from scanner.graph import ResourceGraph

# Docker Official Images most often named in manifests without a registry: always pulled from Docker Hub
OFFICIAL_IMAGES = frozenset(
    [
        "alpine",
        "amazonlinux",
        "busybox",
        "caddy",
        "cassandra",
        "centos",
        "consul",
        "couchdb",
        "debian",
        "eclipse-temurin",
        "elasticsearch",
        "fedora",
        "flink",
        "gcc",
        "ghost",
        "golang",
        "gradle",
        "haproxy",
        "httpd",
        "influxdb",
        "jenkins",
        "kibana",
        "kong",
        "logstash",
        "mariadb",
        "maven",
        "memcached",
        "mongo",
        "mongo-express",
        "mysql",
        "nats",
        "neo4j",
        "nextcloud",
        "nginx",
        "node",
        "openjdk",
        "perl",
        "php",
        "postgres",
        "python",
        "rabbitmq",
        "redis",
        "registry",
        "rockylinux",
        "ruby",
        "rust",
        "solr",
        "sonarqube",
        "tomcat",
        "traefik",
        "ubuntu",
        "vault",
        "wordpress",
        "zookeeper",
    ]
)
_TEMPLATE = re.compile(r"\$|\{\{|\}\}")
_TITLE_LABEL = "org.opencontainers.image.title"


def image_name(reference: str) -> str | None:
    """The last repository segment of an image reference, or None if it is not one we may link."""
    if not reference or _TEMPLATE.search(reference):
        return None
    repository = _repository(reference)
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/", "docker.io/"):
        if repository.startswith(prefix) and "/" not in repository[len(prefix) :]:
            repository = repository[len(prefix) :]
            break
    if "/" not in repository and repository in OFFICIAL_IMAGES:
        return None
    return repository.rsplit("/", 1)[-1] or None


def dockerfile_names(stage: Resource) -> set[str]:
    """Names a final stage's image may be known by: its OCI title label, file suffix or directory."""
    names: set[str] = set()
    for instruction in stage.attributes.get("instructions", []):
        if instruction["cmd"] == "LABEL":
            values = instruction.get("expanded", [])
            for key, value in zip(values[::2], values[1::2], strict=False):
                if key == _TITLE_LABEL and isinstance(value, str) and value.strip("\"'"):
                    names.add(value.strip("\"'").lower())
    directory, filename = posixpath.split(stage.location.file)
    lower = filename.lower()
    suffix = None
    for prefix in ("dockerfile.", "containerfile."):
        if lower.startswith(prefix):
            suffix = lower[len(prefix) :]
    for ending in (".dockerfile", ".containerfile"):
        if lower.endswith(ending):
            suffix = lower[: -len(ending)]
    if suffix:
        names.add(suffix)
    elif directory:
        names.add(posixpath.basename(directory).lower())
    return names


def _match(image: str, names: set[str]) -> int:
    """2 exact, 1 project-prefix suffix, 0 none."""
    if image in names:
        return 2
    if any("-" in n and image.endswith("-" + n) for n in names):
        return 1
    return 0


def _shared_depth(a: str, b: str) -> int:
    common = posixpath.commonpath([a or ".", b or "."]) if (a.startswith("/") == b.startswith("/")) else ""
    return 0 if common in ("", ".") else len(common.split("/"))


def stage_user(stage: Resource) -> tuple[str, int] | None:
    """(user, line) of a stage's effective user, None without one; raises UnknownValue when it is only
    known at build time (`USER $APP_USER` with no default)."""
    name = stage.get("user.name")
    if name is None:
        return None
    return str(name).split(":", 1)[0].strip() or "root", stage.get("user.line") or stage.location.start_line


def _repository(reference: str) -> str:
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return (name[: len(name) - len(last)] + last.split(":", 1)[0]).lower()


def skaffold_artifacts(graph: ResourceGraph) -> dict[str, str]:
    """Image repository -> Dockerfile path, from the Docker artifacts of Skaffold configs."""
    declared: dict[str, str] = {}
    for config in graph.resources("kubernetes", "Config"):
        if not config.kubernetes.api_version.startswith("skaffold/"):
            continue
        build = config.attributes.get("build")
        artifacts = build.get("artifacts") if isinstance(build, dict) else None
        for artifact in artifacts if isinstance(artifacts, list) else []:
            if not isinstance(artifact, dict) or not isinstance(artifact.get("image"), str):
                continue
            if any(builder in artifact for builder in ("ko", "jib", "bazel", "buildpacks", "custom")):
                continue  # built without a Dockerfile
            docker = artifact.get("docker") if isinstance(artifact.get("docker"), dict) else {}
            context = str(artifact.get("context") or ".")
            path = posixpath.join(
                posixpath.dirname(config.location.file), context, str(docker.get("dockerfile") or "Dockerfile")
            )
            declared[_repository(artifact["image"])] = posixpath.normpath(path)
    return declared


def _best(name: str, from_dir: str, named: list[tuple[Resource, set[str], str]]) -> Resource | None:
    """The final stage whose names match `name` best (exact over suffix, then nearest directory), or None
    when nothing matches or two candidates are equally likely."""
    matches = [(score, stage, directory) for stage, names, directory in named if (score := _match(name, names))]
    ranked = sorted(
        ((score, _shared_depth(from_dir, directory), stage) for score, stage, directory in matches),
        key=lambda item: (item[0], item[1]),
        reverse=True,
    )
    if not ranked or (len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]):
        return None
    return ranked[0][2]


def link_bases(graph: ResourceGraph) -> None:
    """`from` edges: a stage whose base image another Dockerfile of the repository builds (`FROM acme/base`
    next to `base/Dockerfile`), by the same conservative name match as `runs`, Skaffold first."""
    stages = graph.resources("dockerfile", "stage")
    finals = [s for s in stages if s.attributes.get("final")]
    if not finals:
        return
    by_file = {stage.location.file: stage for stage in finals}
    declared = skaffold_artifacts(graph)
    named = [(s, dockerfile_names(s), posixpath.dirname(s.location.file)) for s in finals]
    for stage in stages:
        image = stage.attributes.get("base_image")
        if stage.attributes.get("from_stage") or not isinstance(image, str):
            continue
        others = [entry for entry in named if entry[0].location.file != stage.location.file]
        base = by_file.get(declared.get(_repository(image), ""))
        name = image_name(image)
        if base is None and name:
            base = _best(name, posixpath.dirname(stage.location.file), others)
        if base is not None and base.location.file != stage.location.file:
            graph.add_edge(stage, base, "from", "base_image")


def link(graph: ResourceGraph) -> None:
    finals = [s for s in graph.resources("dockerfile", "stage") if s.dockerfile.final]
    if not finals:
        return
    by_file = {stage.location.file: stage for stage in finals}
    declared = skaffold_artifacts(graph)
    named = [(stage, dockerfile_names(stage), posixpath.dirname(stage.location.file)) for stage in finals]
    for kind in RUNNING_WORKLOAD_KINDS:
        for workload in graph.resources("kubernetes", kind):
            manifest_dir = posixpath.dirname(workload.location.file)
            for container in containers(workload, ephemeral=False):
                path, image = container.path, container.spec.get("image")
                explicit = by_file.get(declared.get(_repository(image), "")) if isinstance(image, str) else None
                if explicit is not None:
                    graph.add_edge(workload, explicit, "runs", f"{path}.image")
                    continue
                name = image_name(image) if isinstance(image, str) else None
                best = _best(name, manifest_dir, named) if name else None
                if best is not None:
                    graph.add_edge(workload, best, "runs", f"{path}.image")

"""`runs` edges: which Dockerfile builds a workload's image, matched conservatively by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.graph import build_graph
from scanner.graph.images import dockerfile_names, image_name
from scanner.kube import containers
from scanner.parsers import dockerfile, kubernetes
from scanner.records import UnknownValue
from scanner.registry import load_builtin_checks
from tests.conftest import run_scan

DOCKERFILE = "FROM golang:1.22\nRUN go build -o /app .\n\nFROM debian:bookworm-slim\nCOPY --from=0 /app /app\n"


def deployment(name: str, image: str, extra: str = "") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      initContainers:
        - name: migrate
          image: {image}
      containers:
        - name: {name}
          image: {image}
{extra}"""


def runs(manifests: dict[str, str], dockerfiles: dict[str, str]) -> set[tuple[str, str, str]]:
    resources = []
    for rel, text in manifests.items():
        resources += kubernetes.parse(text, rel).resources
    for rel, text in dockerfiles.items():
        resources += dockerfile.parse(text, rel).resources
    graph = build_graph(resources)
    return {
        (graph.get(u).address, graph.get(v).location.file, d["attribute"])
        for u, v, d in graph.graph.edges(data=True)
        if d["kind"] == "runs"
    }


def test_image_name_is_the_last_repository_segment_without_tag_or_digest() -> None:
    assert image_name("us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0") == "hello-app"
    assert image_name("localhost:5000/team/api@sha256:" + "a" * 64) == "api"
    assert image_name("registry.example.com:5000/api") == "api"
    assert image_name("echo-grpc") == "echo-grpc"


def test_official_images_and_templated_references_are_never_linked() -> None:
    assert image_name("nginx") is None
    assert image_name("docker.io/library/redis:7") is None
    assert image_name("$IMAGE") is None
    assert image_name("{{ .Values.image }}") is None
    assert image_name("bitnami/nginx:1.27") == "nginx"  # a namespaced image may be built here


def test_dockerfile_names_come_from_the_title_label_the_file_suffix_or_the_directory() -> None:
    plain = dockerfile.parse(DOCKERFILE, "services/hello-app/Dockerfile").resources[-1]
    assert dockerfile_names(plain) == {"hello-app"}
    suffixed = dockerfile.parse(DOCKERFILE, "docker/Dockerfile.worker").resources[-1]
    assert dockerfile_names(suffixed) == {"worker"}
    labelled = DOCKERFILE + 'LABEL org.opencontainers.image.title="billing-api"\n'
    assert dockerfile_names(dockerfile.parse(labelled, "build/Dockerfile").resources[-1]) == {"billing-api", "build"}


def test_workload_links_to_the_final_stage_of_the_dockerfile_named_like_its_image() -> None:
    edges = runs(
        {"k8s/hello.yaml": deployment("hello", "gcr.io/proj/hello-app:1.0")},
        {"hello-app/Dockerfile": DOCKERFILE, "other/Dockerfile": DOCKERFILE},
    )
    assert edges == {
        ("Deployment/default/hello", "hello-app/Dockerfile", "spec.template.spec.initContainers.0.image"),
        ("Deployment/default/hello", "hello-app/Dockerfile", "spec.template.spec.containers.0.image"),
    }


def test_project_prefixed_image_matches_a_multi_word_directory_but_not_a_one_word_one() -> None:
    edges = runs(
        {"scenarios/db.yaml": deployment("db", "madhuakula/k8s-goat-metadata-db")},
        {"infrastructure/metadata-db/Dockerfile": DOCKERFILE},
    )
    assert {e[1] for e in edges} == {"infrastructure/metadata-db/Dockerfile"}
    assert (
        runs({"k8s/web.yaml": deployment("web", "gcr.io/proj/hello-app:1.0")}, {"app/Dockerfile": DOCKERFILE}) == set()
    )


def test_exact_name_beats_suffix_and_nearest_directory_wins() -> None:
    edges = runs(
        {"databases/qdrant/manifests/chatbot.yaml": deployment("chatbot", "<DOCKER_REPO>/chatbot:1.0")},
        {
            "databases/qdrant/docker/chatbot/Dockerfile": DOCKERFILE,
            "databases/weaviate/docker/chatbot/Dockerfile": DOCKERFILE,
            "databases/qdrant/docker/rag-chatbot/Dockerfile": DOCKERFILE,
        },
    )
    assert {e[1] for e in edges} == {"databases/qdrant/docker/chatbot/Dockerfile"}


def test_equally_likely_dockerfiles_are_ambiguous_and_not_linked() -> None:
    edges = runs(
        {"deploy/api.yaml": deployment("api", "registry.example.com/api:2")},
        {"a/api/Dockerfile": DOCKERFILE, "b/api/Dockerfile": DOCKERFILE},
    )
    assert edges == set()


def test_official_image_does_not_link_to_a_local_directory_of_the_same_name() -> None:
    assert runs({"k8s/proxy.yaml": deployment("proxy", "nginx:1.27")}, {"nginx/Dockerfile": DOCKERFILE}) == set()


def test_containers_of_every_workload_kind_are_found() -> None:
    cronjob = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: registry.example.com/report:1
"""
    resource = kubernetes.parse(cronjob, "cron.yaml").resources[0]
    paths = [c.path for c in containers(resource, ephemeral=False)]
    assert paths == ["spec.jobTemplate.spec.template.spec.containers.0"]


@pytest.mark.corpus
def test_corpus_pairs_of_manifests_and_dockerfiles_are_linked(shared: Path) -> None:
    """Every edge found in kubernetes-goat is one of its real image/Dockerfile pairs."""
    result = run_scan(shared / "corpus" / "madhuakula+kubernetes-goat", checks={"IG-X-001"})
    graph = result.graph
    edges = {
        (graph.get(u).get(d["attribute"]), graph.get(v).location.file)
        for u, v, d in graph.graph.edges(data=True)
        if d["kind"] == "runs"
    }
    assert len(edges) == 11
    for image, path in edges:
        assert image.startswith("madhuakula/k8s-goat-") and image.endswith(path.split("/")[-2]), (image, path)


def cross_findings(manifest: str, docker: str = DOCKERFILE) -> list[tuple[int, list[int]]]:
    resources = kubernetes.parse(manifest, "k8s/app.yaml").resources
    resources += dockerfile.parse(docker, "app/Dockerfile").resources
    graph = build_graph(resources)
    check = load_builtin_checks()["IG-X-001"]
    out = []
    for workload in graph.resources("kubernetes", "Deployment"):
        for fail in check.fn(workload, graph):
            out.append((workload.line_of(fail.attribute), [r.location.start_line for r in fail.related]))
    return sorted(out)


def test_cross_check_points_at_the_image_line_and_relates_the_dockerfile_user_line() -> None:
    image = "registry.example.com/shop/app:1.4.2"
    assert cross_findings(deployment("app", image)) == [(14, [4]), (17, [4])]
    explicit_root = DOCKERFILE + "USER root\n"
    assert cross_findings(deployment("app", image), explicit_root) == [(14, [6]), (17, [6])]


def test_cross_check_accepts_a_pod_level_override_unless_a_container_sets_uid_0() -> None:
    image = "registry.example.com/shop/app:1.4.2"
    pod_level = deployment("app", image).replace(
        "    spec:\n      initContainers:",
        "    spec:\n      securityContext:\n        runAsNonRoot: true\n      initContainers:",
    )
    assert cross_findings(pod_level) == []
    uid0 = pod_level + "          securityContext:\n            runAsUser: 0\n"
    assert [line for line, _ in cross_findings(uid0)] == [19]


def test_cross_check_is_unknown_when_the_image_user_is_only_known_at_build_time() -> None:
    unknown_user = DOCKERFILE + "ARG APP_UID\nUSER ${APP_UID}\n"
    with pytest.raises(UnknownValue, match="APP_UID is only known at build time"):
        cross_findings(deployment("app", "registry.example.com/shop/app:1"), unknown_user)


def test_skaffold_artifact_declares_which_dockerfile_builds_an_image() -> None:
    skaffold = """\
apiVersion: skaffold/v4beta11
kind: Config
metadata: {name: shop}
build:
  artifacts:
    - image: frontend
      context: src/web
      docker:
        dockerfile: build/Dockerfile.prod
    - image: ko-built
      ko: {}
"""
    edges = runs(
        {"skaffold.yaml": skaffold, "k8s/web.yaml": deployment("web", "frontend")},
        {"src/web/build/Dockerfile.prod": DOCKERFILE, "frontend/Dockerfile": DOCKERFILE},
    )
    assert {e[1] for e in edges} == {"src/web/build/Dockerfile.prod"}

"""Discovery: which files are scanned, as what kind, and which are left alone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.discover import classify_content, classify_name, discover
from tests.conftest import run_scan


def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def kinds(root: Path) -> dict[str, str]:
    return {f.rel: f.kind for f in discover([root]).files}


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("main.tf", "terraform"),
        ("main.tf.json", "terraform"),
        ("prod.tfvars", "tfvars"),
        ("prod.tfvars.json", "tfvars"),
        ("Dockerfile", "dockerfile"),
        ("api.Dockerfile", "dockerfile"),
        ("Dockerfile.prod", "dockerfile"),
        ("Dockerfile-alpine", "dockerfile"),
        ("Containerfile", "dockerfile"),
        ("Containerfile.fedora", "dockerfile"),
        ("Dockerfile_web", "dockerfile"),
        ("web.containerfile", "dockerfile"),
        ("Dockerfile.template", "dockerfile template"),
        ("Dockerfile.dockerignore", None),
        ("Dockerfile_notes.md", None),
        ("deploy.yaml", "structured"),
        ("README.md", None),
        ("main.tf.bak", None),
    ],
)
def test_file_names_classify_to_the_expected_kind(name: str, kind: str | None) -> None:
    assert classify_name(name) == kind


def test_gitignore_is_honoured_with_negation_and_nested_files(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.generated.tf\nbuild/\n!keep.generated.tf\n")
    write(tmp_path, "main.tf")
    write(tmp_path, "out.generated.tf")
    write(tmp_path, "keep.generated.tf")
    write(tmp_path, "build/main.tf")
    write(tmp_path, "svc/.gitignore", "local.tf\n")
    write(tmp_path, "svc/local.tf")
    write(tmp_path, "svc/main.tf")
    write(tmp_path, "local.tf")  # the nested .gitignore applies only below svc/
    assert sorted(kinds(tmp_path)) == ["keep.generated.tf", "local.tf", "main.tf", "svc/main.tf"]


def test_terraform_and_node_modules_and_git_directories_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "main.tf")
    write(tmp_path, ".terraform/modules/vpc/main.tf")
    write(tmp_path, "node_modules/pkg/Dockerfile", "FROM node:20\n")
    write(tmp_path, ".git/hooks/main.tf")
    assert list(kinds(tmp_path)) == ["main.tf"]


def test_multi_document_yaml_is_kubernetes_even_when_the_first_document_is_not(tmp_path: Path) -> None:
    write(
        tmp_path,
        "all.yaml",
        "# config\nsettings:\n  debug: true\n---\n" + DEPLOYMENT + "---\n" + DEPLOYMENT.replace("web", "api"),
    )
    assert kinds(tmp_path) == {"all.yaml": "kubernetes"}
    result = run_scan(tmp_path)
    assert [(r.address, r.location.start_line) for r in result.resources] == [
        ("Deployment/default/web", 5),
        ("Deployment/default/api", 16),
    ]


def test_kind_list_yields_one_resource_per_item(tmp_path: Path) -> None:
    items = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        f"  - apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: sa{i}\n" for i in range(3)
    )
    write(tmp_path, "accounts.yml", items)
    result = run_scan(tmp_path)
    assert [r.address for r in result.resources] == [f"ServiceAccount/default/sa{i}" for i in range(3)]


def test_yaml_that_is_not_kubernetes_is_skipped_without_a_word(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml", "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    write(tmp_path, "docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    write(tmp_path, "package.json", '{"name": "web", "version": "1.0.0"}')
    found = discover([tmp_path])
    assert found.files == [] and found.errors == []


def test_helm_chart_templates_are_skipped_with_a_visible_notice_each(tmp_path: Path) -> None:
    write(tmp_path, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    write(tmp_path, "charts/web/values.yaml", "image: nginx:1.27\nreplicas: 2\n")
    write(tmp_path, "charts/web/templates/deployment.yaml", DEPLOYMENT.replace("nginx:1.27", "{{ .Values.image }}"))
    write(tmp_path, "charts/web/templates/tests/connection.yaml", "apiVersion: v1\nkind: Pod\n{{- include \"x\" . }}\n")
    write(tmp_path, "charts/web/templates/NOTES.txt", "Thanks for installing {{ .Chart.Name }}\n")
    found = discover([tmp_path])
    assert found.files == []
    assert [(e.file, e.level) for e in found.errors] == [
        ("charts/web/templates/deployment.yaml", "info"),
        ("charts/web/templates/tests/connection.yaml", "info"),
    ]
    assert "Helm chart template: not scanned" in found.errors[0].message


def test_a_templates_directory_without_chart_yaml_is_ordinary_yaml(tmp_path: Path) -> None:
    write(tmp_path, "templates/deployment.yaml", DEPLOYMENT)
    assert kinds(tmp_path) == {"templates/deployment.yaml": "kubernetes"}


VAULT_AGENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing
  namespace: payments
spec:
  selector:
    matchLabels:
      app: billing
  template:
    metadata:
      labels:
        app: billing
      annotations:
        vault.hashicorp.com/agent-inject: "true"
        vault.hashicorp.com/agent-inject-template-db: |
          {{- with secret "database/creds/billing" -}}
          postgres://{{ .Data.username }}:{{ .Data.password }}@db:5432/billing
          {{- end -}}
    spec:
      containers:
        - name: billing
          image: registry.example.com/billing:2.4.1
          args: ["sh", "-c", "sed -i 's/{{PORT}}/8080/' /etc/app.conf && exec billing"]
          securityContext:
            privileged: true
"""


def test_yaml_with_braces_inside_strings_and_block_scalars_is_scanned(tmp_path: Path) -> None:
    write(tmp_path, "k8s/billing.yaml", VAULT_AGENT)
    result = run_scan(tmp_path, checks={"IG-K8S-001"})
    assert [(f.check_id, f.location.file, f.location.start_line) for f in result.findings] == [
        ("IG-K8S-001", "k8s/billing.yaml", 26)
    ]
    assert result.errors == []


def test_a_dockerfile_with_a_suffix_name_is_scanned_and_a_template_is_a_notice(tmp_path: Path) -> None:
    write(tmp_path, "docker/Dockerfile_web", "FROM nginx:latest\nUSER root\n")
    write(tmp_path, "Containerfile", "FROM registry.access.redhat.com/ubi9/ubi:9.4\nUSER 1001\n")
    write(tmp_path, "Dockerfile.template", "FROM {{ env.base }}\n")
    result = run_scan(tmp_path)
    assert [f.rel for f in result.files] == ["Containerfile", "docker/Dockerfile_web"]
    assert "docker/Dockerfile_web" in {f.location.file for f in result.findings}
    assert [(e.file, e.level) for e in result.errors] == [("Dockerfile.template", "info")]


def test_terraform_plan_json_is_classified_as_tfplan(tmp_path: Path) -> None:
    write(tmp_path, "tfplan.json", '{"format_version": "1.2", "planned_values": {"root_module": {}}}')
    write(tmp_path, "k8s.json", '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}')
    assert kinds(tmp_path) == {"k8s.json": "kubernetes", "tfplan.json": "tfplan"}


def test_content_classification_needs_both_api_version_and_kind() -> None:
    assert classify_content("x.yaml", b"apiVersion: v1\nkind: Pod\n") == "kubernetes"
    assert classify_content("x.yaml", b"apiVersion: v1\n") is None
    assert classify_content("x.yaml", b"kind: Pod\n") is None


def test_symlink_out_of_the_scanned_root_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.tf")
    repo = tmp_path / "repo"
    write(repo, "main.tf")
    os.symlink(outside, repo / "linked", target_is_directory=True)
    assert list(kinds(repo)) == ["main.tf"]


def test_symlinked_file_inside_the_root_is_scanned_once(tmp_path: Path) -> None:
    write(tmp_path, "modules/s3/main.tf")
    os.symlink("modules/s3/main.tf", tmp_path / "alias.tf")
    assert len(discover([tmp_path]).files) == 1


def test_paths_are_relative_to_the_common_root_of_several_arguments(tmp_path: Path) -> None:
    write(tmp_path, "infra/main.tf")
    write(tmp_path, "app/Dockerfile", "FROM python:3.12-slim\n")
    found = discover([tmp_path / "infra", tmp_path / "app" / "Dockerfile"])
    assert found.root == tmp_path.resolve()
    assert [f.rel for f in found.files] == ["app/Dockerfile", "infra/main.tf"]


def test_discovery_order_is_deterministic(tmp_path: Path) -> None:
    for name in ("b.tf", "a.tf", "c/Dockerfile", "A.tf"):
        write(tmp_path, name)
    assert [f.rel for f in discover([tmp_path]).files] == ["A.tf", "a.tf", "b.tf", "c/Dockerfile"]


def test_scanning_through_a_symlinked_directory_keeps_paths_relative(tmp_path: Path) -> None:
    write(tmp_path, "real/infra/main.tf")
    os.symlink(tmp_path / "real", tmp_path / "link", target_is_directory=True)
    found = discover([tmp_path / "link"])
    assert [f.rel for f in found.files] == ["infra/main.tf"]
    assert discover([tmp_path / "link" / "infra" / "main.tf"]).files[0].rel == "main.tf"

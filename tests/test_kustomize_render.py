"""Kustomizations rendered natively: overlays are judged as `kustomize build` would produce them, findings
point at the base line or the patch line that set the value, and a broken or hostile tree is an error,
never a hang or a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

from scanner.evaluate.kustomize import MAX_DEPTH, Renderer, render_kustomizations
from scanner.records import Finding, Resource
from tests.conftest import FIXTURES, run_scan

TREE = FIXTURES / "kustomize-overlays"  # base/, components/tracing/, overlays/staging/, overlays/production/


def line_of(file: Path, text: str) -> int:
    """The 1-based line of the first line of `file` that contains `text`."""
    return next(n for n, line in enumerate(file.read_text().splitlines(), 1) if text in line)


def rendered(directory: str, root: Path = TREE) -> dict[str, Resource]:
    """The objects of one kustomization unit, by address."""
    result = render_kustomizations(root, [f"{directory}/kustomization.yaml"], {})
    assert not [e for e in result.errors if e.level == "error"], result.errors
    return {r.address: r for r in result.resources}


def findings(path: Path, check: str) -> list[Finding]:
    return [f for f in run_scan(path, checks={check}).findings if f.check_id == check]


def where(finding: Finding) -> tuple[str, int]:
    return finding.location.file, finding.location.start_line


def test_an_overlay_applies_namespace_prefix_labels_images_and_components() -> None:
    objects = rendered("overlays/staging")
    deployment = objects["Deployment/billing-staging/staging-billing-api"]
    assert deployment.get("spec.selector.matchLabels") == {"app.kubernetes.io/name": "billing-api"}
    assert deployment.get("spec.template.metadata.labels") == {"app.kubernetes.io/name": "billing-api"}
    assert deployment.get("spec.template.metadata.annotations.team") == "payments"
    api = deployment.get("spec.template.spec.containers.0")
    assert api["image"] == "registry.example.com/payments/billing-api:2.5.0-rc.1"
    assert api["env"] == [{"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://otel-collector.observability:4317"}]
    assert deployment.get("spec.template.spec.serviceAccountName") == "staging-billing-api"
    assert objects["Service/billing-staging/staging-billing-api"].get("spec.selector") == {
        "app.kubernetes.io/name": "billing-api"
    }


def test_a_generated_config_map_gets_a_hash_suffix_and_its_references_follow() -> None:
    objects = rendered("overlays/production")
    (config_map,) = [r for r in objects.values() if r.type == "ConfigMap"]
    assert config_map.kubernetes.name.startswith("billing-settings-") and len(config_map.kubernetes.name) == 27
    assert config_map.get("data") == {"LOG_LEVEL": "info", "SETTLEMENT_CURRENCY": "EUR"}
    deployment = objects["Deployment/billing-production/billing-api"]
    assert deployment.get("spec.template.spec.containers.0.envFrom.0.configMapRef.name") == config_map.kubernetes.name
    assert deployment.get("spec.replicas") == 6
    # the same data gives the same name in every build
    assert rendered("overlays/staging").keys() >= {f"ConfigMap/billing-staging/staging-{config_map.kubernetes.name}"}


def test_a_value_set_by_an_inline_json_patch_points_at_the_patch_with_the_overlay_chain() -> None:
    (finding,) = findings(TREE, "IG-K8S-009")
    overlay = TREE / "overlays/staging/kustomization.yaml"
    assert where(finding) == (str(overlay.relative_to(TREE)), line_of(overlay, "- op: replace"))
    trace = [(t.file, t.start_line) for t in finding.trace]
    assert trace == [
        ("overlays/staging/kustomization.yaml", line_of(overlay, "- op: replace")),
        ("base/kustomization.yaml", line_of(TREE / "base/kustomization.yaml", "- deployment.yaml")),
        ("overlays/staging/kustomization.yaml", line_of(overlay, "- ../../base")),
    ]


def test_a_value_set_by_a_strategic_merge_patch_file_points_at_its_line() -> None:
    (finding,) = findings(TREE, "IG-K8S-007")
    patch = TREE / "overlays/production/profiling-patch.yaml"
    assert where(finding) == ("overlays/production/profiling-patch.yaml", line_of(patch, "SYS_PTRACE"))
    assert finding.resource.address == "Deployment/billing-production/billing-api"


def test_a_base_value_that_no_overlay_changes_is_reported_once() -> None:
    (finding,) = findings(TREE, "IG-K8S-011")
    assert where(finding) == ("base/deployment.yaml", line_of(TREE / "base/deployment.yaml", "fluent-bit:latest"))


def test_patch_files_bases_and_components_are_not_judged_alone() -> None:
    result = run_scan(TREE)
    assert result.resources and all(r.kubernetes.kustomization.startswith("overlays/") for r in result.resources)
    assert not result.errors


def test_graph_edges_join_renamed_objects_of_the_rendered_overlay() -> None:
    result = run_scan(TREE)
    ingress = next(r for r in result.resources if r.address == "Ingress/billing-staging/staging-billing-api")
    service = next(r for r in result.resources if r.address == "Service/billing-staging/staging-billing-api")
    assert result.graph is not None and result.graph.edge_attributes(ingress, service, "routes")
    assert not [f for f in result.findings if f.check_id in ("IG-K8S-022", "IG-K8S-023")]


def test_strategic_merge_uses_the_kubernetes_merge_keys(tmp_path: Path) -> None:
    shutil.copytree(TREE / "base", tmp_path / "base")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text("resources:\n  - ../base\npatches:\n  - path: patch.yaml\n")
    (overlay / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing-api\nspec:\n  template:\n    spec:\n"
        "      containers:\n"
        "        - name: log-shipper\n          $patch: delete\n"
        "        - name: api\n"
        "          ports:\n            - containerPort: 9090\n              name: metrics\n"
        "          envFrom: null\n"
        "          volumeMounts:\n            - mountPath: /tmp\n              name: scratch\n"
        "      volumes:\n        - name: scratch\n          emptyDir: {}\n"
    )
    deployment = rendered("overlay", tmp_path)["Deployment/default/billing-api"]
    (api,) = deployment.get("spec.template.spec.containers")
    assert api["ports"] == [{"containerPort": 8080}, {"containerPort": 9090, "name": "metrics"}]
    assert "envFrom" not in api and api["securityContext"]["readOnlyRootFilesystem"] is True
    assert deployment.file_of("spec.template.spec.containers.0.ports.1.name") == "overlay/patch.yaml"
    assert deployment.file_of("spec.template.spec.containers.0.image") == "base/deployment.yaml"
    assert deployment.line_of("spec.template.spec.containers.0.image") == line_of(
        TREE / "base/deployment.yaml", "billing-api:2.4.0"
    )


def test_a_json_patch_that_inserts_into_a_list_keeps_the_lines_of_the_items_after_it(tmp_path: Path) -> None:
    shutil.copytree(TREE / "base", tmp_path / "base")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources:\n  - ../base\npatchesJson6902:\n"
        "  - target: {group: apps, version: v1, kind: Deployment, name: billing-api}\n"
        "    path: add-init.yaml\n"
    )
    (overlay / "add-init.yaml").write_text(
        "- op: add\n  path: /spec/template/spec/containers/0\n  value:\n    name: migrate\n    image: busybox:1.36\n"
    )
    deployment = rendered("overlay", tmp_path)["Deployment/default/billing-api"]
    assert [c["name"] for c in deployment.get("spec.template.spec.containers")] == ["migrate", "api", "log-shipper"]
    assert deployment.location_of("spec.template.spec.containers.0.image").file == "overlay/add-init.yaml"
    assert deployment.location_of("spec.template.spec.containers.2.image").start_line == line_of(
        TREE / "base/deployment.yaml", "fluent-bit:latest"
    )


def test_a_kustomization_cycle_is_an_error_and_the_rest_of_the_scan_continues(tmp_path: Path) -> None:
    for name, other in (("east", "west"), ("west", "east")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(f"resources:\n  - ../{other}\n  - app.yaml\n")
        shutil.copy(TREE / "base/serviceaccount.yaml", tmp_path / name / "app.yaml")
    (tmp_path / "top").mkdir()
    (tmp_path / "top" / "kustomization.yaml").write_text("resources:\n  - ../east\n")
    shutil.copy(TREE / "base/service.yaml", tmp_path / "service.yaml")
    result = run_scan(tmp_path)
    assert [e.message for e in result.errors if "cycle" in e.message]
    assert "Service/default/billing-api" in {r.address for r in result.resources}


def test_nesting_deeper_than_the_limit_is_an_error_not_a_hang(tmp_path: Path) -> None:
    for level in range(MAX_DEPTH + 2):
        directory = tmp_path / f"level{level}"
        directory.mkdir()
        nested = f"  - ../level{level + 1}\n" if level <= MAX_DEPTH else ""
        (directory / "kustomization.yaml").write_text(f"resources:\n{nested}")
    result = render_kustomizations(tmp_path, ["level0/kustomization.yaml"], {})
    assert [e for e in result.errors if "deeper than" in e.message] and not result.resources


def test_a_remote_base_is_a_notice_and_a_missing_file_an_error_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - https://github.com/example/platform//base?ref=v1.2.0\n  - service.yaml\n"
    )
    shutil.copy(TREE / "base/service.yaml", tmp_path / "service.yaml")
    result = render_kustomizations(tmp_path, ["kustomization.yaml"], {})
    assert [(e.line, e.level) for e in result.errors] == [(2, "info")]
    assert [r.address for r in result.resources] == ["Service/default/billing-api"]
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - service.yaml\n  - deployment.yaml\n")
    result = render_kustomizations(tmp_path, ["kustomization.yaml"], {})
    assert [(e.file, e.line, e.level) for e in result.errors] == [("kustomization.yaml", 3, "error")]
    assert "deployment.yaml not found" in result.errors[0].message


def test_nothing_outside_the_scan_root_is_read(tmp_path: Path) -> None:
    (tmp_path / "outside.yaml").write_text((TREE / "base/service.yaml").read_text())
    root = tmp_path / "repo"
    root.mkdir()
    (root / "kustomization.yaml").write_text("resources:\n  - ../outside.yaml\n")
    result = render_kustomizations(root, ["kustomization.yaml"], {})
    assert "outside the scanned root" in result.errors[0].message and not result.resources


def test_a_secret_generator_encodes_its_data_and_hashes_its_name(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text(
        "secretGenerator:\n  - name: smtp\n    envs: [smtp.env]\n    type: Opaque\n"
        "generatorOptions:\n  labels:\n    app.kubernetes.io/part-of: mailer\n"
    )
    (tmp_path / "smtp.env").write_text("# relay credentials\nSMTP_USER=mailer\nSMTP_HOST=smtp.example.com\n")
    renderer = Renderer(tmp_path, {})
    (secret,) = renderer.build("").objects
    assert secret.data["data"] == {"SMTP_USER": "bWFpbGVy", "SMTP_HOST": "c210cC5leGFtcGxlLmNvbQ=="}
    assert secret.data["metadata"]["labels"] == {"app.kubernetes.io/part-of": "mailer"}
    assert secret.name.startswith("smtp-") and not set(secret.name[5:]) & set("013ae")


def test_a_patch_file_that_patches_nothing_in_the_unit_is_judged_alone_as_a_fragment(tmp_path: Path) -> None:
    # the Deployment it patches comes from a file this checkout does not have (a generated install.yaml)
    shutil.copy(TREE / "base/service.yaml", tmp_path / "service.yaml")
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - service.yaml\npatches:\n  - path: debug.yaml\n")
    (tmp_path / "debug.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: billing-api\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: api\n          securityContext:\n            privileged: true\n"
    )
    (finding,) = findings(tmp_path, "IG-K8S-001")
    assert where(finding) == ("debug.yaml", 11)

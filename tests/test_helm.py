"""Helm charts rendered offline (iacgate[helm]): findings in the template that wrote the value, with the
values line that set it as the trace; a chart that fails to render is an error naming its template; without
the extra every chart is a visible notice."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.records import Finding
from tests.conftest import FIXTURES, run_scan

CHARTS = FIXTURES / "helm"  # storefront/ (a vendored redis subchart, values-debug.yaml), inventory/ (fails)
needs_helm = pytest.mark.skipif(
    importlib.util.find_spec("helm_python") is None, reason="iacgate[helm] is not installed"
)


def line_of(file: Path, text: str) -> int:
    return next(n for n, line in enumerate(file.read_text().splitlines(), 1) if text in line)


@pytest.fixture
def charts(tmp_path: Path) -> Path:
    shutil.copytree(CHARTS, tmp_path / "charts")
    return tmp_path


def where(finding: Finding) -> tuple[str, int]:
    return finding.location.file, finding.location.start_line


@needs_helm
def test_a_chart_renders_with_its_default_values_and_its_vendored_subchart(charts: Path) -> None:
    result = run_scan(charts, checks={"IG-K8S-001", "IG-K8S-009", "IG-K8S-014"})
    assert {r.address for r in result.resources} == {
        "Deployment/default/storefront-storefront",
        "Service/default/storefront-storefront",
        "StatefulSet/default/storefront-redis",
    }
    redis = CHARTS / "storefront/charts/redis/templates/statefulset.yaml"
    assert [(f.check_id, *where(f)) for f in result.findings] == [
        ("IG-K8S-009", "charts/storefront/charts/redis/templates/statefulset.yaml", line_of(redis, "- name: redis"))
    ]  # debug.enabled is false and the Service is ClusterIP by default


@needs_helm
def test_a_values_file_override_is_traced_to_its_line_and_the_template_line(charts: Path) -> None:
    debug = charts / "charts/storefront/values-debug.yaml"
    result = run_scan(charts, checks={"IG-K8S-001", "IG-K8S-014"}, helm_values={"storefront": [debug]})
    found = {f.check_id: f for f in result.findings}
    template = CHARTS / "storefront/templates/deployment.yaml"
    privileged = found["IG-K8S-001"]
    assert where(privileged) == ("charts/storefront/templates/deployment.yaml", line_of(template, "privileged: true"))
    # the literal line is written only under `if .Values.debug.enabled`: that is the value to change
    assert [(t.file, t.start_line) for t in privileged.trace] == [
        ("charts/storefront/values-debug.yaml", line_of(debug, "enabled: true"))
    ]
    exposed = found["IG-K8S-014"]
    service = CHARTS / "storefront/templates/service.yaml"
    assert where(exposed) == ("charts/storefront/templates/service.yaml", line_of(service, "type:"))
    assert [(t.file, t.start_line) for t in exposed.trace] == [
        ("charts/storefront/values-debug.yaml", line_of(debug, "type: NodePort"))
    ]


@needs_helm
def test_a_value_from_a_toyaml_block_is_traced_to_its_key_in_values_yaml(charts: Path) -> None:
    values = charts / "charts/storefront/values.yaml"
    values.write_text(values.read_text().replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"))
    (finding,) = [
        f for f in run_scan(charts, checks={"IG-K8S-009"}).findings if "storefront/templates" in f.location.file
    ]
    template = CHARTS / "storefront/templates/deployment.yaml"
    assert where(finding) == ("charts/storefront/templates/deployment.yaml", line_of(template, "toYaml"))
    assert [(t.file, t.start_line) for t in finding.trace] == [
        ("charts/storefront/values.yaml", line_of(values, "readOnlyRootFilesystem"))
    ]


@needs_helm
def test_a_chart_that_fails_to_render_is_an_error_at_its_template_and_the_scan_continues(charts: Path) -> None:
    result = run_scan(charts)
    (error,) = [e for e in result.errors if e.level == "error"]
    assert (error.file, error.line) == ("charts/inventory/templates/deployment.yaml", 17)
    assert "chart charts/inventory not rendered" in error.message and "image is required" in error.message
    assert "Deployment/default/storefront-storefront" in {r.address for r in result.resources}
    # the rendered chart's templates are no longer "not scanned"; the failed one's still are
    assert {e.file for e in result.errors if e.level == "info"} == {"charts/inventory/templates/deployment.yaml"}


def test_without_the_extra_each_chart_is_one_visible_notice(charts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scanner.evaluate.helm.available", lambda: False)
    run = CliRunner().invoke(main, ["scan", str(charts), "--no-cache", "--format", "json"])
    notices = [(e["file"], e["message"], e["level"]) for e in json.loads(run.stdout)["errors"]]
    assert notices == [
        ("charts/inventory/Chart.yaml", "chart charts/inventory not rendered: install iacgate[helm]", "info"),
        ("charts/storefront/Chart.yaml", "chart charts/storefront not rendered: install iacgate[helm]", "info"),
    ]


def test_helm_values_needs_chart_equals_an_existing_file(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["scan", str(tmp_path), "--helm-values", "storefront=missing.yaml"])
    assert run.exit_code == 2 and "CHART=FILE" in run.output


@needs_helm
def test_values_files_from_the_configuration_file_render_like_the_flag(charts: Path) -> None:
    (charts / ".iacgate.yaml").write_text(
        "helm:\n  values:\n    charts/storefront: [charts/storefront/values-debug.yaml]\n"
    )
    run = CliRunner().invoke(main, ["scan", str(charts), "--no-cache", "--root", str(charts), "--format", "json"])
    found = {(f["check_id"], f["location"]["file"]) for f in json.loads(run.output)["findings"]}
    assert ("IG-K8S-001", "charts/storefront/templates/deployment.yaml") in found


def test_helm_values_of_a_repository_configuration_stay_inside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "outside.yaml").write_text("debug:\n  enabled: true\n")
    (repo / ".iacgate.yaml").write_text("helm:\n  values:\n    storefront: [../outside.yaml]\n")
    run = CliRunner().invoke(main, ["scan", str(repo), "--no-cache", "--root", str(repo)])
    assert run.exit_code == 2 and "outside the repository" in run.output

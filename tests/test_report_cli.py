"""CLI wiring of the reports: several --format/--output pairs, --sarif-category, generated check docs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.docs import (
    DOCS_FILE,
    README_FILE,
    anchor,
    count_summary,
    next_free_id,
    render_checks_markdown,
    with_counts,
)
from scanner.docs import main as docs_main
from scanner.registry import load_builtin_checks
from tests.reporting import PROJECT


def _scan(*args: str) -> tuple[int, str]:
    run = CliRunner().invoke(main, ["scan", "--no-cache", "--workers", "1", str(PROJECT), *args])
    return run.exit_code, run.output


def test_several_formats_are_written_in_one_run_and_the_unpaired_one_goes_to_stdout(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    code, output = _scan(
        "--format", "sarif", "--output", str(sarif), "--format", "junit", "-o", str(junit), "--format", "console"
    )
    assert code == 1
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    assert ET.parse(junit).getroot().tag == "testsuites"
    assert "Summary:" in output and not output.lstrip().startswith("{")


def test_a_single_output_without_format_writes_the_console_report(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    code, output = _scan("--output", str(target))
    assert code == 1 and output == ""
    assert "Summary:" in target.read_text()


def test_two_reports_to_stdout_is_a_usage_error() -> None:
    code, output = _scan("--format", "json", "--format", "sarif")
    assert code == 2 and "only one report can go to stdout" in output


def test_more_outputs_than_formats_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _scan("--format", "json", "-o", str(tmp_path / "a"), "-o", str(tmp_path / "b"))
    assert code == 2 and "2 outputs for 1 formats" in output


def test_sarif_category_sets_the_run_automation_id() -> None:
    code, output = _scan("--format", "sarif", "--sarif-category", "iacgate/terraform")
    assert code == 1
    assert json.loads(output)["runs"][0]["automationDetails"] == {"id": "iacgate/terraform/"}


def test_docs_url_option_moves_every_check_link(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    code, output = _scan(
        "--docs-url",
        "https://docs.example.com/iacgate/checks",
        "--format",
        "sarif",
        "-o",
        str(sarif),
        "--format",
        "markdown",
    )
    assert code == 1
    rules = json.loads(sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in rules}["IG-AWS-001"] == "https://docs.example.com/iacgate/checks#ig-aws-001"
    assert all(r["helpUri"].startswith("https://docs.example.com/iacgate/checks#") for r in rules)
    assert "(https://docs.example.com/iacgate/checks#ig-aws-001)" in output


def test_markdown_links_point_into_the_github_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/site")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(PROJECT.parent))
    code, output = _scan("--format", "markdown")
    assert code == 1
    assert "(https://github.com/acme/site/blob/0123abc/project/main.tf#L28)" in output


def test_committed_check_docs_match_the_registry() -> None:
    """docs/checks.md is generated; regenerate with `python -m scanner.docs` after changing checks."""
    assert DOCS_FILE.read_text(encoding="utf-8") == render_checks_markdown(load_builtin_checks().values())


def test_check_docs_have_a_linked_section_per_check_with_its_example() -> None:
    checks = load_builtin_checks()
    text = render_checks_markdown(checks.values())
    for check in checks.values():
        assert f"\n### {check.id}\n" in text and f"(#{anchor(check.id)})" in text
        assert check.remediation in text and check.cwe in text
        if check.example:
            assert check.example in text


def test_checks_command_prints_the_docs_and_the_generator_detects_stale_files(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["checks", "--format", "markdown"])
    assert run.exit_code == 0 and run.output == render_checks_markdown(load_builtin_checks().values())
    stale, readme = tmp_path / "checks.md", tmp_path / "README.md"
    stale.write_text("# old\n")
    readme.write_text("# x\n\n<!-- check-counts -->\n3 checks\n<!-- /check-counts -->\nmore\n")
    files = ["--output", str(stale), "--readme", str(readme)]
    assert docs_main([*files, "--check"]) == 1
    assert docs_main(files) == 0
    assert docs_main([*files, "--check"]) == 0
    assert stale.read_text() == run.output
    assert readme.read_text() == f"# x\n\n<!-- check-counts -->\n{count_summary(load_builtin_checks().values())}\n"\
        "<!-- /check-counts -->\nmore\n"


def test_readme_states_the_registry_check_counts() -> None:
    """The README's counts are generated too (`python -m scanner.docs`), so they are never stale."""
    readme = README_FILE.read_text(encoding="utf-8")
    assert readme == with_counts(readme, count_summary(load_builtin_checks().values()))


def test_next_free_id_follows_the_highest_registered_or_retired_id() -> None:
    assert next_free_id("AWS", ["IG-AWS-001", "IG-AWS-007", "IG-K8S-099"]) == "IG-AWS-008"
    assert next_free_id("NEW", []) == "IG-NEW-001"

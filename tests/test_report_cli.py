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
    run = CliRunner().invoke(main, ["scan", "--no-cache", "--workers", "1", str(PROJECT), "--output", str(target)])
    assert run.exit_code == 1 and run.stdout == ""
    assert "Summary:" in target.read_text()


def test_reports_only_to_files_leave_a_one_line_summary_on_the_terminal(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    run = CliRunner().invoke(
        main, ["scan", "--no-cache", str(PROJECT), "--format", f"sarif:{sarif}", "--format", f"junit:{junit}"]
    )
    assert run.exit_code == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("iacgate: 4 files, 22 findings (13 blocking at low or above)")
    assert run.stderr.rstrip().endswith("the gate fails")


def test_a_report_on_stdout_gets_no_extra_summary_line(tmp_path: Path) -> None:
    run = CliRunner().invoke(main, ["scan", "--no-cache", str(PROJECT), "--format", "json", "-o", "-"])
    assert json.loads(run.stdout)["summary"]["files"] == 4
    assert "iacgate:" not in run.stderr


def test_format_with_its_file_pairs_without_relying_on_order(tmp_path: Path) -> None:
    sarif = tmp_path / "x.sarif"
    code, output = _scan("--format", "console", "--format", f"sarif:{sarif}")
    assert code == 1 and "Summary:" in output
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_an_output_after_a_later_format_is_refused_as_ambiguous(tmp_path: Path) -> None:
    sarif = tmp_path / "x.sarif"
    code, output = _scan("--format", "console", "--format", "sarif", "-o", str(sarif))
    assert code == 2
    assert "ambiguous" in output and "console report" in output and f"--format FORMAT:{sarif}" in output
    assert not sarif.exists()


def test_each_output_right_after_its_format_keeps_working(tmp_path: Path) -> None:
    """The GitHub Action's spelling: SARIF to a file, markdown to stdout."""
    sarif = tmp_path / "x.sarif"
    code, output = _scan("--format", "sarif", "--output", str(sarif), "--sarif-category", "ci", "--format", "markdown")
    assert code == 1 and output.startswith("## iacgate")
    assert json.loads(sarif.read_text())["version"] == "2.1.0"


def test_as_many_outputs_as_formats_pair_in_order_as_before(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "a.sarif", tmp_path / "b.xml"
    code, _ = _scan("--format", "sarif", "--format", "junit", "-o", str(sarif), "-o", str(junit))
    assert code == 1
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert ET.parse(junit).getroot().tag == "testsuites"


def test_an_unknown_format_before_its_file_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _scan("--format", f"html:{tmp_path / 'x.html'}")
    assert code == 2 and "'html' is not one of" in output


def test_two_reports_to_stdout_is_a_usage_error() -> None:
    code, output = _scan("--format", "json", "--format", "sarif")
    assert code == 2 and "only one report can go to stdout" in output


def test_more_outputs_than_formats_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _scan("--format", "json", "-o", str(tmp_path / "a"), "-o", str(tmp_path / "b"))
    assert code == 2 and "2 outputs for 1 formats without a file" in output


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
    code, output = _scan("--format", "markdown", "--root", str(PROJECT.parent))  # the checkout's top
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

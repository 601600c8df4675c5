"""Documentation that is true: every option in the README's table, every format in docs/reports.md,
whole command descriptions in `iacgate --help`, and the markdown report saying where the rest is."""

from __future__ import annotations

import re
from pathlib import Path

import click
from click.testing import CliRunner

from scanner.cli import main
from scanner.report import FORMATS

REPO = Path(__file__).resolve().parent.parent
PUBLIC_BUCKET = 'resource "aws_s3_bucket" "site_{n}" {{\n  bucket = "shop-site-{n}"\n  acl    = "public-read"\n}}\n\n'


def test_help_shows_each_commands_whole_description_at_80_columns() -> None:
    text = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    commands = text.split("Commands:", 1)[1]
    assert "..." not in commands
    group = main
    assert isinstance(group, click.Group)
    for name, command in group.commands.items():
        assert f"{name}  " in commands and command.get_short_help_str(limit=1000) in commands


def test_every_scan_option_is_in_the_readme_option_table() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("`iacgate scan` options", 1)[1].split("### Exit status", 1)[0]
    scan = main.commands["scan"]  # type: ignore[attr-defined]
    options = {opt for param in scan.params for opt in param.opts + param.secondary_opts if opt.startswith("--")}
    missing = sorted(opt for opt in options - {"--help"} if f"`{opt}" not in table and f" {opt}" not in table)
    assert not missing, f"options missing from the README's table: {missing}"
    assert "`--docs-url URL`" in table


def test_every_format_is_documented_in_reports_md_and_the_readme() -> None:
    reports = (REPO / "docs" / "reports.md").read_text()
    readme = (REPO / "README.md").read_text()
    rows = set(re.findall(r"^\| `([a-z-]+)`", reports, flags=re.MULTILINE))
    assert set(FORMATS) <= rows
    assert all(f"`{fmt}`" in readme for fmt in FORMATS)


def test_reports_md_says_junit_has_a_passing_case_per_check_without_findings() -> None:
    reports = (REPO / "docs" / "reports.md").read_text()
    junit = next(line for line in reports.splitlines() if line.startswith("| `junit`"))
    assert "one passing testcase `no findings` for a check that judged resources and found nothing" in junit


def test_markdown_names_the_report_file_that_lists_the_rest(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("IACGATE_FULL_REPORT", raising=False)
    root = tmp_path / "shop"
    root.mkdir()
    (root / "main.tf").write_text("".join(PUBLIC_BUCKET.format(n=n) for n in range(30)))
    sarif = tmp_path / "all.sarif"
    args = [
        "scan",
        str(root),
        "--no-cache",
        "--check",
        "IG-AWS-001",
        "--format",
        f"sarif:{sarif}",
        "--format",
        "markdown",
    ]
    run = CliRunner().invoke(main, args)
    assert f"…and 5 more: all 30 are in `{sarif}` (sarif)." in run.stdout
    monkeypatch.setenv("IACGATE_FULL_REPORT", "the `iacgate-report` artifact of this workflow run (SARIF)")
    run = CliRunner().invoke(main, args)
    assert "…and 5 more: all 30 are in the `iacgate-report` artifact of this workflow run (SARIF)." in run.stdout

"""The console people read: fits the terminal, colour per NO_COLOR/FORCE_COLOR, progress only on a
terminal and through every stage, a fix and a link next to each finding, summaries that add up."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.kube import containers
from scanner.records import Location, Resource
from scanner.registry import Selection
from scanner.report import ReportContext, renderer
from scanner.report.console import first_sentence, wants_color
from scanner.scan import ScanOptions, scan
from tests.conftest import run_scan

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LONG_MESSAGE_BUCKETS = "".join(
    f'resource "aws_s3_bucket" "customer_uploads_for_the_marketing_campaign_{n}" {{\n'
    f'  bucket = "acme-customer-uploads-{n}"\n  acl    = "public-read-write"\n}}\n\n'
    for n in range(3)
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "main.tf").write_text(LONG_MESSAGE_BUCKETS)
    return root


def run_in_terminal(args: list[str], columns: int, env: dict[str, str]) -> str:
    """iacgate with stdout and stderr on a pseudo-terminal of `columns` columns, as a person runs it."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")}
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environ, "TERM": "xterm-256color", **env},
        close_fds=True,
    )
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def visible_lines(text: str) -> list[str]:
    """The lines as the terminal shows them: escape sequences and progress redraws removed."""
    return [ANSI.sub("", line.split("\r")[-1]) for line in text.split("\n")]


@pytest.mark.parametrize("columns", [80, 200])
@pytest.mark.parametrize("no_color", [None, "1"])
def test_console_fits_the_terminal_with_and_without_colour(project: Path, columns: int, no_color: str | None) -> None:
    env = {"NO_COLOR": no_color} if no_color else {}
    text = run_in_terminal(["scan", str(project), "--no-cache", "--check", "IG-AWS-001"], columns, env)
    lines = visible_lines(text)
    assert "Summary: scanned 1 file" in text, text
    assert max(len(line) for line in lines) <= columns, [line for line in lines if len(line) > columns]
    finding = next(n for n, line in enumerate(lines) if "IG-AWS-001 line 3" in line)
    if columns == 80:  # the long message wraps between words, under the message, not at column 0
        assert lines[finding].endswith(("'public-read-write':", "objects", "are", "readable", "by", "anyone"))
        assert lines[finding + 1].startswith(" " * 11) and lines[finding + 1][11] != " "
    else:
        assert "aws_s3_bucket.customer_uploads_for_the_marketing_campaign_0" in lines[finding + 1]
        assert lines[finding].endswith("objects are readable by anyone")
    assert any(
        line.strip() == "https://github.com/iacgate/iacgate/blob/main/docs/checks.md#ig-aws-001"
        or line.endswith(
            "S3 bucket ACL grants public access: https://github.com/iacgate/iacgate/blob/main/docs/checks.md#ig-aws-001"
        )
        for line in lines
    )
    report = text[text.index("main.tf") :]  # after the progress display (which moves the cursor)
    assert bool(re.search(r"\x1b\[[0-9;]*m", report)) is (no_color is None)


def test_force_color_colours_a_piped_console_and_no_color_wins(project: Path) -> None:
    args = [sys.executable, "-m", "scanner.cli", "scan", str(project), "--no-cache", "--check", "IG-AWS-001"]
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    plain = subprocess.run(args, capture_output=True, text=True, env=environ)
    forced = subprocess.run(args, capture_output=True, text=True, env={**environ, "FORCE_COLOR": "1"})
    both = subprocess.run(args, capture_output=True, text=True, env={**environ, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in plain.stdout and "\x1b[" in forced.stdout and "\x1b[" not in both.stdout
    assert "parse" not in plain.stderr and "\x1b[" not in plain.stderr  # no progress when not on a terminal
    assert ANSI.sub("", forced.stdout) == plain.stdout
    assert not wants_color(True, {"NO_COLOR": "1"}) and wants_color(True, {"NO_COLOR": ""})
    assert wants_color(False, {"FORCE_COLOR": "0"}) and not wants_color(False, {"FORCE_COLOR": ""})


def test_progress_reports_every_stage_in_order(project: Path) -> None:
    stages: list[str] = []

    def progress(stage: str, done: int, total: int) -> None:
        if not stages or stages[-1] != stage:
            stages.append(stage)

    scan(ScanOptions(paths=[project], selection=Selection(only={"IG-AWS-001"}), workers=1), progress)
    assert stages == ["parse", "evaluate", "graph", "checks", "filter"]


def test_each_finding_shows_its_check_fix_and_docs_link_unless_compact(project: Path) -> None:
    full = CliRunner().invoke(
        main,
        ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--docs-url", "https://docs.example.com/checks"],
    )
    assert "S3 bucket ACL grants public access: https://docs.example.com/checks#ig-aws-001" in full.output
    assert 'fix: Use `acl = "private"` (or drop the ACL and rely on bucket ownership controls)' in full.output
    compact = CliRunner().invoke(main, ["scan", str(project), "--no-cache", "--check", "IG-AWS-001", "--compact"])
    assert "fix:" not in compact.output and "docs.example.com" not in compact.output
    assert compact.output.count("IG-AWS-001 line") == 3


def test_a_finding_and_its_resource_address_are_printed_once(project: Path) -> None:
    result = run_scan(project, checks={"IG-AWS-001"})
    result.findings.append(result.findings[0])  # reported twice
    text = renderer("console")(result, ReportContext())
    address = "aws_s3_bucket.customer_uploads_for_the_marketing_campaign_0"
    assert text.count(f"{address}\n") == 1 and text.count("IG-AWS-001 line 3:") == 1


def test_first_sentence_is_the_one_line_fix() -> None:
    assert first_sentence("Set `a = 1`. Then restart.\nMore.") == "Set `a = 1`."
    assert first_sentence("Use version 1.2.3 or later") == "Use version 1.2.3 or later"


def test_unnamed_containers_are_named_by_their_list_and_index() -> None:
    pod = Resource(
        "kubernetes",
        "Pod",
        "Pod.shop.api",
        {"spec": {"containers": [{"name": "api", "image": "a"}, {"image": "b"}], "initContainers": [{"image": "c"}]}},
        Location("pod.yaml", 1),
    )
    labels = [c.label for c in containers(pod)]
    assert "container 'api'" in labels and "unnamed container containers[1]" in labels
    assert "unnamed init container initContainers[0]" in labels


def test_checks_listing_fits_the_width_it_is_given() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    run = subprocess.run(
        [sys.executable, "-m", "scanner.cli", "checks"],
        capture_output=True,
        text=True,
        env={**environ, "COLUMNS": "100"},
    )
    assert run.returncode == 0 and "IG-AWS-001" in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 100

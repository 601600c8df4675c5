"""Finding fingerprints name the problem, not its line: they survive unrelated edits."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from scanner.fingerprint import assign_fingerprints, fingerprint
from scanner.report import ReportContext
from scanner.report.sarif import render
from tests.conftest import run_scan
from tests.reporting import PROJECT


def _prints(root: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """(file, resource) -> (fingerprint, line) of every finding."""
    return {
        (f.location.file, f.resource.address): (f.fingerprint, f.location.start_line)
        for f in run_scan(root, checks={"IG-AWS-001"}).findings
    }


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    return root


def test_every_finding_gets_a_fingerprint_in_the_pipeline(tmp_path: Path) -> None:
    findings = run_scan(_project(tmp_path), checks={"IG-AWS-001"}).findings
    assert findings
    for f in findings:
        assert f.fingerprint == fingerprint(f)
        assert len(f.fingerprint) == 32 and int(f.fingerprint, 16) >= 0
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_fingerprints_survive_lines_inserted_above_the_finding(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _prints(root)
    main = root / "main.tf"
    header = '# Owned by the web team.\n# Reviewed 2026-11.\n\nlocals {\n  region = "eu-west-1"\n}\n\n'
    main.write_text(header + main.read_text(encoding="utf-8"), encoding="utf-8")
    after = _prints(root)
    assert after.keys() == before.keys()
    for (file, address), (print_before, line_before) in before.items():
        shift = 7 if file == "main.tf" else 0
        assert after[(file, address)] == (print_before, line_before + shift)
    assert any(file == "main.tf" for file, _ in before)


def test_fingerprints_survive_reordered_blocks_and_files(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _prints(root)
    main = root / "main.tf"
    blocks = re.split(r"\n(?=resource |module )", main.read_text(encoding="utf-8"))
    main.write_text("\n".join(block.rstrip("\n") + "\n" for block in reversed(blocks)), encoding="utf-8")
    # a new file that sorts first changes the order findings are produced and reported in
    (root / "a_first.tf").write_text('resource "aws_s3_bucket" "aaa" {\n  acl = "public-read"\n}\n', encoding="utf-8")
    after = _prints(root)
    moved = {key: value for key, value in after.items() if key in before}
    assert {key: fp for key, (fp, _) in moved.items()} == {key: fp for key, (fp, _) in before.items()}
    assert any(moved[key][1] != before[key][1] for key in before), "the reorder should have moved lines"


def test_sarif_line_hash_is_unchanged_when_lines_move(tmp_path: Path) -> None:
    root = _project(tmp_path)

    def hashes() -> set[str]:
        log = json.loads(render(run_scan(root, checks={"IG-AWS-001"}), ReportContext()))
        return {r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"]}

    before = hashes()
    main = root / "main.tf"
    main.write_text("\n\n\n" + main.read_text(encoding="utf-8"), encoding="utf-8")
    assert hashes() == before


def test_fingerprint_changes_with_the_resource_the_attribute_or_the_check(tmp_path: Path) -> None:
    [finding, *_] = run_scan(_project(tmp_path), checks={"IG-AWS-001"}).findings
    original = fingerprint(finding)
    finding.attribute = "grant"
    assert fingerprint(finding) != original
    finding.attribute, finding.check_id = "acl", "IG-AWS-002"
    assert fingerprint(finding) != original
    finding.check_id = "IG-AWS-001"
    assert fingerprint(finding) == original


def test_identical_findings_are_told_apart_by_an_occurrence_suffix(tmp_path: Path) -> None:
    findings = run_scan(_project(tmp_path), checks={"IG-AWS-001"}).findings
    first = findings[0]
    twin = type(first)(**{**first.__dict__, "message": first.message + " (again)", "fingerprint": ""})
    pair = [twin, first]
    assign_fingerprints(pair)
    assert first.fingerprint == fingerprint(first)
    assert twin.fingerprint == f"{fingerprint(first)}:2"

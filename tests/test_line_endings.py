"""Files from a Windows checkout (CRLF, `core.autocrlf`), with a UTF-8 BOM, or saved as UTF-16 by
PowerShell are scanned like their LF/UTF-8 originals: same findings on the same lines, in every language.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scanner.scan import ScanResult
from tests.conftest import FIXTURES, run_scan

EXAMPLE = FIXTURES / "example"  # Terraform with a module and terraform.tfvars, Kubernetes YAML, a Dockerfile
SCANNED = (".tf", ".tfvars", ".yaml", "Dockerfile")


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def bom_crlf(text: str) -> bytes:
    return b"\xef\xbb\xbf" + crlf(text)


def utf16_crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-16")  # with its BOM, as PowerShell's `>` writes it


def utf16_big_endian(text: str) -> bytes:
    return b"\xfe\xff" + text.encode("utf-16-be")


def outcome(result: ScanResult) -> list[tuple]:
    """Findings with every location a person would follow, and scan errors."""
    findings = sorted(
        (
            f.check_id,
            f.location.file,
            f.location.start_line,
            f.resource.address,
            tuple((t.file, t.start_line) for t in f.trace),
        )
        for f in result.findings
    )
    return [*findings, *((e.file, e.line, e.message) for e in result.errors)]


@pytest.mark.parametrize("convert", [crlf, bom_crlf, utf16_crlf, utf16_big_endian])
def test_converted_files_give_the_findings_of_the_originals(tmp_path: Path, convert: Callable[[str], bytes]) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "lf")
    shutil.copytree(EXAMPLE, tmp_path / "converted")
    converted = 0
    for path in sorted((tmp_path / "converted").rglob("*")):
        if path.is_file() and path.name.endswith(SCANNED):
            path.write_bytes(convert(path.read_text(encoding="utf-8")))
            converted += 1
    assert converted >= 10
    original = run_scan(tmp_path / "lf")
    assert original.findings and not original.errors
    assert outcome(run_scan(tmp_path / "converted")) == outcome(original)


def test_a_crlf_heredoc_keeps_its_value_and_the_lines_after_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(
        crlf(
            'resource "aws_s3_bucket_policy" "logs" {\n'
            '  bucket = "app-logs"\n'
            "  policy = <<-POLICY\n"
            '    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",\n'
            '      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::app-logs/*"}]}\n'
            "  POLICY\n"
            "}\n"
            "\n"
            'resource "aws_s3_bucket_acl" "logs" {\n'
            '  bucket = "app-logs"\n'
            '  acl    = "public-read"\n'
            "}\n"
        )
    )
    result = run_scan(tmp_path)
    assert not result.errors
    lines = {(f.check_id, f.location.start_line) for f in result.findings}
    assert ("IG-AWS-001", 11) in lines
    policy = next(r for r in result.resources if r.address == "aws_s3_bucket_policy.logs")
    assert "\r" not in policy.get("policy")


def test_a_utf16_var_file_from_powershell_sets_the_variables(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "logs_acl" {\n  type = string\n}\n\n'
        'resource "aws_s3_bucket_acl" "logs" {\n  bucket = "app-logs"\n  acl    = var.logs_acl\n}\n'
    )
    var_file = tmp_path / "prod.tfvars"
    var_file.write_bytes(utf16_crlf('# production\nlogs_acl = "public-read"\n'))
    result = run_scan(tmp_path / "main.tf", var_files=[var_file])
    assert not result.errors
    (finding,) = [f for f in result.findings if f.check_id == "IG-AWS-001"]
    assert [(t.file, t.start_line) for t in finding.trace] == [("prod.tfvars", 2)]


def test_a_corpus_module_checked_out_with_crlf_keeps_every_finding(shared: Path, tmp_path: Path) -> None:
    module = shared / "corpus" / "terraform-aws-modules+terraform-aws-s3-bucket"
    shutil.copytree(module, tmp_path / "lf", symlinks=True)
    shutil.copytree(module, tmp_path / "crlf", symlinks=True)
    for path in (tmp_path / "crlf").rglob("*"):
        if path.is_file() and not path.is_symlink() and path.suffix in (".tf", ".tfvars"):
            path.write_bytes(crlf(path.read_text(encoding="utf-8")))
    original = run_scan(tmp_path / "lf")
    assert len(original.findings) > 10
    assert outcome(run_scan(tmp_path / "crlf")) == outcome(original)

"""Bad input never stops a scan: each broken file is one clear error entry, everything else is scanned.

The fixtures under fixtures/bad-input/ sit next to a real misconfiguration (storage.tf, IG-AWS-001
on line 4) that must still be reported. Cases that git cannot hold portably (symlink loops,
unreadable directories, oversized files) are built in tmp_path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import scanner.discover
import scanner.parsers
from scanner.discover import discover
from scanner.parsers import PARALLEL_MIN_FILES
from scanner.records import ScanError
from scanner.scan import ScanResult
from tests.conftest import FIXTURES, REPO, run_scan

BAD = FIXTURES / "bad-input"
REAL_FINDING = ("IG-AWS-001", "storage.tf", 4)


def errors_by_file(result: ScanResult) -> dict[str, list[ScanError]]:
    out: dict[str, list[ScanError]] = {}
    for error in result.errors:
        if error.level == "error":
            out.setdefault(error.file, []).append(error)
    return out


def findings(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.check_id, f.location.file, f.location.start_line) for f in result.findings}


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    """A copy of fixtures/bad-input (less the alias bomb, slow by design and tested on its own)
    that tests may add symlinks and oversized files to."""
    target = tmp_path / "repo"
    shutil.copytree(BAD, target, ignore=shutil.ignore_patterns("bomb"))
    return target


def test_scan_of_bad_input_reports_each_broken_file_and_still_finds_the_real_misconfiguration() -> None:
    result = run_scan(BAD)
    errors = errors_by_file(result)
    assert set(errors) == {"malformed/main.tf", "binary/main.tf", "bomb/laughs.yaml", "encoding/variables.tf"}
    assert REAL_FINDING in findings(result)
    assert result.incomplete


def test_malformed_terraform_error_names_the_line_of_the_syntax_error() -> None:
    (error,) = errors_by_file(run_scan(BAD / "malformed"))["main.tf"]
    assert error.line == 17  # the `}` that arrives while the cidr_blocks list is still open
    assert "HCL" in error.message


def test_binary_file_named_main_tf_is_reported_as_binary_not_parsed() -> None:
    (error,) = errors_by_file(run_scan(BAD / "binary"))["main.tf"]
    assert "binary" in error.message


def test_yaml_alias_bomb_is_refused_quickly_with_its_document_line() -> None:
    start = time.perf_counter()
    result = run_scan(BAD / "bomb")
    assert time.perf_counter() - start < 10
    (error,) = errors_by_file(result)["laughs.yaml"]
    assert error.line == 1
    assert "alias" in error.message or "expands" in error.message
    assert result.resources == []


def test_non_utf8_text_error_names_the_line_of_the_first_bad_byte() -> None:
    (error,) = errors_by_file(run_scan(BAD / "encoding"))["variables.tf"]
    assert error.line == 6  # the Latin-1 comment "Propriétaire"
    assert "UTF-8" in error.message


def test_empty_files_are_simply_empty_not_errors() -> None:
    result = run_scan(BAD / "empty")
    assert {f.rel for f in result.files} == {"main.tf", "Dockerfile"}
    assert result.errors == []
    assert not result.incomplete


def test_unknown_kubernetes_kind_is_a_resource_without_checks_not_an_error() -> None:
    result = run_scan(BAD / "unknown-kind")
    assert result.errors == []
    assert [(r.type, r.address) for r in result.resources] == [("Widget", "Widget/tools/dashboard")]


def test_directory_symlink_loop_is_an_error_and_the_scan_completes(bad_tree: Path) -> None:
    os.symlink("..", bad_tree / "malformed" / "loop", target_is_directory=True)
    os.symlink("self.tf", bad_tree / "self.tf")  # a file symlink that points at itself
    result = run_scan(bad_tree)
    errors = errors_by_file(result)
    assert "loop" in errors["malformed/loop"][0].message
    assert "loop" in errors["self.tf"][0].message
    assert REAL_FINDING in findings(result)
    assert len([f for f in result.files if f.rel == "storage.tf"]) == 1, "the loop must not scan files twice"


def test_file_over_the_size_limit_is_reported_and_not_read(bad_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (bad_tree / "huge.tf").write_text('locals {\n  padding = "' + "x" * 4096 + '"\n}\n')
    monkeypatch.setattr(scanner.discover, "MAX_FILE_BYTES", 1024)
    result = run_scan(bad_tree)
    (error,) = errors_by_file(result)["huge.tf"]
    assert "too large" in error.message and "1,024" in error.message
    assert "huge.tf" not in {f.rel for f in result.files}
    assert REAL_FINDING in findings(result)


def test_unlistable_directory_is_an_error_and_the_rest_is_scanned(
    bad_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated with a failing scandir so it also runs as root (root ignores permission bits)."""
    locked = bad_tree / "malformed"
    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202 - os.scandir's own signature
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(scanner.discover.os, "scandir", scandir)
    result = run_scan(bad_tree)
    (error,) = errors_by_file(result)["malformed"]
    assert "Permission denied" in error.message
    assert REAL_FINDING in findings(result)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permission bits")
def test_directory_without_read_permission_is_an_error(bad_tree: Path) -> None:
    locked = bad_tree / "malformed"
    locked.chmod(0)
    try:
        result = run_scan(bad_tree)
    finally:
        locked.chmod(0o755)
    assert "malformed" in errors_by_file(result)
    assert REAL_FINDING in findings(result)


def test_dangling_symlink_to_a_non_iac_file_is_ignored(bad_tree: Path) -> None:
    os.symlink("missing-notes.txt", bad_tree / "NOTES.txt")
    result = run_scan(bad_tree)
    assert "NOTES.txt" not in errors_by_file(result)


def test_every_error_entry_names_a_file_inside_the_scanned_tree(bad_tree: Path) -> None:
    os.symlink("..", bad_tree / "malformed" / "loop", target_is_directory=True)
    result = run_scan(bad_tree)
    for error in result.errors:
        assert error.file and not error.file.startswith("/"), error
        assert (bad_tree / error.file).exists() or (bad_tree / error.file).is_symlink(), error


PARALLEL_AFTER_LOADING_THE_DOCKERFILE_PARSER = """
import sys
from pathlib import Path

import scanner.parsers
from scanner.parsers import PARALLEL_MIN_FILES, ParseCache, parse_all
from scanner.records import SourceFile

scanner.parsers.PARALLEL_MIN_SECONDS = 0  # always the pool, whatever the size estimate


def main():
    import dockerfile  # noqa: F401  the Go library is loaded here, as when the checks import its parser

    root = Path(sys.argv[1])
    body = (root / "Dockerfile").read_text()
    body += "".join(f"RUN apt-get install -y pkg{i} \\\\\\n && echo {i} > /etc/step{i}\\n" for i in range(400))
    sources = []
    for i in range(PARALLEL_MIN_FILES + 12):
        path = root / f"Dockerfile.{i}"
        path.write_text(body + f"LABEL build={i}\\n")
        sources.append(SourceFile(path, path.name, "dockerfile"))
    parsed = parse_all(sources, ParseCache(None), workers=2)
    print(sum(len(p.resources) for p in parsed), sum(len(p.errors) for p in parsed))


if __name__ == "__main__":
    main()
"""


def test_parallel_parse_does_not_hang_after_this_process_loaded_the_go_dockerfile_parser(tmp_path: Path) -> None:
    """A worker forked from a process that loaded the Go library hangs forever in its first big parse."""
    script = tmp_path / "scan.py"
    script.write_text(PARALLEL_AFTER_LOADING_THE_DOCKERFILE_PARSER)
    shutil.copy(FIXTURES / "example" / "app" / "Dockerfile", tmp_path / "Dockerfile")
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    stages, errors = map(int, done.stdout.split())
    assert (stages, errors) == (2 * (PARALLEL_MIN_FILES + 12), 0)  # two stages per file, all parsed


def test_small_scans_parse_in_process_without_paying_for_a_worker_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("a process pool was started for a small scan")

    monkeypatch.setattr(scanner.parsers, "ProcessPoolExecutor", no_pool)
    sources = discover([FIXTURES / "example"]).files
    assert len(sources) >= scanner.parsers.PARALLEL_MIN_FILES
    parsed = scanner.parsers.parse_all(sources, scanner.parsers.ParseCache(None), workers=2)
    assert len(parsed) == len(sources)


def test_a_large_terraform_workload_is_estimated_worth_the_pool() -> None:
    big = [(b"x" * 64_000, f"m{i}.tf", "terraform") for i in range(10)]  # 640 kB of HCL: about a second
    small_yaml = [(b"x" * 15_000, f"k{i}.yaml", "kubernetes") for i in range(10)]
    assert scanner.parsers.estimated_seconds(big) >= scanner.parsers.PARALLEL_MIN_SECONDS
    assert scanner.parsers.estimated_seconds(small_yaml) < scanner.parsers.PARALLEL_MIN_SECONDS

"""A hostile repository is scanned safely: nothing outside the root is read, nothing in it is executed,
no single file crashes, hangs or exhausts the scan.

Every case builds its hostile input in a temporary directory next to a real misconfiguration
(storage.tf, IG-AWS-001 on line 4) that must still be reported, names the bad file, and finishes
within a bound. Outside-root cases assert that the target's content appears in no report format.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.records import Unknown
from scanner.report import FORMATS
from scanner.scan import ScanOptions, ScanResult, scan
from tests.conftest import FIXTURES

SECRET = "hostile-7f3a9c-token"  # content outside the root that no output may ever show
REAL_FINDING = ("IG-AWS-001", "storage.tf", 4)
BOUND_SECONDS = 20  # every hostile scan below takes well under a second or two when handled


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one real misconfiguration that every hostile case must leave reported."""
    target = tmp_path / "repo"
    target.mkdir()
    shutil.copy(FIXTURES / "bad-input" / "storage.tf", target / "storage.tf")
    return target


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory outside the scanned root holding files with the secret."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "credentials.tfrc.json").write_text(json.dumps({"credentials": {"app.terraform.io": {"token": SECRET}}}))
    (folder / "id_rsa").write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n")
    return folder


def findings(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.check_id, f.location.file, f.location.start_line) for f in result.findings}


def errors_of(result: ScanResult, file: str) -> list[str]:
    return [e.message for e in result.errors if e.file == file]


def timed_scan(*paths: Path, cache_dir: Path | None = None, workers: int = 1, **options) -> ScanResult:
    """`run_scan` that may use a cache directory or worker processes, within the time bound."""
    start = time.perf_counter()
    result = scan(ScanOptions(paths=list(paths), cache_dir=cache_dir, workers=workers, **options))
    assert time.perf_counter() - start < BOUND_SECONDS
    return result


def every_format(tmp_path: Path, *args: str | Path) -> tuple[int, dict[str, str]]:
    """Exit status and the text of every report format of one CLI scan (console on stdout)."""
    out = tmp_path / "reports"
    out.mkdir(exist_ok=True)
    written = [f for f in FORMATS if f != "console"]
    options: list[str] = []
    for fmt in written:
        options += ["--format", fmt, "--output", str(out / fmt)]
    options += ["--format", "console"]
    start = time.perf_counter()
    run = CliRunner().invoke(main, ["scan", "--no-cache", *options, *map(str, args)], catch_exceptions=False)
    assert time.perf_counter() - start < BOUND_SECONDS
    texts = {fmt: (out / fmt).read_text() for fmt in written}
    texts["console"] = run.stdout + run.stderr
    return run.exit_code, texts


def assert_nothing_leaked(texts: dict[str, str]) -> None:
    for fmt, text in texts.items():
        assert SECRET not in text, f"the secret leaked into the {fmt} report"


# Nothing outside the scanned root is read -------------------------------------------------------


def test_file_symlink_out_of_the_root_is_a_notice_naming_the_link_and_its_target_is_never_read(
    repo: Path, outside: Path, tmp_path: Path
) -> None:
    os.symlink(outside / "credentials.tfrc.json", repo / "credentials.tf.json")
    os.symlink(outside / "id_rsa", repo / "main.tf")
    result = timed_scan(repo)
    assert REAL_FINDING in findings(result)
    for link in ("credentials.tf.json", "main.tf"):
        (message,) = errors_of(result, link)
        assert "outside the scanned root" in message
    assert not {f.rel for f in result.files} & {"credentials.tf.json", "main.tf"}
    code, texts = every_format(tmp_path, repo)
    assert_nothing_leaked(texts)
    assert "main.tf" in texts["json"]


def test_symlink_to_a_file_inside_the_root_is_still_scanned(repo: Path) -> None:
    (repo / "modules").mkdir()
    shutil.move(repo / "storage.tf", repo / "modules" / "storage.tf")
    os.symlink("modules/storage.tf", repo / "storage.tf")
    assert ("IG-AWS-001", "modules/storage.tf", 4) in findings(timed_scan(repo))  # scanned once, by its real path


def test_fifo_named_like_terraform_is_refused_without_blocking(repo: Path) -> None:
    os.mkfifo(repo / "main.tf")
    result = timed_scan(repo)
    (message,) = errors_of(result, "main.tf")
    assert "FIFO" in message
    assert REAL_FINDING in findings(result)


def test_symlink_to_a_device_is_never_read(repo: Path) -> None:
    os.symlink("/dev/zero", repo / "zero.tf")
    os.symlink("/dev/urandom", repo / "random.yaml")
    result = timed_scan(repo)
    assert errors_of(result, "zero.tf")  # outside the root: refused before its kind matters
    assert REAL_FINDING in findings(result)


def test_socket_named_like_a_manifest_is_refused(repo: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(repo / "deploy.yaml"))
        result = timed_scan(repo)
    finally:
        server.close()
    (message,) = errors_of(result, "deploy.yaml")
    assert "socket" in message
    assert REAL_FINDING in findings(result)


def test_manifest_whose_kind_comes_after_a_long_comment_block_is_still_classified(repo: Path) -> None:
    header = "".join(f"# generated by the release tooling, line {n}\n" for n in range(8000))  # ~330 KiB
    manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
    manifest += "    - name: web\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n"
    (repo / "pod.yaml").write_text(header + manifest)
    result = timed_scan(repo)
    assert "pod.yaml" in {f.rel for f in result.files}
    assert any(f.location.file == "pod.yaml" for f in result.findings)
    assert REAL_FINDING in findings(result)


@pytest.mark.parametrize(
    "setting",
    [
        "var-files: [{outside}/credentials.tfrc.json]",
        "var-files: [../outside/credentials.tfrc.json]",
        "var-files: [linked.tfvars.json]",  # a symlink inside the repository that leads out
        "baseline: {outside}/id_rsa",
    ],
)
def test_repository_configuration_cannot_name_paths_outside_the_repository(
    repo: Path, outside: Path, tmp_path: Path, setting: str
) -> None:
    os.symlink(outside / "credentials.tfrc.json", repo / "linked.tfvars.json")
    (repo / ".iacgate.yaml").write_text(setting.format(outside=outside) + "\n")
    run = CliRunner().invoke(main, ["scan", "--no-cache", "--format", "json", str(repo)], catch_exceptions=False)
    assert run.exit_code == 2
    assert "outside the repository" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert SECRET not in run.stdout + run.stderr


def test_path_keys_of_a_repository_configuration_are_confined_whatever_the_key(tmp_path: Path) -> None:
    from scanner.config import PATH_KEYS, ConfigError, confine_paths

    assert "custom-checks" in PATH_KEYS
    confine_paths({"custom-checks": ["policies/", "policies/s3.yaml"]}, ".iacgate.yaml", tmp_path)
    with pytest.raises(ConfigError, match="custom-checks"):
        confine_paths({"custom-checks": ["policies/", "/etc"]}, ".iacgate.yaml", tmp_path)


def test_the_person_running_the_scan_may_point_anywhere(repo: Path, outside: Path, tmp_path: Path) -> None:
    (outside / "prod.tfvars").write_text('bucket_acl = "private"\n')
    config = outside / "iacgate.yaml"
    config.write_text(f"var-files: [{outside / 'prod.tfvars'}]\n")
    for args in (["--var-file", str(outside / "prod.tfvars")], ["--config", str(config)]):
        run = CliRunner().invoke(main, ["scan", "--no-cache", "--format", "json", *args, str(repo)])
        assert run.exit_code == 1, run.output  # the real finding, no configuration error
        assert REAL_FINDING[0] in run.stdout


# Error messages quote little and do not flood ----------------------------------------------------


def test_a_broken_hcl_token_is_quoted_as_a_short_escaped_excerpt(repo: Path, tmp_path: Path) -> None:
    from scanner.records import MAX_MESSAGE_CHARS

    (repo / "main.tf").write_text("locals {\n  subnets = [1 " + "\x1b[2J" + "x" * 2_000_000 + "\n}\n")
    result = timed_scan(repo)
    (message,) = errors_of(result, "main.tf")
    assert "invalid HCL" in message and len(message) <= MAX_MESSAGE_CHARS + 1
    assert "\x1b" not in message  # a terminal escape sequence is shown escaped, never sent to the terminal
    assert REAL_FINDING in findings(result)


def test_one_file_with_100k_identical_errors_gives_a_bounded_summary(repo: Path) -> None:
    from scanner.records import MAX_ERRORS_PER_FILE

    (repo / "Dockerfile").write_text("FROM alpine:3.20\n" + "BOGUS instruction\n" * 100_000)
    result = timed_scan(repo)
    messages = errors_of(result, "Dockerfile")
    assert len(messages) == MAX_ERRORS_PER_FILE + 1
    assert "99,980 more errors in this file not shown, lines 22-100001" in messages
    assert REAL_FINDING in findings(result)


# Nothing from the scanned repository is executed -------------------------------------------------

# Each setting names a program that writes the marker file if git ever runs it.
REPOSITORY_PROGRAMS = {
    "clean filter": ("filter.acme.clean", "sh -c 'touch {marker}; cat'"),
    "process filter": ("filter.acme.process", "sh -c 'touch {marker}'"),
    "required filter": ("filter.acme.required", "true"),  # with the clean filter: an error if it cannot run
    "textconv": ("diff.acme.textconv", "sh -c 'touch {marker}; cat \"$0\"'"),
    "external diff": ("diff.external", "sh -c 'touch {marker}'"),
    "fsmonitor": ("core.fsmonitor", "sh -c 'touch {marker}'"),
    "pager": ("core.pager", "sh -c 'touch {marker}; cat'"),
}


def _git(repo: Path, *args: str) -> None:
    import subprocess

    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.mark.parametrize("program", [*REPOSITORY_PROGRAMS, "hook"])
def test_diff_base_runs_no_program_the_scanned_repository_configures(repo: Path, tmp_path: Path, program: str) -> None:
    marker = tmp_path / "ran"
    _git(repo, "init", "-q")
    (repo / ".gitattributes").write_text("*.tf filter=acme diff=acme\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "initial")
    if program == "hook":
        hooks = repo / "hooks"
        hooks.mkdir()
        for name in ("post-index-change", "pre-commit", "post-checkout"):
            (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
            (hooks / name).chmod(0o755)
        _git(repo, "config", "core.hooksPath", str(hooks))
    else:
        if "filter" in program:
            _git(repo, "config", "filter.acme.clean", REPOSITORY_PROGRAMS["clean filter"][1].format(marker=marker))
        key, value = REPOSITORY_PROGRAMS[program]
        _git(repo, "config", key, value.format(marker=marker))
    storage = repo / "storage.tf"
    storage.write_text(storage.read_text().replace('"public-read"', '"public-read-write"'))
    os.utime(storage, (1, 1))  # stat data differs from the index: git must read (and would filter) the file
    result = timed_scan(repo, filters=__import__("scanner.filter").filter.FilterOptions(diff_base="HEAD"))
    assert not marker.exists(), f"git ran the repository's {program}"
    assert REAL_FINDING in findings(result)


def test_diff_base_outside_a_git_repository_is_one_line(repo: Path) -> None:
    run = CliRunner().invoke(main, ["scan", "--no-cache", "--diff-base", "HEAD", str(repo)], catch_exceptions=False)
    assert run.exit_code == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert "not inside a git working tree" in run.stderr and "usage" not in run.stderr.lower()


# The parse cache cannot run code and never crashes a scan ------------------------------------------


def _cache_entry(cache_dir: Path, repo: Path, name: str, kind: str) -> Path:
    from scanner.parsers import ParseCache
    from scanner.records import SourceFile

    source = SourceFile(repo / name, name, kind)
    cache = ParseCache(cache_dir)
    target = cache.path(cache.key((repo / name).read_bytes(), source))
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


class _RunsCode:
    def __reduce__(self):  # noqa: ANN204 - the classic pickle payload
        return (os.system, ("touch ran-from-cache",))


@pytest.mark.parametrize(
    "entry",
    [
        "pickle",  # a planted pickle that runs a command when unpickled
        "garbled",
        "truncated",
        "another file",  # a valid entry, but the parse of a different file
        "not a parse",  # valid MessagePack that is not a ParsedFile
    ],
)
def test_a_planted_or_garbled_cache_entry_is_a_miss_never_code_or_a_crash(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    import pickle

    import msgpack

    from scanner.parsers import codec, parse_bytes

    monkeypatch.chdir(tmp_path)
    cache_dir = tmp_path / "cache"
    target = _cache_entry(cache_dir, repo, "storage.tf", "terraform")
    good = codec.encode(parse_bytes((repo / "storage.tf").read_bytes(), "storage.tf", "terraform"))
    blobs = {
        "pickle": pickle.dumps(_RunsCode()),
        "garbled": bytes(b ^ 0x5A for b in good),
        "truncated": good[: len(good) // 2],
        "another file": codec.encode(parse_bytes(b'resource "a" "b" {}\n', "other.tf", "terraform")),
        "not a parse": msgpack.packb({"rel": "storage.tf", "resources": []}),
    }
    target.write_bytes(blobs[entry])
    result = timed_scan(repo, cache_dir=cache_dir)
    assert not (tmp_path / "ran-from-cache").exists()
    assert REAL_FINDING in findings(result)
    assert result.errors == []


def test_cache_directory_inside_the_scanned_tree_is_refused(repo: Path) -> None:
    cache_dir = repo / ".cache" / "iacgate"
    result = timed_scan(repo, cache_dir=cache_dir)
    (message,) = errors_of(result, ".")
    assert "inside the scanned tree" in message
    assert not any(cache_dir.rglob("*")) if cache_dir.exists() else True
    assert REAL_FINDING in findings(result)


def test_cache_directory_writable_by_other_users_is_refused(repo: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared-cache"
    cache_dir.mkdir()
    cache_dir.chmod(0o777)
    result = timed_scan(repo, cache_dir=cache_dir)
    (message,) = errors_of(result, ".")
    assert "writable by other users" in message
    assert list(cache_dir.iterdir()) == []


def test_a_full_cache_disk_leaves_no_temporary_files(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    cache_dir = tmp_path / "cache"
    real_open = builtins.open

    class FullDisk:
        def __init__(self, handle) -> None:  # noqa: ANN001
            self.handle = handle

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    def full_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        handle = real_open(file, mode, *args, **kwargs)
        return FullDisk(handle) if str(file).startswith(str(cache_dir)) and "w" in mode else handle

    monkeypatch.setattr(builtins, "open", full_open)
    result = timed_scan(repo, cache_dir=cache_dir)
    assert REAL_FINDING in findings(result)
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []


def _nested(depth: int) -> dict:
    value: dict | str = "leaf"
    for _ in range(depth):
        value = {"next": value}
    return value


@pytest.mark.parametrize("cached", [False, True])
@pytest.mark.parametrize("workers", [1, 2])
def test_values_nested_600_deep_do_not_crash_the_scan(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool, workers: int
) -> None:
    import scanner.parsers

    deep = _nested(600)
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deep"}, "data": deep}
    (repo / "configmap.json").write_text(json.dumps(config))
    (repo / "locals.tf.json").write_text(json.dumps({"locals": {"settings": deep}}))
    change = {"actions": ["create"], "before": None, "after": {"bucket": "b", "tags": deep}, "after_unknown": {}}
    resource = {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b"}
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [{**resource, "values": change["after"]}]}},
        "resource_changes": [{**resource, "change": change}],
    }
    (repo / "plan.json").write_text(json.dumps(plan))
    for n in range(scanner.parsers.PARALLEL_MIN_FILES):  # enough files for the worker pool
        (repo / f"team{n}.tf").write_text(f'locals {{\n  team{n} = "platform"\n}}\n')
    monkeypatch.setattr(scanner.parsers, "PARALLEL_MIN_SECONDS", 0)
    result = timed_scan(repo, cache_dir=tmp_path / "cache" if cached else None, workers=workers)
    assert REAL_FINDING in findings(result)
    assert {f.rel for f in result.files} >= {"configmap.json", "locals.tf.json", "plan.json"}


# No single file stops the scan ----------------------------------------------------------------------

CONFUSED_KUBERNETES = """\
apiVersion: v1
kind: Pod
metadata: {name: empty-containers}
spec: {containers: 5}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: 3
      imagePullSecrets: "regcred"
      containers:
        - name: web
          image: nginx:1.27
          env: "x"
          envFrom: 1
          securityContext: {privileged: true}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers}
subjects: {}
roleRef: 5
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: public}
spec: {rules: 1, defaultBackend: []}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {matchExpressions: 4}}
"""


def test_kubernetes_objects_of_the_wrong_type_do_not_stop_the_scan(repo: Path) -> None:
    (repo / "app.yaml").write_text(CONFUSED_KUBERNETES)
    result = timed_scan(repo)
    assert REAL_FINDING in findings(result)
    privileged = {f.check_id for f in result.findings if f.location.file == "app.yaml" and f.location.start_line == 21}
    assert privileged, "the privileged container next to the confused fields is still reported"


def test_an_edge_builder_failure_is_an_error_naming_the_file_and_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanner.graph.kubernetes

    def broken(graph, index, ingress) -> None:  # noqa: ANN001 - stands for any gap in an edge builder
        raise TypeError("'int' object is not iterable")

    monkeypatch.setattr(scanner.graph.kubernetes, "_ingress", broken)
    (repo / "app.yaml").write_text(CONFUSED_KUBERNETES)
    result = timed_scan(repo)
    (error,) = [e for e in result.errors if e.file == "app.yaml" and e.level == "error"]
    assert error.line == 29 and "Ingress/default/public" in error.message
    assert REAL_FINDING in findings(result)


# Every computation is bounded -----------------------------------------------------------------------

DOUBLING_LOCALS = "\n".join(f'  s{n + 1} = "${{local.s{n}}}${{local.s{n}}}"' for n in range(40))
HOSTILE_EXPRESSIONS = {
    "setproduct": "length(setproduct(range(100000), range(100000)))",
    "backtracking regex": 'regex("(a+)+$", "' + "a" * 5000 + 'b")',
    "integer power": "pow(10, 1000000000)",
    "float power": "pow(10, 1e9)",
    "nested for": "length([for a in range(100000) : [for b in range(100000) : b]])",
    "doubling locals": "local.s40",
    "format width": 'format("%999999999d", 1)',
    "indent": 'indent(999999999, "a\\nb\\nc")',
    "join separator": "join(local.s16, range(100000))",
    "replace growth": 'replace(local.s16, "x", local.s16)',
    "repeated squaring": "local.n30",
}
SQUARING_LOCALS = "\n".join(f"  n{n + 1} = local.n{n} * local.n{n}" for n in range(30))


@pytest.mark.parametrize("case", HOSTILE_EXPRESSIONS)
def test_a_hostile_terraform_expression_is_unknown_with_a_reason_and_the_scan_goes_on(repo: Path, case: str) -> None:
    (repo / "hostile.tf").write_text(
        f'locals {{\n  s0 = "{"x" * 64}"\n  n0 = 3\n{DOUBLING_LOCALS}\n{SQUARING_LOCALS}\n}}\n\n'
        f'resource "aws_s3_bucket" "hostile" {{\n  bucket = {HOSTILE_EXPRESSIONS[case]}\n}}\n'
    )
    result = timed_scan(repo)
    (hostile,) = [r for r in result.resources if r.address == "aws_s3_bucket.hostile"]
    value = hostile.attributes["bucket"]
    assert isinstance(value, Unknown), f"{case}: {str(value)[:80]}"
    assert REAL_FINDING in findings(result)


def test_set_functions_are_linear(repo: Path) -> None:
    (repo / "sets.tf").write_text(
        'locals {\n  numbers = [for n in range(60000) : "n${n % 30000}"]\n}\n\n'
        'resource "aws_s3_bucket" "sets" {\n'
        '  bucket = join("-", [length(toset(local.numbers)), length(distinct(local.numbers)),\n'
        "    length(setsubtract(local.numbers, slice(local.numbers, 0, 100))),\n"
        "    length(setintersection(local.numbers, local.numbers))])\n}\n"
    )
    start = time.perf_counter()
    result = timed_scan(repo)
    assert time.perf_counter() - start < 10  # quadratic: 1e10 comparisons, hours
    (sets,) = [r for r in result.resources if r.address == "aws_s3_bucket.sets"]
    assert sets.attributes["bucket"] == "30000-30000-29900-30000"


def test_instances_do_not_multiply_across_module_levels(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import scanner.evaluate.terraform as evaluator

    monkeypatch.setattr(evaluator, "MAX_INSTANCES_PER_SCAN", 200)  # the same rule on a test-sized scan
    (repo / "modules" / "bucket").mkdir(parents=True)
    (repo / "modules" / "bucket" / "main.tf").write_text(
        'resource "aws_s3_bucket" "logs" {\n  count  = 100\n  bucket = "logs-${count.index}"\n}\n'
    )
    (repo / "fleet.tf").write_text('module "fleet" {\n  source = "./modules/bucket"\n  count  = 100\n}\n')
    result = timed_scan(repo)
    buckets = [r for r in result.resources if r.type == "aws_s3_bucket" and "fleet" in r.address]
    stand_ins = [r for r in buckets if "per scan" in r.terraform.instances]
    # 100 module instances leave 100 resource instances: the first module's; each other module
    # instance has one stand-in resource with its count unknown (100 x 100 without the limit)
    assert (len(buckets), len(stand_ins)) == (100 + 99, 99)
    assert REAL_FINDING in findings(result)


def test_dockerfile_arg_doubling_is_bounded(repo: Path) -> None:
    lines = ["ARG A0=xxxxxxxxxxxxxxxx"] + [f"ARG A{n + 1}=${{A{n}}}${{A{n}}}" for n in range(40)]
    (repo / "Dockerfile").write_text("\n".join(lines) + "\nFROM alpine:${A40}\nUSER root\n")
    result = timed_scan(repo)
    (stage,) = [r for r in result.resources if r.framework == "dockerfile"]
    assert isinstance(stage.attributes["base_image"], Unknown)  # 2**40 characters were never built
    assert REAL_FINDING in findings(result)
    assert any(f.location.file == "Dockerfile" for f in result.findings)  # USER root is still judged


def test_one_bad_yaml_scalar_loses_only_its_own_document(repo: Path) -> None:
    (repo / "app.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  hostNetwork: true\n"
        "  containers: [{name: debug, image: 'busybox:1.36'}]\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: !!int two\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: tools}\nspec:\n  hostPID: true\n"
        "  containers: [{name: tools, image: 'alpine:3.20'}]\n"
    )
    result = timed_scan(repo)
    (message,) = errors_of(result, "app.yaml")
    assert "two" in message and [e.line for e in result.errors if e.file == "app.yaml"] == [12]
    assert {r.address for r in result.resources if r.framework == "kubernetes"} == {
        "Pod/default/debug",
        "Pod/default/tools",
    }
    assert REAL_FINDING in findings(result)


def test_a_nul_byte_after_8_kib_of_dockerfile_is_an_error_not_silence(repo: Path) -> None:
    padding = "".join(f"# build step notes {n:05d} ....................................\n" for n in range(200))
    (repo / "Dockerfile").write_text(f"FROM alpine:3.20\n{padding}RUN echo hi\n\0USER root\n")
    result = timed_scan(repo)
    (message,) = errors_of(result, "Dockerfile")
    assert "NUL" in message
    assert [e.line for e in result.errors if e.file == "Dockerfile"] == [203]
    assert REAL_FINDING in findings(result)


# Clean exits ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "output",
    ["missing/dir/report.sarif", "a-directory", "/dev/full", "/proc/report.sarif"],
    ids=["missing directory", "a directory", "/dev/full", "unwritable"],
)
def test_an_unwritable_report_exits_2_with_one_line_and_the_other_reports_are_written(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-directory").mkdir()
    args = ["scan", "--no-cache", "--format", "sarif", "--output", output, "--format", "json", "--output", "ok.json"]
    run = CliRunner().invoke(main, [*args, str(repo)], catch_exceptions=False)
    assert run.exit_code == 2
    (line,) = run.stderr.strip().splitlines()
    assert "cannot write the sarif report" in line and "Traceback" not in run.output
    assert REAL_FINDING[0] in (tmp_path / "ok.json").read_text()
    left = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "ok.json" and repo not in p.parents]
    assert left == [], "no empty or temporary report is left behind"


def test_a_failed_write_on_a_full_disk_leaves_no_partial_sarif(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import errno

    real_open = builtins.open

    def full_disk(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if "w" in mode and str(file).endswith(".tmp"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", full_disk)
    out = tmp_path / "out"
    out.mkdir()
    run = CliRunner().invoke(
        main, ["scan", "--no-cache", "--format", "sarif", "--output", str(out / "r.sarif"), str(repo)]
    )
    assert run.exit_code == 2 and "No space left on device" in run.stderr
    assert list(out.iterdir()) == []


def test_a_closed_stdout_exits_2_with_one_line(repo: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m scanner.cli scan --no-cache "{repo}" >&-'],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        timeout=BOUND_SECONDS,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["Error: cannot write the console report to stdout: stdout is closed"]


def _session(sid: int) -> set[int]:
    """Processes of session `sid` (the scan started in its own session, with everything it starts)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                members.add(int(entry.name))
    return members


def _big_terraform_repo(repo: Path) -> None:
    """Enough HCL (about 3 MB) for the worker pool and several seconds of parsing."""
    block = 'resource "aws_s3_bucket" "b{i}_{j}" {{\n  bucket = "acme-{i}-{j}"\n  tags = {{ Team = "t{j}" }}\n}}\n\n'
    for i in range(40):
        (repo / f"estate{i}.tf").write_text("".join(block.format(i=i, j=j) for j in range(800)))


def _start_scan(repo: Path) -> subprocess.Popen:
    """The scan in its own session, with ^C handled as in a terminal (a background job ignores it)."""
    import signal

    return subprocess.Popen(
        [sys.executable, "-m", "scanner.cli", "scan", "--no-cache", "--workers", "2", str(repo)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=Path(__file__).resolve().parent.parent,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - no threads here
    )


def _wait_for_workers(scan: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(_session(scan.pid)) < 4:  # the scan, its fork server and two workers (+ resource tracker)
        assert scan.poll() is None, "the scan ended before its workers could be seen"
        assert time.monotonic() < deadline, "no worker pool started"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGKILL"])
def test_killing_the_scan_leaves_no_worker_holding_its_output(repo: Path, signal_name: str) -> None:
    import signal

    _big_terraform_repo(repo)
    scan = _start_scan(repo)
    try:
        _wait_for_workers(scan)
        reader = threading.Thread(target=scan.stdout.read, daemon=True)  # ends at end of file
        os.kill(scan.pid, getattr(signal, signal_name))
        reader.start()
        reader.join(timeout=15)
        assert not reader.is_alive(), "a leftover process held the scan's stdout"
        deadline = time.monotonic() + 15
        while _session(scan.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session(scan.pid) == set(), "orphaned fork server or workers"
    finally:
        for pid in _session(scan.pid):
            os.kill(pid, signal.SIGKILL)
        scan.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_interrupting_the_scan_exits_130_with_one_line(repo: Path) -> None:
    import signal

    _big_terraform_repo(repo)
    scan = _start_scan(repo)
    try:
        _wait_for_workers(scan)
        os.kill(scan.pid, signal.SIGINT)
        _, stderr = scan.communicate(timeout=30)
    finally:
        if scan.poll() is None:
            scan.kill()
    assert scan.returncode == 130
    assert stderr.decode().strip().splitlines() == ["iacgate: interrupted"]


def test_a_plan_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanner.files

    monkeypatch.setattr(scanner.files, "MAX_FILE_BYTES", 64 * 1024)
    plan = {"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}, "padding": "x" * 100_000}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    run = CliRunner().invoke(main, ["plan", str(tmp_path / "plan.json"), "--no-cache"], catch_exceptions=False)
    assert run.exit_code == 2
    assert "too large" in run.stderr and "65,536" in run.stderr


def test_a_fifo_read_by_the_file_function_is_unknown_not_a_hang(repo: Path) -> None:
    os.mkfifo(repo / "policy.json")
    (repo / "policy.tf").write_text(
        'resource "aws_s3_bucket_policy" "reports" {\n  bucket = "reports"\n  policy = file("policy.json")\n}\n'
    )
    result = timed_scan(repo)
    (policy,) = [r for r in result.resources if r.type == "aws_s3_bucket_policy"]
    assert isinstance(policy.attributes["policy"], Unknown) and "FIFO" in policy.attributes["policy"].reason
    assert REAL_FINDING in findings(result)


MEMORY_HUNGRY_PARSER = """
import sys
from click.testing import CliRunner
import scanner.parsers.dockerfile
from scanner.cli import main

def hungry(text, rel):  # stands for any parser input that would take all the runner's memory
    return [bytearray(1 << 20) for _ in range(1 << 16)]  # 64 GiB, a MiB at a time

scanner.parsers.dockerfile.parse = hungry
run = CliRunner().invoke(main, ["scan", "--no-cache", "--workers", "1", "--format", "json", sys.argv[1]])
print(run.exit_code)
print(run.stdout)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_DATA")
def test_the_memory_ceiling_fails_one_file_not_the_runner(repo: Path, tmp_path: Path) -> None:
    (repo / "Dockerfile").write_text("FROM alpine:3.20\nUSER root\n")
    script = tmp_path / "hungry.py"
    script.write_text(MEMORY_HUNGRY_PARSER)
    done = subprocess.run(
        [sys.executable, str(script), str(repo)],
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS * 3,
        env={**os.environ, "IACGATE_MEMORY_LIMIT_MB": "512"},
        cwd=Path(__file__).resolve().parent.parent,
    )
    code, report = done.stdout.split("\n", 1)
    errors = json.loads(report)["errors"]
    assert [(e["file"], "MemoryError" in e["message"]) for e in errors] == [("Dockerfile", True)]
    assert REAL_FINDING[0] in report and code == "5"  # findings (1) + incomplete (4)


def test_an_invalid_memory_ceiling_is_a_usage_error(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IACGATE_MEMORY_LIMIT_MB", "lots")
    run = CliRunner().invoke(main, ["scan", "--no-cache", str(repo)])
    assert run.exit_code == 2 and "IACGATE_MEMORY_LIMIT_MB" in run.stderr


def test_a_100k_line_heredoc_parses_in_linear_time_with_its_lines_and_content(repo: Path) -> None:
    body = "".join(f"echo 'step {n}' >> /var/log/build.log\n" for n in range(100_000))
    (repo / "Dockerfile").write_text(f"FROM debian:12\nRUN <<EOF\n{body}EOF\nUSER root\n")
    start = time.perf_counter()
    result = timed_scan(repo)
    assert time.perf_counter() - start < 15  # quadratic in BuildKit's parser: 55 s
    (stage,) = [r for r in result.resources if r.framework == "dockerfile"]
    run, user = stage.attributes["instructions"][1:]
    assert run["heredocs"][0]["content"] == body and (run["line"], run["end_line"]) == (2, 100_003)
    assert user["line"] == 100_004
    assert REAL_FINDING in findings(result)


@pytest.mark.parametrize(
    "text",
    [
        "FROM alpine:3.20\nRUN <<EOF <<-END\necho 1\necho 2\nEOF\n\tcurl -fsSL https://get.example.com | sh\n\tEND\n",
        'FROM a\nCOPY <<EOF /etc/motd\nwelcome\n\nEOF\nRUN <<"EOF" bash\nset -e\ncat /etc/motd\nEOF\nUSER 1000\n',
        "FROM a\nRUN <<EOF\nx\nEOF\nRUN echo \\\n  hi\nCOPY <<A <<B /srv/\na1\nA\nb1\nb2\nB\nUSER app\n",
    ],
)
def test_heredocs_cut_out_for_buildkit_come_back_exactly_as_buildkit_gives_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dockerfile

    from scanner.parsers import dockerfile as parser

    monkeypatch.setattr(parser, "LARGE_HEREDOC_LINES", 1)  # every body is cut out and put back
    assert parser._parse_commands(text) == dockerfile.parse_string(text)

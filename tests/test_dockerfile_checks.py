"""Dockerfile check edge cases beyond the fixtures: what must fail and what must stay quiet."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from scanner.graph import build_graph
from scanner.parsers import dockerfile
from scanner.records import UnknownValue
from scanner.registry import Fail, load_builtin_checks
from tests.conftest import run_scan

CHECKS = load_builtin_checks()


def verdicts(check_id: str, text: str) -> list[int]:
    """Lines where `check_id` fails on every stage of the Dockerfile `text`."""
    lines = []
    stages = dockerfile.parse(text, "Dockerfile").resources
    graph = build_graph(stages)
    for stage in stages:
        chk = CHECKS[check_id]
        verdict = chk.fn(stage, graph) if chk.graph else chk.fn(stage)
        for fail in [verdict] if isinstance(verdict, Fail) else verdict or []:
            lines.append(stage.line_of(fail.attribute))
    return sorted(lines)


def test_root_user_is_only_judged_on_the_final_stage() -> None:
    text = "FROM golang:1.22 AS build\nUSER root\nRUN go build\n\nFROM alpine:3.20\nUSER 0:0\n"
    assert verdicts("IG-DKR-001", text) == [6]


def test_windows_container_administrator_counts_as_root_and_nanoserver_does_not() -> None:
    servercore = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerAdministrator\n"
    assert verdicts("IG-DKR-001", servercore) == [2]
    assert verdicts("IG-DKR-001", "FROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nCOPY app.exe /app/\n") == []


def test_root_user_from_a_build_argument_is_unknown_not_a_failure() -> None:
    stage = dockerfile.parse("FROM alpine:3.20\nARG RUN_AS\nUSER ${RUN_AS}\n", "Dockerfile").resources[0]
    with pytest.raises(UnknownValue):
        CHECKS["IG-DKR-001"].fn(stage, build_graph([stage]))


def test_latest_from_a_build_argument_default_fails_and_an_unset_one_is_unknown() -> None:
    assert verdicts("IG-DKR-002", "ARG TAG=latest\nFROM node:$TAG\n") == [2]
    stage = dockerfile.parse("ARG TAG\nFROM node:$TAG\n", "Dockerfile").resources[0]
    with pytest.raises(UnknownValue):
        CHECKS["IG-DKR-002"].fn(stage)


@pytest.mark.parametrize(
    "run",
    [
        "curl -fsSL https://get.docker.com | sudo sh",
        "wget -qO- https://example.com/install | bash -s -- --yes",
        'bash -c "$(curl -fsSL https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)"',
        "bash <(curl -s https://example.com/setup.sh)",
        "curl -sSL https://install.python-poetry.org | python3 -",
    ],
)
def test_remote_script_into_a_shell_fails(run: str) -> None:
    assert verdicts("IG-DKR-003", f"FROM debian:bookworm\nRUN {run}\n") == [2]


@pytest.mark.parametrize(
    "run",
    [
        "curl -fsSL https://example.com/app.tgz | tar -xz -C /opt",
        "curl -s https://api.github.com/repos/x/y/releases/latest | python3 -c 'import json,sys; print(1)'",
        "VERSION=$(curl -s https://dl.k8s.io/release/stable.txt) && bash ./install.sh $VERSION",
        "curl -fsSL https://example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/example.gpg",
    ],
)
def test_downloads_that_are_not_executed_pass(run: str) -> None:
    assert verdicts("IG-DKR-003", f"FROM debian:bookworm\nRUN {run}\n") == []


def test_secret_names_are_told_apart_from_names_about_secrets() -> None:
    text = (
        "FROM python:3.12\n"
        "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n"
        "ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg\n"
        "ENV PWD=/app\n"
        "ENV JWT_SECRET_ALGORITHM=HS256 REDIS_PASSWORD=false\n"
        "ENV DB_PASS=hunter2\n"
        "ARG GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
    )
    assert verdicts("IG-DKR-004", text) == [6, 7]


def test_chmod_of_a_scratch_directory_removed_in_the_same_step_passes() -> None:
    text = 'FROM debian:bookworm\nRUN d="$(mktemp -d)" && chmod 777 "$d" && cd "$d" && make && rm -rf "$d"\n'
    assert verdicts("IG-DKR-009", text) == []
    assert verdicts("IG-DKR-009", "FROM debian:bookworm\nRUN chmod 1777 /scratch && chmod o+w /srv/data\n") == [2]


def test_curl_insecure_is_found_in_a_combined_short_option() -> None:
    assert verdicts("IG-DKR-012", "FROM alpine:3.20\nRUN curl -fsSLk https://x.example.com/a -o /a\n") == [2]
    assert verdicts("IG-DKR-012", "FROM alpine:3.20\nRUN curl -fsSL https://x.example.com/a -o /a\n") == []


def test_onbuild_run_is_checked_like_run() -> None:
    assert verdicts("IG-DKR-003", "FROM node:20\nONBUILD RUN curl https://install.meteor.com/ | sh\n") == [2]


CORPUS_EXPECTED = {
    # repository: findings per check (official images run as root and drop privileges in their
    # entrypoints: IG-DKR-001 is the one finding there, by design, at medium severity; they install
    # distribution packages unpinned: IG-DKR-014/015, info; and have no HEALTHCHECK: IG-DKR-037, info)
    "docker-library+python": {"IG-DKR-001": 42, "IG-DKR-014": 40, "IG-DKR-015": 24, "IG-DKR-037": 42},
    "nginxinc+docker-nginx": {"IG-DKR-001": 16, "IG-DKR-014": 7, "IG-DKR-015": 9, "IG-DKR-037": 16, "IG-DKR-039": 1},
    "docker-library+postgres": {"IG-DKR-001": 20, "IG-DKR-014": 50, "IG-DKR-015": 20, "IG-DKR-037": 20},
    "madhuakula+kubernetes-goat": {
        "IG-DKR-001": 14,
        "IG-DKR-002": 5,
        "IG-DKR-004": 1,
        "IG-DKR-007": 1,
        "IG-DKR-014": 4,
        "IG-DKR-015": 5,
        "IG-DKR-018": 2,
        "IG-DKR-022": 4,
        "IG-DKR-023": 3,
        "IG-DKR-037": 3,
        "IG-X-001": 11,
    },
}


@pytest.mark.corpus
@pytest.mark.parametrize("repo", sorted(CORPUS_EXPECTED))
def test_corpus_findings_per_check_do_not_drift(shared: Path, repo: str) -> None:
    ids = {c for c in CHECKS if c.startswith(("IG-DKR-", "IG-X-"))}
    result = run_scan(shared / "corpus" / repo, checks=ids)
    assert [e for e in result.errors if e.file.lower().endswith("dockerfile")] == []
    assert dict(Counter(f.check_id for f in result.findings)) == CORPUS_EXPECTED[repo]


@pytest.mark.corpus
def test_every_corpus_dockerfile_parses_quickly_and_cleanly(shared: Path) -> None:
    files = [
        p
        for p in (shared / "corpus").rglob("*")
        if p.is_file() and p.name.lower().startswith("dockerfile") and not p.name.endswith(".template")
    ]
    texts = [(p.as_posix(), p.read_text(errors="replace")) for p in files]
    start = time.perf_counter()
    parsed = [dockerfile.parse(text, rel) for rel, text in texts]
    elapsed = time.perf_counter() - start
    assert len(files) > 250
    assert [e for p in parsed for e in p.errors] == []
    assert elapsed < 10, f"{len(files)} Dockerfiles took {elapsed:.2f}s"


def test_root_user_follows_a_base_image_built_in_the_repository(tmp_path: Path) -> None:
    """`FROM acme/base` where base/Dockerfile builds that image: its USER decides, not the root default."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "Dockerfile").write_text("FROM debian:12.7-slim\nRUN useradd -u 10001 app\nUSER 10001\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text("FROM registry.example.com/acme/base:1.4\nCOPY app /app\n")
    (tmp_path / "root-base").mkdir()
    (tmp_path / "root-base" / "Dockerfile").write_text("FROM debian:12.7-slim\nRUN apt-get update\n")
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "Dockerfile").write_text("FROM acme/root-base:2.0\nCOPY worker /worker\n")
    result = run_scan(tmp_path, checks={"IG-DKR-001"})
    found = {(f.location.file, f.message) for f in result.findings}
    assert {file for file, _ in found} == {"root-base/Dockerfile", "worker/Dockerfile"}
    assert any("built by root-base/Dockerfile" in message for _, message in found)

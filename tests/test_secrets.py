"""The secrets detector: names and placeholders it must tell apart, and no secret in any output."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import main
from scanner.secrets import is_placeholder, is_secret_name, secret_in_text, secret_kind

# distinctive values planted in a repository; none may appear in any report
PLANTED = {
    "terraform": "Qv7-planted-tf-9xLm",
    "env": "Kw3-planted-env-5rTz",
    "configmap": "Hj8-planted-cm-2pWn",
    "secret": "Bn4-planted-secret-6yQs",
    "dockerfile": "Lp2-planted-docker-8vKd",
    "token": "ghp_Pl4ntedT0kenZq8vL2kTn4wR7mX9bC3dF6hJ1",
}


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "dbPassword",
        "vaultpassword",
        "argBasedPassword",
        "apiKey",
        "x-api-key",
        "DB_PASS",
        "client_secret",
        "aws_secret_access_key",
        "githubtoken",
        "SECRET_KEY_BASE",
        "master_password",
    ],
)
def test_secret_names_in_every_spelling_are_recognised(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD_FILE",
        "TOKEN_AUDIENCE",
        "MAX_TOKENS",
        "TOKENIZERS_PARALLELISM",
        "bypass",
        "secret_name",
        "kms_key_id",
        "password_length",
        "secret_permissions",
        "DB_PASSWORD_ARN",
    ],
)
def test_names_that_describe_a_secret_without_holding_one_are_not_secret_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    "value",
    [
        "SECRET",
        "changeme",
        "<password>",
        "${DB_PASSWORD}",
        "$(DB_PASSWORD)",
        "INSERT_TOKEN_HERE",
        "your-api-key",
        "{{ .Values.db.password }}",
        "xxxxxxxx",
        "********",
        "true",
        "8080",
        "/run/secrets/db",
        "password",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "",
    ],
)
def test_placeholders_references_switches_and_decoys_are_not_secrets(value: str) -> None:
    assert is_placeholder(value) or not value
    assert secret_kind("DB_PASSWORD", value) is None


def test_self_identifying_credentials_are_found_under_any_name() -> None:
    assert secret_kind("notes", "ghp_R8fT2vLq9ZmK4wX7cN1bJ5hD3sG6yP0aE2uQ") == "GitHub Token"
    assert secret_kind("url", "postgres://app:Zq8vL2kTn4@db.internal:5432/app") == "Basic Auth Credentials"
    assert secret_kind("url", "postgres://app:${DB_PASSWORD}@db.internal:5432/app") is None
    assert secret_kind("key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n") == "Private Key"
    assert secret_kind("description", "A web frontend of the shop, served in eu-west-1") is None


def test_config_files_held_in_one_value_are_read_line_by_line() -> None:
    assert secret_in_text("url=jdbc:postgresql://db/app\npassword=Xk4pL9qR2mVt\n") == "literal value of password"
    assert secret_in_text("password=${DB_PASSWORD}\ntoken = os.environ['TOKEN']\npasswd: files\n") is None
    assert secret_in_text("#!/bin/bash\nexport DB_PASSWORD='Xk4pL9qR2mVt'\n") == "literal value of DB_PASSWORD"
    assert secret_in_text("export DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db)\n") is None


def _hostile_repository(root: Path) -> None:
    (root / "main.tf").write_text(
        'resource "aws_db_instance" "orders" {\n  identifier = "orders"\n'
        f'  password   = "{PLANTED["terraform"]}"\n}}\n'
    )
    encoded = base64.b64encode(PLANTED["secret"].encode()).decode()
    (root / "k8s.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n"
        "      containers:\n        - name: api\n          image: registry.example.com/api:1.0.0\n"
        f"          env:\n            - name: DB_PASSWORD\n              value: {PLANTED['env']}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: shop}\n"
        f"data:\n  apiToken: {PLANTED['configmap']}\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n"
        f"data:\n  password: {encoded}\n"
    )
    (root / "Dockerfile").write_text(
        f"FROM alpine:3.22.2\nENV ADMIN_PASSWORD={PLANTED['dockerfile']}\n"
        f'RUN wget --header "Authorization: token {PLANTED["token"]}" https://api.github.com/x\nUSER 65534\n'
    )


def test_no_output_format_and_no_baseline_contains_a_detected_secret(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _hostile_repository(repo)
    formats = ("json", "sarif", "junit", "markdown", "github", "gitlab-sast", "csv")
    outputs = {fmt: tmp_path / f"report.{fmt}" for fmt in formats}
    baseline = tmp_path / "baseline.json"
    args = ["scan", str(repo), "--no-cache", "--create-baseline", str(baseline), "--show-unknown"]
    for fmt, path in outputs.items():
        args += ["--format", fmt, "--output", str(path)]
    report = CliRunner().invoke(main, args)
    console = CliRunner().invoke(main, ["scan", str(repo), "--no-cache", "--show-unknown"])
    texts = {
        "console": console.output,
        "cli": report.output,
        "baseline": baseline.read_text(),
        **{fmt: path.read_text() for fmt, path in outputs.items()},
    }
    for check_id in ("IG-SEC-001", "IG-SEC-002", "IG-SEC-003", "IG-SEC-004", "IG-K8S-013", "IG-DKR-004"):
        assert check_id in texts["json"], f"{check_id} found nothing in the planted repository"
    for where, text in texts.items():
        for what, secret in PLANTED.items():
            assert secret not in text, f"the {what} secret appears in the {where} output"
        assert base64.b64encode(PLANTED["secret"].encode()).decode() not in text, f"encoded secret in {where}"

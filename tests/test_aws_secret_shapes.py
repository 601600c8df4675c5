"""User-data scripts are read for shell and cloud-init assignments of secrets (IG-AWS-164), on top of the
shared detector in scanner.secrets."""

from __future__ import annotations

from checks.aws_compute import script_secrets


def test_shell_assignments_and_echoed_env_lines_of_a_literal_secret_are_found() -> None:
    script = (
        "#!/bin/bash\n"
        "export AWS_SECRET_ACCESS_KEY=9dK2vQ7mZx4LrT8wP1nB6yC3hF5jG0sA2eU7iO9k\n"
        'echo "dbPassword=Tr0ub4dor-and-3" >> /etc/app.env\n'
    )
    assert script_secrets(script) == [
        "literal value of AWS_SECRET_ACCESS_KEY",
        "literal value of dbPassword",
    ]


def test_shell_expansions_placeholders_and_references_are_not_secrets() -> None:
    script = (
        "#!/bin/bash\n"
        "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id web-db --query SecretString)\n"
        'echo "password: $DB_PASSWORD" > /dev/null\n'
        "API_TOKEN=changeme\n"
        "DB_PASSWORD_FILE=/run/secrets/db\n"
    )
    assert script_secrets(script) == []


def test_self_identifying_credentials_are_left_out_when_another_check_reports_them() -> None:
    script = "#!/bin/bash\naws configure set aws_access_key_id AKIA4QXZ7R2M5TJ3KWPB\n"
    assert script_secrets(script) == ["AWS Access Key"]
    assert script_secrets(script, self_identifying=False) == []

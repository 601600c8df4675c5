"""The small value-shape test behind the AWS environment and user-data secret checks (IG-AWS-163, IG-AWS-164)."""

from __future__ import annotations

import pytest

from checks.aws_compute import secret_reason, secrets_in_text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD", "Summer2024!billing"),
        ("dbPassword", "h7Gq2mZr9TnLw4Xc"),
        ("vaultpassword", "h7Gq2mZr9TnLw4Xc"),
        ("SMTP_PASS", "q8Zr!m2Lw"),
        ("STRIPE_API_KEY", "sk_live_51H8xQ2KZv3mN0pRt7Yb"),
        ("JWT_SIGNING_KEY", "dGhpc2lzYXNlY3JldA"),
        ("anything", "AKIA4QXZ7R2M5TJ3KWPB"),
        ("QUEUE_URL", "amqp://mailer:Xr7pQ2sLm9@mq.internal:5671/mail"),
    ],
)
def test_a_credential_name_with_a_literal_value_or_a_credential_shape_is_a_secret(name: str, value: str) -> None:
    assert secret_reason(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_PASSWORD", "changeme"),
        ("API_TOKEN", "<api-token>"),
        ("ADMIN_PASSWORD", "${ADMIN_PASSWORD}"),
        ("NEXTAUTH_SECRET", "$NEXTAUTH_SECRET"),
        ("DJANGO_SECRET_KEY", "SECRET"),
        ("DB_PASSWORD", ""),
        ("client_secret", "client_secret"),
        ("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db"),
        ("DB_PASSWORD_FILE", "/run/secrets/db"),
        ("TOKEN_ISSUER", "https://auth.example.com/"),
        ("SESSION_TOKEN_TTL_MS", "86400000"),
        ("KMS_MASTER_KEY", "alias/billing"),
        ("http_tokens", "required"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app"),
        ("BYPASS_CACHE", "yes12345"),
    ],
)
def test_placeholders_references_and_settings_named_like_secrets_are_not_secrets(name: str, value: str) -> None:
    assert secret_reason(name, value) is None


def test_user_data_scripts_are_read_line_by_line_and_shell_expansions_are_not_secrets() -> None:
    script = (
        "#!/bin/bash\n"
        "DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id web-db --query SecretString)\n"
        'echo "password: $DB_PASSWORD" > /dev/null\n'
    )
    assert secrets_in_text(script) == []
    assert secrets_in_text(script + "export AWS_SECRET_ACCESS_KEY=9dK2vQ7mZx4LrT8wP1nB6yC3hF5jG0sA2eU7iO9k\n") == [
        "a literal value for AWS_SECRET_ACCESS_KEY"
    ]

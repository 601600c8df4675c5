"""AWS secrets and keys: secret values written in the code (parameters, secret versions), Secrets Manager, KMS
and ACM hygiene, and the AWS provider's own settings.

What a secret looks like is decided once, in `scanner.secrets` (the detector IG-SEC-001 uses for every
attribute of every resource; environments and user data are IG-AWS-163/164's). These checks only look where
those cannot: inside JSON secrets and under names that do not say "secret" (a SecureString parameter's
`value`); a value IG-SEC-001 already reports on the same attribute is left to it, so one secret gives one
finding.

"Hard-coded" means the value is known to the scanner: written in the file, a variable default or a tfvars
file of the repository. A value the scanner cannot compute (a variable set at apply time, a generated
password) is by definition not in the code, so those checks pass on it rather than answering unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from checks._helpers import (
    as_int,
    configured,
    first_block,
    is_true,
    written,
)
from scanner.fix.spec import SetValue
from scanner.records import PartialDocument, Resource, UnknownValue
from scanner.registry import Fail, check
from scanner.secrets import is_secret_name, secret_kind


def _known(resource: Resource, path: str) -> Any:
    """The value at `path`, or None when it is not known: an unknown value is not written in the code."""
    try:
        return resource.get(path)
    except UnknownValue:
        return None


def _left_to_sec001(resource: Resource, path: str) -> bool:
    """Whether IG-SEC-001 already reports the attribute at `path` (its detector, on the same value and name)."""
    value = _known(resource, path)
    return isinstance(value, str) and secret_kind(path.rsplit(".", 1)[-1], value) is not None


# medium: a man in the middle of the Terraform run sees (and can change) every API call and its credentials
@check(
    id="IG-AWS-077",
    title="AWS provider does not verify TLS certificates",
    severity="medium",
    framework="terraform",
    types=["provider.aws"],
    cwe="CWE-295",
    description="insecure = true makes the AWS provider accept any TLS certificate from the AWS endpoints: anyone "
    "on the network path of a plan or apply (a proxy, a compromised CI network) can read the signed requests, "
    "the state values they carry and the secrets in responses, and feed Terraform forged answers.",
    remediation="Remove insecure (false by default); for a private endpoint with its own CA, add the CA to the "
    "system trust store or set custom_ca_bundle.",
    example='provider "aws" {\n  region = "eu-west-1"\n}',
    tags=("tls",),
)
def aws_provider_insecure(resource):
    if is_true(resource.get("insecure")):
        return Fail("insecure", "the provider skips TLS certificate verification")
    return None


def _json(resource: Resource, path: str) -> Any:
    """The JSON document at `path` decoded (Unknown leaves where not known); None when absent or not JSON."""
    try:
        value = resource.get(path)
    except UnknownValue:
        parent, _, name = path.rpartition(".")
        container = resource.get(parent) if parent else resource.attributes
        value = container.get(name) if isinstance(container, dict) else None
        return value.document if isinstance(value, PartialDocument) else None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, dict | list) else None


# low: without it, a later policy change can make the secret public without AWS stopping it
@check(
    id="IG-AWS-079",
    title="Secrets Manager secret policy does not block public policies",
    severity="low",
    framework="terraform",
    types=["aws_secretsmanager_secret_policy"],
    cwe="CWE-732",
    description="block_public_policy = true makes Secrets Manager validate every policy put on the secret and reject "
    "one that grants public access; it defaults to false, so nothing stops a later edit from exposing the secret.",
    remediation="Set block_public_policy = true.",
    example='resource "aws_secretsmanager_secret_policy" "db" {\n'
    "  secret_arn          = aws_secretsmanager_secret.db.arn\n  block_public_policy = true\n"
    "  policy              = data.aws_iam_policy_document.db_secret.json\n}",
    tags=("secrets",),
    fix=SetValue("block_public_policy", True),
)
def aws_secret_policy_not_blocking(resource):
    if not is_true(resource.get("block_public_policy")):
        at = written(resource, "block_public_policy")
        return Fail(at, "block_public_policy is not true: public policies are not rejected")
    return None


def _secret_leaves(document: Any, path: str = "") -> list[str]:
    """Keys of a decoded JSON secret whose known values are hard-coded credentials."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, dict | list):
                found += _secret_leaves(value, f"{path}{key}.")
            elif secret_kind(str(key), value):
                found.append(f"{path}{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _secret_leaves(value, f"{path}{index}.")
    return found


# high: the secret store is bypassed: the value lives in the repository (and the state)
@check(
    id="IG-AWS-080",
    title="Secret value is written in the Terraform code",
    severity="high",
    framework="terraform",
    types=["aws_secretsmanager_secret_version", "aws_ssm_parameter"],
    cwe="CWE-798",
    description="The value of a SecureString parameter, or a secret-named key of a JSON secret_string, known to the "
    "scanner is written in the repository (a literal, a variable default or a tfvars file): the secret is in "
    "version control in clear, whatever the secret store does with it. Generated values (random_password), "
    "placeholders, and plain string secrets (reported by IG-SEC-001) are not reported here.",
    remediation="Generate the value (random_password) or set it outside Terraform and ignore_changes on it; never "
    "commit it. Rotate a secret that was committed.",
    example='resource "aws_secretsmanager_secret_version" "db" {\n  secret_id     = aws_secretsmanager_secret.db.id\n'
    '  secret_string = jsonencode({\n    username = "orders"\n    password = random_password.db.result\n  })\n}',
    tags=("secrets",),
)
def aws_secret_value_in_code(resource):
    if resource.type == "aws_ssm_parameter":
        if _known(resource, "type") != "SecureString" or _left_to_sec001(resource, "value"):
            return None
        value = _known(resource, "value")
        # a SecureString's value is a secret whatever the parameter is called: judge it as a password
        if isinstance(value, str) and _json(resource, "value") is None and secret_kind("password", value):
            return Fail("value", "the SecureString value is written in the code")
        document = _json(resource, "value")
    else:
        if _left_to_sec001(resource, "secret_string"):
            return None
        document = _json(resource, "secret_string")
    keys = _secret_leaves(document) if isinstance(document, dict | list) else []
    if keys:
        path = "value" if resource.type == "aws_ssm_parameter" else "secret_string"
        return Fail(path, f"the secret's {', '.join(keys)} value is written in the code")
    return None


# medium: String parameters are stored and shown in clear to anyone with ssm:GetParameter
@check(
    id="IG-AWS-081",
    title="SSM parameter named like a secret is stored as plain String",
    severity="medium",
    framework="terraform",
    types=["aws_ssm_parameter"],
    cwe="CWE-312",
    description='A parameter whose name says it holds a password, secret, token or key but whose type is "String" '
    "(or StringList) is stored unencrypted and shown in clear in the console, the API and the Terraform plan.",
    remediation='Use type = "SecureString" (with a customer managed key_id if needed).',
    example='resource "aws_ssm_parameter" "db_password" {\n  name  = "/orders/prod/db/password"\n'
    '  type  = "SecureString"\n  value = random_password.db.result\n}',
    tags=("secrets",),
)
def aws_ssm_plain_secret(resource):
    name = resource.get("name")
    kind = resource.get("type")
    plain = isinstance(name, str) and kind in ("String", "StringList")
    if plain and is_secret_name(name.rstrip("/").rsplit("/", 1)[-1]):
        return Fail("type", f"parameter {name} is stored as {kind}, unencrypted")
    return None


# low: the AWS managed key cannot be restricted or shared across accounts
@check(
    id="IG-AWS-082",
    title="Secrets Manager secret is encrypted with the AWS managed key",
    severity="low",
    framework="terraform",
    types=["aws_secretsmanager_secret"],
    cwe="CWE-311",
    description="Without kms_key_id the secret is encrypted with aws/secretsmanager, whose key policy lets every "
    "principal of the account with secretsmanager:GetSecretValue decrypt it; a customer managed key adds a second "
    "policy to pass, and is required to share the secret with another account.",
    remediation="Set kms_key_id to a customer managed key whose policy names the roles that read the secret.",
    example='resource "aws_secretsmanager_secret" "db" {\n  name       = "prod/orders/db"\n'
    "  kms_key_id = aws_kms_key.secrets.arn\n}",
    tags=("secrets", "encryption"),
)
def aws_secret_default_key(resource):
    if not configured(resource, "kms_key_id"):
        return Fail(written(resource, "kms_key_id"), "secret is encrypted with the AWS managed key aws/secretsmanager")
    return None


# low: a secret that never changes stays valid for as long as any copy of it survives
@check(
    id="IG-AWS-083",
    title="Secrets Manager secret has no rotation",
    severity="low",
    framework="terraform",
    types=["aws_secretsmanager_secret"],
    cwe="CWE-324",
    description="No aws_secretsmanager_secret_rotation references the secret, so it keeps its value until someone "
    "changes it by hand: a copy that leaked (a log, a laptop, a former employee) keeps working.",
    remediation="Add an aws_secretsmanager_secret_rotation with a rotation Lambda (or manage_master_user_password "
    "for RDS, which rotates on its own) and rotation_rules { automatically_after_days = 30 }.",
    example='resource "aws_secretsmanager_secret_rotation" "db" {\n'
    "  secret_id           = aws_secretsmanager_secret.db.id\n"
    "  rotation_lambda_arn = aws_lambda_function.rotate_db.arn\n\n"
    "  rotation_rules {\n    automatically_after_days = 30\n  }\n}",
    graph=True,
    tags=("secrets",),
)
def aws_secret_no_rotation(resource, graph):
    if graph.linked_from(resource, "aws_secretsmanager_secret_rotation", "secret_id"):
        return None
    return Fail(None, "no aws_secretsmanager_secret_rotation rotates this secret")


# low: a deleted secret cannot be restored
@check(
    id="IG-AWS-084",
    title="Secrets Manager secret is deleted without a recovery window",
    severity="low",
    framework="terraform",
    types=["aws_secretsmanager_secret"],
    cwe="CWE-404",
    description="recovery_window_in_days = 0 deletes the secret immediately on destroy: a mistaken terraform destroy "
    "or a malicious deletion cannot be undone, and every service using the secret fails at once.",
    remediation="Keep the default 30-day recovery window (7 at least).",
    example='resource "aws_secretsmanager_secret" "db" {\n  name                    = "prod/orders/db"\n'
    "  recovery_window_in_days = 30\n}",
    tags=("secrets",),
    fix=SetValue(
        "recovery_window_in_days",
        30,
        unsafe="a deleted secret's name stays reserved for 30 days, so pipelines that destroy and recreate a secret "
        "under the same name fail",
    ),
)
def aws_secret_no_recovery_window(resource):
    value = resource.get("recovery_window_in_days")
    if value is not None and str(value).strip() == "0":
        return Fail("recovery_window_in_days", "the secret is deleted immediately, with no recovery window")
    return None


# low: a certificate missing from the public logs cannot be spotted when it is misissued or misused
@check(
    id="IG-AWS-085",
    title="ACM certificate opts out of certificate transparency logging",
    severity="low",
    framework="terraform",
    types=["aws_acm_certificate"],
    cwe="CWE-778",
    description='options { certificate_transparency_logging_preference = "DISABLED" } keeps the certificate out of '
    "the public CT logs: browsers (Chrome, Safari) reject such certificates, and domain owners lose the record "
    "that lets them spot misissued certificates.",
    remediation='Remove the option or set it to "ENABLED" (the default).',
    example='resource "aws_acm_certificate" "www" {\n  domain_name       = "www.example.com"\n'
    '  validation_method = "DNS"\n}',
    tags=("tls",),
    fix=SetValue(
        "options.0.certificate_transparency_logging_preference",
        "ENABLED",
        unsafe="the certificate's domain names are published in public certificate transparency logs",
    ),
)
def aws_acm_no_transparency(resource):
    block = first_block(resource, "options")
    if block is not None and resource.get(f"{block}.certificate_transparency_logging_preference") == "DISABLED":
        return Fail(f"{block}.certificate_transparency_logging_preference", "certificate transparency logging is off")
    return None


# low: whoever reads one of the domain's admin mailboxes can approve certificates for it
@check(
    id="IG-AWS-086",
    title="ACM certificate is validated by email",
    severity="low",
    framework="terraform",
    types=["aws_acm_certificate"],
    cwe="CWE-287",
    description='validation_method = "EMAIL" lets anyone who reads admin@, hostmaster@ or the WHOIS contact mailbox '
    "approve the certificate, and the certificate does not renew automatically (an expired certificate is an "
    "outage). DNS validation proves control of the zone and renews on its own.",
    remediation='Use validation_method = "DNS" with aws_route53_record and aws_acm_certificate_validation.',
    example='resource "aws_acm_certificate" "www" {\n  domain_name       = "www.example.com"\n'
    '  validation_method = "DNS"\n}',
    tags=("tls",),
)
def aws_acm_email_validation(resource):
    if resource.get("validation_method") == "EMAIL":
        return Fail("validation_method", "certificate is validated by email and will not renew automatically")
    return None


# low: the safety check is what stops a policy that locks every administrator out of the key
@check(
    id="IG-AWS-087",
    title="KMS key skips the policy lockout safety check",
    severity="low",
    framework="terraform",
    types=["aws_kms_key", "aws_kms_key_policy"],
    cwe="CWE-1188",
    description="bypass_policy_lockout_safety_check = true lets a key policy be applied even when it leaves no "
    "principal able to manage the key: a mistake makes the key, and everything encrypted under it, unmanageable "
    "without AWS Support.",
    remediation="Remove bypass_policy_lockout_safety_check (false by default).",
    example='resource "aws_kms_key" "data" {\n  description         = "application data"\n'
    "  enable_key_rotation = true\n}",
    tags=("encryption",),
    fix=SetValue("bypass_policy_lockout_safety_check", False),
)
def aws_kms_lockout_bypass(resource):
    if is_true(resource.get("bypass_policy_lockout_safety_check")):
        return Fail("bypass_policy_lockout_safety_check", "the key policy lockout safety check is bypassed")
    return None


MIN_DELETION_WINDOW_DAYS = 30


# low: a scheduled deletion (a mistake or an attacker's) leaves little time to notice before data is lost
@check(
    id="IG-AWS-105",
    title="KMS key can be deleted after a short waiting period",
    severity="low",
    framework="terraform",
    types=["aws_kms_key", "aws_kms_replica_key"],
    cwe="CWE-404",
    description=f"deletion_window_in_days below {MIN_DELETION_WINDOW_DAYS} (the default) shortens the only window "
    "in which a scheduled key deletion can be cancelled: once the key is gone, everything encrypted under it "
    "(volumes, snapshots, backups, secrets) is unrecoverable.",
    remediation=f"Set deletion_window_in_days = {MIN_DELETION_WINDOW_DAYS} (or remove it), and alarm on "
    "ScheduleKeyDeletion events.",
    example='resource "aws_kms_key" "data" {\n  description             = "application data"\n'
    "  enable_key_rotation     = true\n  deletion_window_in_days = 30\n}",
    tags=("encryption",),
    fix=SetValue("deletion_window_in_days", 30),
)
def aws_kms_short_deletion_window(resource):
    days = as_int(resource.get("deletion_window_in_days"))
    if days is not None and days < MIN_DELETION_WINDOW_DAYS:
        return Fail("deletion_window_in_days", f"a scheduled deletion can only be cancelled for {days} days")
    return None


MAX_ROTATION_DAYS = 90


# low: rotation that rarely happens leaves a leaked value valid for months
@check(
    id="IG-AWS-107",
    title="Secrets Manager secret rotates less often than every 90 days",
    severity="low",
    framework="terraform",
    types=["aws_secretsmanager_secret_rotation"],
    cwe="CWE-324",
    description=f"rotation_rules with automatically_after_days (or a rate() schedule) above {MAX_ROTATION_DAYS} keeps "
    "each value valid for longer than most compliance regimes allow, and a leaked copy working for as long.",
    remediation=f"Rotate every {MAX_ROTATION_DAYS} days or less (30 is common).",
    example='resource "aws_secretsmanager_secret_rotation" "db" {\n'
    "  secret_id           = aws_secretsmanager_secret.db.id\n"
    "  rotation_lambda_arn = aws_lambda_function.rotate_db.arn\n\n"
    "  rotation_rules {\n    automatically_after_days = 30\n  }\n}",
    tags=("secrets",),
)
def aws_secret_rotation_slow(resource):
    block = first_block(resource, "rotation_rules")
    if block is None:
        return None
    days = resource.get(f"{block}.automatically_after_days")
    at = f"{block}.automatically_after_days"
    if days is None:
        schedule = resource.get(f"{block}.schedule_expression")
        match = re.fullmatch(r"\s*rate\((\d+)\s+days?\)\s*", str(schedule or ""))
        days, at = (int(match.group(1)), f"{block}.schedule_expression") if match else (None, at)
    if isinstance(days, int | str) and str(days).strip().isdigit() and int(days) > MAX_ROTATION_DAYS:
        return Fail(at, f"the secret rotates every {int(days)} days")
    return None


# low: aws/ssm can be used by every principal of the account that may read the parameter
@check(
    id="IG-AWS-113",
    title="SSM SecureString parameter is encrypted with the AWS managed key",
    severity="low",
    framework="terraform",
    types=["aws_ssm_parameter"],
    cwe="CWE-311",
    description="A SecureString parameter without key_id is encrypted with aws/ssm, whose key policy lets any "
    "principal of the account with ssm:GetParameter decrypt it; a customer managed key adds a second policy to "
    "pass, and is needed to share the parameter across accounts.",
    remediation="Set key_id to a customer managed key whose policy names the roles that read the parameter.",
    example='resource "aws_ssm_parameter" "db_password" {\n  name   = "/orders/prod/db/password"\n'
    '  type   = "SecureString"\n  key_id = aws_kms_key.parameters.arn\n  value  = random_password.db.result\n}',
    tags=("secrets", "encryption"),
)
def aws_ssm_default_key(resource):
    if resource.get("type") == "SecureString" and not configured(resource, "key_id"):
        return Fail(written(resource, "key_id"), "SecureString is encrypted with the AWS managed key aws/ssm")
    return None

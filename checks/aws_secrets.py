"""AWS secrets and keys: credentials written in the code (provider blocks, environment variables, user data,
secret values, parameters), Secrets Manager hygiene, KMS key policy safety and ACM certificates.

"Hard-coded" means the value is known to the scanner: written in the file, a variable default or a tfvars
file of the repository. A value the scanner cannot compute (a variable set at apply time, a generated
password) is by definition not in the code, so those checks pass on it rather than answering unknown.
Placeholders (empty, "changeme", "<...>", the AWS documentation's EXAMPLE keys such as AKIAIOSFODNN7EXAMPLE,
which do not work anywhere) are not credentials.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from checks._helpers import (
    first_block,
    is_true,
    referrers,
    set_argument,
    written,
)
from scanner.records import PartialDocument, Resource, UnknownValue
from scanner.registry import Fail, check

ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")
SECRET_ACCESS_KEY = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
PLACEHOLDER = re.compile(
    r"^(|x+|\*+|<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$[A-Z_]+|changeme|change[-_ ]?me|placeholder|dummy|example|sample|"
    r"test|testing|foo|bar|secret|password|passwd|token|todo|tbd|none|null|nil|n/?a|replace[-_ ]?me.*|your[-_ ].*|"
    r"(mock|fake|fixme)[-_a-z0-9]*|to[-_ ]be[-_ ](set|changed|replaced).*)$",
    re.IGNORECASE,
)
# Names of settings that hold a secret; the suffixes after them name something else (SECRET_ARN, TOKEN_URL).
SECRET_NAME = re.compile(
    r"(^|[^a-z])(pass(word|wd)?|pwd|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|credentials?|"
    r"client[-_]?secret|auth[-_]?key|signing[-_]?key)($|[^a-z])",
    re.IGNORECASE,
)
NOT_A_SECRET_SUFFIX = re.compile(
    r"[-_/.](arn|name|id|file|path|url|uri|endpoint|ttl|length|expiry|expiration|header|type|region|ssm|param|"
    r"parameter|key[-_]?id|version|policy|rotation|enabled|secret[-_]?name|secret[-_]?id|kms)$",
    re.IGNORECASE,
)
# Values that are references to a secret, not the secret: ARNs, SSM/Secrets Manager paths, dynamic references.
REFERENCE_VALUE = re.compile(
    r"^(arn:|ssm:|secretsmanager:|resolve:|\{\{resolve:|/|https?://[^:@/]+(/|$))", re.IGNORECASE
)


def placeholder(value: str) -> bool:
    text = value.strip()
    return bool(PLACEHOLDER.match(text)) or "EXAMPLE" in text or "${" in text


def secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_A_SECRET_SUFFIX.search(name)


def literal_secret(value: Any) -> bool:
    """A known string that could be a credential: not a placeholder, not a reference, not a flag or a number."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if placeholder(text) or REFERENCE_VALUE.match(text) or len(text) < 6:
        return False
    return text.lower() not in ("true", "false") and not re.fullmatch(r"[\d.]+", text)


def access_keys(text: str) -> list[str]:
    """AWS access key ids in `text` that are not the documentation's examples."""
    return [m.group(0) for m in ACCESS_KEY_ID.finditer(text) if not placeholder(m.group(0))]


def _known(resource: Resource, path: str) -> Any:
    """The value at `path`, or None when it is not known: an unknown value is not written in the code."""
    try:
        return resource.get(path)
    except UnknownValue:
        return None


def _shown(key: str) -> str:
    """An access key id with its secret part masked, for messages."""
    return f"{key[:4]}...{key[-4:]}"


# critical: a long-lived key to the account, in every clone of the repository
@check(
    id="IG-AWS-077",
    title="AWS provider block has hard-coded credentials",
    severity="critical",
    framework="terraform",
    types=["provider.aws"],
    cwe="CWE-798",
    description="access_key, secret_key or token written in a provider \"aws\" block (or a variable default or "
    "tfvars file of the repository) puts working AWS credentials in version control, in every clone, fork and CI "
    "log of it. Placeholders (\"test\" for LocalStack, AWS's documentation keys ending in EXAMPLE) and values "
    "supplied at run time are not reported.",
    remediation="Remove the arguments and let the provider find credentials in the environment (AWS_PROFILE, "
    "SSO, instance or CI role); rotate the exposed key now.",
    example='provider "aws" {\n  region = "eu-west-1"\n\n  assume_role {\n'
    '    role_arn = "arn:aws:iam::123456789012:role/terraform"\n  }\n}',
    tags=("secrets",),
)
def aws_provider_credentials(resource):
    fails = []
    key_id = _known(resource, "access_key")
    if isinstance(key_id, str) and (access_keys(key_id) or literal_secret(key_id)):
        fails.append(Fail("access_key", f"access_key {_shown(key_id.strip())} is written in the code"))
    for name in ("secret_key", "token"):
        if literal_secret(_known(resource, name)):
            fails.append(Fail(name, f"{name} is written in the code"))
    return fails or None


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


def _environment(resource: Resource) -> list[tuple[str, str, Any]]:
    """(attribute path, variable name, value) of the environment variables of a function or task definition."""
    if resource.type == "aws_lambda_function":
        block = first_block(resource, "environment")
        variables = _known(resource, f"{block}.variables") if block else None
        if not isinstance(variables, dict):
            return []
        return [(f"{block}.variables.{k}", k, v) for k, v in sorted(variables.items())]
    containers = _json(resource, "container_definitions")
    found = []
    for container in containers if isinstance(containers, list) else []:
        entries = container.get("environment") if isinstance(container, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                found.append(("container_definitions", entry["name"], entry.get("value")))
    return found


def _decoded_user_data(resource: Resource, path: str) -> str | None:
    """User data as text: plain, or base64 (user_data_base64, base64encode(...))."""
    value = _known(resource, path)
    if not isinstance(value, str) or not value:
        return None
    if path.endswith("base64") or re.fullmatch(r"[A-Za-z0-9+/=\s]{16,}", value):
        try:
            return base64.b64decode(value, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return value if not path.endswith("base64") else None
    return value


WORKLOAD_TYPES = ["aws_lambda_function", "aws_ecs_task_definition", "aws_instance", "aws_launch_template",
                  "aws_launch_configuration"]  # fmt: skip


# critical: working AWS credentials in a function's or host's configuration, readable by anyone who can describe it
@check(
    id="IG-AWS-078",
    title="AWS access key hard-coded in a function, task definition or user data",
    severity="critical",
    framework="terraform",
    types=WORKLOAD_TYPES,
    cwe="CWE-798",
    description="An AWS access key id (AKIA... long-term, ASIA... temporary) in Lambda environment variables, an ECS "
    "container definition or EC2 user data is readable by anyone who can describe the function, task or instance "
    "(and from the instance metadata service), and sits in the repository. The workload has a role: it never "
    "needs a key.",
    remediation="Delete the key and rotate it; grant the permissions to the function's execution role, the task "
    "role or the instance profile instead.",
    example='resource "aws_lambda_function" "export" {\n  function_name = "export"\n'
    '  role          = aws_iam_role.export.arn\n  handler       = "main.handler"\n  runtime       = "python3.12"\n'
    '  filename      = "export.zip"\n\n  environment {\n    variables = {\n      BUCKET = "acme-exports"\n    }\n'
    "  }\n}",
    tags=("secrets",),
)
def aws_workload_access_key(resource):
    fails = []
    if resource.type in ("aws_lambda_function", "aws_ecs_task_definition"):
        environment = _environment(resource)
        for path, name, value in environment:
            keys = access_keys(value) if isinstance(value, str) else []
            if keys:
                fails.append(Fail(path, f"environment variable {name} holds the access key {_shown(keys[0])}"))
            elif name in _paired_secret_keys(environment):
                fails.append(Fail(path, f"environment variable {name} holds the secret key of that access key"))
        return fails or None
    for path in ("user_data", "user_data_base64"):
        text = _decoded_user_data(resource, path)
        keys = access_keys(text) if text else []
        if keys:
            paired = " and its secret key" if SECRET_ACCESS_KEY.search(text) else ""
            fails.append(Fail(path, f"user data contains the access key {_shown(keys[0])}{paired}"))
    return fails or None


def _paired_secret_keys(environment: list[tuple[str, str, Any]]) -> set[str]:
    """Names of variables holding a 40-character secret access key next to an access key id in the same
    environment (IG-AWS-078 reports them; IG-AWS-079 leaves them alone)."""
    if not any(isinstance(v, str) and access_keys(v) for _, _, v in environment):
        return set()
    return {
        name
        for _, name, value in environment
        if isinstance(value, str) and SECRET_ACCESS_KEY.fullmatch(value.strip()) and not placeholder(value)
    }


# high: a password or token in plain sight of everyone who can read the function or task configuration
@check(
    id="IG-AWS-079",
    title="Secret written in a function's or container's environment variables",
    severity="high",
    framework="terraform",
    types=["aws_lambda_function", "aws_ecs_task_definition"],
    cwe="CWE-798",
    description="An environment variable named like a secret (PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY...) with "
    "a literal value puts the credential in the repository and in the function or task definition, where "
    "lambda:GetFunctionConfiguration or ecs:DescribeTaskDefinition shows it to anyone with read access. Values "
    "computed at apply time, placeholders and references (ARNs, parameter paths) are not reported; AWS keys are "
    "reported by IG-AWS-078.",
    remediation="Store the value in Secrets Manager or SSM Parameter Store (SecureString) and pass its ARN: the ECS "
    "container definition's secrets/valueFrom, or read it at start-up in the function.",
    example='resource "aws_ecs_task_definition" "api" {\n  family = "api"\n  container_definitions = jsonencode([{\n'
    '    name    = "api"\n    image   = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2"\n'
    '    secrets = [{ name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn }]\n  }])\n}',
    tags=("secrets",),
)
def aws_workload_env_secret(resource):
    fails = []
    environment = _environment(resource)
    paired = _paired_secret_keys(environment)
    for path, name, value in environment:
        if secret_name(name) and literal_secret(value) and not access_keys(value) and name not in paired:
            fails.append(Fail(path, f"environment variable {name} holds a literal secret"))
    return fails or None


def _secret_leaves(document: Any, path: str = "") -> list[str]:
    """Keys of a decoded JSON secret whose known values are literal credentials."""
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, dict | list):
                found += _secret_leaves(value, f"{path}{key}.")
            elif secret_name(str(key)) and literal_secret(value):
                found.append(f"{path}{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _secret_leaves(value, f"{path}{index}.")
    return found


def _written_secret(resource: Resource, path: str) -> str | None:
    """Why the secret value at `path` is written in the code; None when it is not (unknown, placeholder)."""
    document = _json(resource, path)
    if isinstance(document, dict | list):
        keys = _secret_leaves(document)
        return f"its {', '.join(keys)} are written in the code" if keys else None
    value = _known(resource, path)
    return "the value is written in the code" if literal_secret(value) else None


# high: the secret store is bypassed: the value lives in the repository (and the state)
@check(
    id="IG-AWS-080",
    title="Secret value is written in the Terraform code",
    severity="high",
    framework="terraform",
    types=["aws_secretsmanager_secret_version", "aws_ssm_parameter"],
    cwe="CWE-798",
    description="secret_string of a Secrets Manager secret version, or the value of a SecureString parameter, known "
    "to the scanner is written in the repository (a literal, a variable default or a tfvars file): the secret is "
    "in version control in clear, whatever the secret store does with it. JSON secrets are judged on their "
    "secret-named keys; generated values (random_password) and placeholders are not reported.",
    remediation="Generate the value (random_password) or set it outside Terraform and ignore_changes on it; never "
    "commit it. Rotate a secret that was committed.",
    example='resource "aws_secretsmanager_secret_version" "db" {\n  secret_id     = aws_secretsmanager_secret.db.id\n'
    "  secret_string = jsonencode({\n    username = \"orders\"\n    password = random_password.db.result\n  })\n}",
    tags=("secrets",),
)
def aws_secret_value_in_code(resource):
    if resource.type == "aws_ssm_parameter":
        if _known(resource, "type") != "SecureString":
            return None
        path = "value"
    else:
        path = "secret_string"
    reason = _written_secret(resource, path)
    return Fail(path, f"secret {reason}") if reason else None


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
    if plain and secret_name(name.rstrip("/").rsplit("/", 1)[-1]):
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
    if not set_argument(resource, "kms_key_id"):
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
    if referrers(graph, resource, "aws_secretsmanager_secret_rotation", "secret_id"):
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
)
def aws_kms_lockout_bypass(resource):
    if is_true(resource.get("bypass_policy_lockout_safety_check")):
        return Fail("bypass_policy_lockout_safety_check", "the key policy lockout safety check is bypassed")
    return None



# high: the certificate's private key is in the repository: anyone with a clone can impersonate the site
@check(
    id="IG-AWS-105",
    title="Certificate private key is written in the repository",
    severity="high",
    framework="terraform",
    types=["aws_acm_certificate", "aws_iam_server_certificate"],
    cwe="CWE-321",
    description="The private_key of an imported ACM or IAM server certificate is known to the scanner: it is written "
    "in the code or in a file of the repository read with file(). Everyone with read access to the repository can "
    "impersonate the certificate's domains or decrypt recorded traffic.",
    remediation="Issue the certificate with ACM (the key never leaves AWS), or pass the key at apply time from a "
    "secret store; remove the key from the repository's history and revoke the certificate.",
    example='resource "aws_acm_certificate" "portal" {\n  domain_name       = "portal.example.com"\n'
    '  validation_method = "DNS"\n}',
    tags=("secrets", "tls"),
)
def aws_certificate_key_in_repo(resource):
    key = _known(resource, "private_key")
    if isinstance(key, str) and "PRIVATE KEY-----" in key and not placeholder(key.replace("-", "")):
        return Fail("private_key", "the certificate's private key is in the repository")
    return None


# NAME=value lines of a shell script that assign a literal to a secret-named variable.
SCRIPT_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?:'([^'$`]*)'|"([^"$`]*)"|([^\s'"$`;&|]+))""", re.MULTILINE
)


# high: the secret is readable from the instance's user data by anyone who can describe it or reach its metadata
@check(
    id="IG-AWS-106",
    title="Secret written in EC2 user data",
    severity="high",
    framework="terraform",
    types=["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    cwe="CWE-798",
    description="A user data script that assigns a literal to a variable named like a secret (DB_PASSWORD=..., "
    "API_TOKEN=...) stores the secret in the repository and in the instance's user data, which any principal with "
    "ec2:DescribeInstanceAttribute, and any process on the instance (through the metadata service), can read. AWS "
    "keys are reported by IG-AWS-078.",
    remediation="Read the secret at boot from Secrets Manager or SSM Parameter Store with the instance role "
    "(aws secretsmanager get-secret-value ...).",
    example='resource "aws_instance" "app" {\n  ami                  = data.aws_ami.al2023.id\n'
    '  instance_type        = "t3.small"\n  iam_instance_profile = aws_iam_instance_profile.app.name\n'
    "  user_data            = <<-EOT\n    #!/bin/bash\n"
    "    DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/app/db --query SecretString)\n"
    "  EOT\n}",
    tags=("secrets",),
)
def aws_user_data_secret(resource):
    for path in ("user_data", "user_data_base64"):
        text = _decoded_user_data(resource, path)
        if not text:
            continue
        for match in SCRIPT_ASSIGNMENT.finditer(text):
            name = match.group(1)
            value = next(g for g in match.groups()[1:] if g is not None)
            if secret_name(name) and literal_secret(value) and not access_keys(value) and not _aws_secret(name, text):
                return Fail(path, f"user data assigns a literal secret to {name}")
    return None


def _aws_secret(name: str, text: str) -> bool:
    """AWS_SECRET_ACCESS_KEY next to an access key id: IG-AWS-078 reports the pair."""
    return name.upper() == "AWS_SECRET_ACCESS_KEY" and bool(access_keys(text))


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

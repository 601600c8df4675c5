"""AWS IAM checks: over-broad and escalating identity policies, risky trust policies, users, passwords.

Every policy, whatever its shape in the code (inline JSON, heredoc, jsonencode, an
aws_iam_policy_document, partly known), is read through `policy_document`/`policy_statements`; an
action pattern ("iam:Put*") is matched the way IAM matches it, case-insensitively with * and ?.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from checks._helpers import (
    PolicyStatement,
    Verdict,
    any_value,
    as_int,
    block_paths,
    element_paths,
    is_true,
    policy_document,
    policy_statements,
    public_statements,
    value_or_computed_id,
    without_computed_ids,
    written,
)
from checks.terraform_aws import IAM_POLICY_TYPES, full_admin
from scanner.fix.spec import SetValue
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check

POLICY_TYPES = [*IAM_POLICY_TYPES, "aws_iam_role"]
# Actions that let a principal give itself (or a principal it controls) more permissions.
ESCALATION_ACTIONS = (
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
)
# Condition keys that confine the attach/put actions to approved policies or a permissions boundary.
ESCALATION_LIMITS = {"iam:permissionsboundary", "iam:policyarn"}
# Actions that run code under a role passed with iam:PassRole.
COMPUTE_WITH_ROLE = (
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ec2:RunInstances",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "cloudformation:CreateStack",
    "ecs:RunTask",
    "ecs:RegisterTaskDefinition",
    "sagemaker:CreateNotebookInstance",
    "codebuild:CreateProject",
)
# AWS managed policies that are, or lead in one call to, full administrator access.
ADMIN_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(AdministratorAccess|IAMFullAccess)$")
# OIDC issuers that only sign tokens for one tenant: an EKS cluster, a CircleCI organisation, a Bitbucket workspace.
SINGLE_TENANT = re.compile(r"oidc\.eks\.|oidc\.circleci\.com/org/|/workspaces/[^/]+/pipelines-config/")
ACCOUNT_ROOT = re.compile(r"^(arn:aws[a-z-]*:iam::)?(\d{12})(:root)?$")
# Conditions that make trusting a whole account safe enough: a shared secret, MFA, or a named principal.
ACCOUNT_TRUST_LIMITS = {
    "sts:externalid",
    "aws:multifactorauthpresent",
    "aws:multifactorauthage",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:sourceidentity",
}


@lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text), re.IGNORECASE)


def action_matches(pattern: object, action: str) -> bool:
    """Whether the IAM action pattern (`iam:Put*`, `*`) covers `action`."""
    return isinstance(pattern, str) and _pattern(pattern.strip()).fullmatch(action) is not None


def grants(statement: PolicyStatement, action: str) -> bool:
    """An Allow statement's Action covers `action` (NotAction statements are judged by IG-AWS-037)."""
    return any_value(statement.get("Action"), lambda p: action_matches(p, action), f"{statement.path}.Action")


# An ARN whose resource part is "*" or "<type>/*": every user, role, policy... of the account(s).
EVERY_NAME = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[^:]*:(\*|[A-Za-z-]+/\*)")


def broad_resource(value: object) -> bool:
    """ "*", or an ARN that covers every name (`arn:aws:iam::123456789012:role/*`, `arn:aws:iam::*:*`); a path
    prefix (`role/aws-service-role/fsx.amazonaws.com/*`) or a name prefix (`role/app-*`) is not broad."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text == "*" or EVERY_NAME.fullmatch(text) is not None


def _on_broad_resource(statement: PolicyStatement) -> bool:
    resources = without_computed_ids(statement.get_partial("Resource"))  # a computed ARN names one resource
    return any_value(resources, broad_resource, f"{statement.path}.Resource")


def _allows(statement: PolicyStatement) -> bool:
    return statement.get("Effect") == "Allow"


def _full_admin(statement: PolicyStatement) -> bool:
    """Action "*" on Resource "*": reported by IG-AWS-009, so the checks below leave it alone."""
    return full_admin(statement)


def admin_grant(resource: Resource, path: str) -> str | None:
    """What in the identity policy at `path` is administrator access ("*" on "*", or Allow NotAction on "*"):
    a statement label, None when nothing is; unknown only when no statement is for sure."""
    verdict = Verdict()
    for statement in policy_statements(policy_document(resource, path), path):
        with verdict.item():
            if full_admin(statement):
                return f'statement {statement.label} allows "*" on "*"'
            if _allows(statement) and statement.get("NotAction") is not None and _on_broad_resource(statement):
                return f'statement {statement.label} allows everything but its NotAction on "*"'
    verdict.result()
    return None


def _condition_keys(statement: PolicyStatement) -> set[str]:
    """Lower-case keys of the statement's Condition; unknown when the condition (or an operator) is."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return set()
    keys: set[str] = set()
    for operator in condition.values():
        if isinstance(operator, Unknown):
            raise UnknownValue(f"{statement.path}.Condition", operator.reason)
        if isinstance(operator, dict):
            keys.update(k.lower() for k in operator)
    return keys


def _policy_paths(resource: Resource, verdict: Verdict) -> list[str]:
    if resource.type == "aws_iam_role":
        return [f"{p}.policy" for p in block_paths(resource, "inline_policy", verdict)]
    return ["policy"]


def _statements(resource: Resource, verdict: Verdict) -> Iterator[tuple[str, PolicyStatement]]:
    """(policy path, statement) of every identity policy the resource carries; unknown parts go to the verdict."""
    for path in _policy_paths(resource, verdict):
        with verdict.item():
            for statement in policy_statements(policy_document(resource, path), path):
                yield path, statement


def _judge_statements(resource: Resource, judge) -> list[Fail] | None:
    """One Fail per policy attribute, naming the statements `judge` describes (it returns text or None)."""
    verdict = Verdict()
    found: dict[str, list[str]] = {}
    for path, statement in _statements(resource, verdict):
        with verdict.item():
            text = judge(statement)
            if text:
                found.setdefault(path, []).append(f"statement {statement.label} {text}")
    for path, texts in found.items():
        verdict.fail(path, "; ".join(texts))
    return verdict.result()


# high: Allow + NotAction on every resource grants every action but a few, usually including IAM
@check(
    id="IG-AWS-037",
    title="IAM policy allows everything except a list of actions (Allow with NotAction)",
    severity="high",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-269",
    description='An Allow statement with NotAction on Resource "*" grants every action of every AWS service except '
    "the few listed, including services released later; it is usually meant as a deny list and ends up close to "
    "administrator access (IAM, KMS and Organizations actions included unless listed).",
    remediation="List the actions to allow with Action; express exceptions as a separate Deny statement.",
    example='resource "aws_iam_policy" "developers" {\n  name = "developers"\n  policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n'
    '      Action   = ["ec2:Describe*", "logs:GetLogEvents"]\n      Resource = "*"\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_allow_not_action(resource):
    def judge(statement: PolicyStatement) -> str | None:
        if not _allows(statement) or statement.get("NotAction") is None:
            return None
        if statement.get("NotResource") is not None or _on_broad_resource(statement):
            return 'allows every action not listed in NotAction on Resource "*"'
        return None

    return _judge_statements(resource, judge)


def _escalation(statement: PolicyStatement) -> list[str]:
    """Escalation actions an Allow statement grants on a broad resource, unless confined by a condition."""
    if not _allows(statement) or statement.get("Action") is None or _full_admin(statement):
        return []
    found = [a for a in ESCALATION_ACTIONS if grants(statement, a)]
    if not found or not _on_broad_resource(statement):
        return []
    if _condition_keys(statement) & ESCALATION_LIMITS:
        return []
    return found


# high: each of these actions turns the holder into an administrator in one or two API calls
@check(
    id="IG-AWS-038",
    title="IAM policy allows privilege escalation (policy, key or trust changes on any principal)",
    severity="high",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-269",
    description="Actions such as iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, iam:Attach*Policy, "
    "iam:Put*Policy, iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateAssumeRolePolicy or "
    'iam:AddUserToGroup on Resource "*" (or every user/role) let the holder grant itself any permission, or take '
    "over another principal: whoever gets this policy becomes an administrator. Statements limited by an "
    "iam:PermissionsBoundary or iam:PolicyARN condition are not reported.",
    remediation="Scope these actions to the specific users/roles/policies they manage (e.g. the caller's own user "
    "with ${aws:username}), require a permissions boundary with an iam:PermissionsBoundary condition, or remove them.",
    example='resource "aws_iam_policy" "self_service_keys" {\n  name = "self-service-keys"\n  policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n'
    '      Action   = ["iam:CreateAccessKey", "iam:DeleteAccessKey"]\n'
    '      Resource = "arn:aws:iam::123456789012:user/$${aws:username}"\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_privilege_escalation(resource):
    def judge(statement: PolicyStatement) -> str | None:
        found = _escalation(statement)
        return f"allows {', '.join(found)} on any principal" if found else None

    return _judge_statements(resource, judge)


# medium: passing any role lets the holder run code as a more privileged role; high with a way to run code
@check(
    id="IG-AWS-039",
    title="IAM policy allows iam:PassRole on every role",
    severity="medium",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-269",
    description='iam:PassRole on Resource "*" lets the holder hand any role in the account to a service. Together '
    "with an action that runs code under the passed role (lambda:CreateFunction, ec2:RunInstances, "
    "glue:CreateDevEndpoint, cloudformation:CreateStack, ecs:RunTask...) it is a direct path to the most "
    "privileged role's permissions, and is then reported as high.",
    remediation="Restrict iam:PassRole to the ARNs of the roles the workload must pass, and add an "
    "iam:PassedToService condition.",
    example='resource "aws_iam_policy" "deployer" {\n  name = "deployer"\n  policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n      Action    = "iam:PassRole"\n'
    '      Resource  = "arn:aws:iam::123456789012:role/app-lambda"\n'
    '      Condition = { StringEquals = { "iam:PassedToService" = "lambda.amazonaws.com" } }\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_pass_any_role(resource):
    verdict = Verdict()
    passing: dict[str, list[str]] = {}
    compute: dict[str, set[str]] = {}
    for path, statement in _statements(resource, verdict):
        with verdict.item():
            if not _allows(statement) or statement.get("Action") is None:
                continue
            runs = {a for a in COMPUTE_WITH_ROLE if grants(statement, a)}
            compute.setdefault(path, set()).update(runs)
            if _full_admin(statement) or _escalation(statement):
                continue  # already reported as full admin (IG-AWS-009) or escalation (IG-AWS-038)
            if grants(statement, "iam:PassRole") and _on_broad_resource(statement):
                passing.setdefault(path, []).append(statement.label)
    for path, labels in passing.items():
        runs = sorted(compute.get(path, ()))
        text = f"statement {', '.join(labels)} allows iam:PassRole on every role"
        if runs:
            message = f"{text}, and the policy allows {', '.join(runs)}: any role's permissions are reachable"
            verdict.fails.append(Fail(path, message, severity="high"))
        else:
            verdict.fail(path, text)
    return verdict.result()


ATTACHMENT_TYPES = [
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
]


def admin_policy_arn(value: object) -> bool:
    return isinstance(value, str) and ADMIN_POLICY_ARN.match(value.strip()) is not None


# high: AdministratorAccess is the whole account; IAMFullAccess becomes it with one call
@check(
    id="IG-AWS-040",
    title="AWS managed administrator policy (AdministratorAccess or IAMFullAccess) is attached",
    severity="high",
    framework="terraform",
    types=[*ATTACHMENT_TYPES, "aws_iam_role"],
    cwe="CWE-269",
    description="AdministratorAccess grants every action on every resource, and IAMFullAccess can grant itself "
    "the same in one call. Attached to a workload role, user or group, one leaked credential or one exploited "
    "application is a full account compromise.",
    remediation="Attach a policy with the actions and resources the principal needs; keep administrator access to "
    "a few break-glass roles that require MFA, ideally through IAM Identity Center.",
    example='resource "aws_iam_role_policy_attachment" "app_read" {\n  role       = aws_iam_role.app.name\n'
    '  policy_arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"\n}',
    tags=("iam",),
)
def aws_iam_admin_policy_attached(resource):
    path = "managed_policy_arns" if resource.type == "aws_iam_role" else "policy_arn"
    verdict = Verdict()
    value = value_or_computed_id(resource, path)
    elements = [f"{path}.{i}" for i in range(len(value))] if isinstance(value, list) else [path]
    for element in elements:
        with verdict.item():
            value = value_or_computed_id(resource, element)  # a policy resource's ARN is not AWS managed
            if admin_policy_arn(value):
                verdict.fail(element, f"attaches {value.rsplit('/', 1)[-1]}")
    return verdict.result()


# critical: anyone with an AWS account can assume the role
@check(
    id="IG-AWS-041",
    title='IAM role trust policy allows any principal ("*") to assume the role',
    severity="critical",
    framework="terraform",
    types=["aws_iam_role"],
    cwe="CWE-284",
    description='A trust policy statement allowing Principal "*" (or {"AWS": "*"}) without a condition on the '
    "caller's account or organisation lets any AWS principal in any account assume the role and use all of its "
    "permissions.",
    remediation="Name the account, role or service that assumes the role in Principal, and add aws:PrincipalOrgID "
    "or sts:ExternalId conditions for cross-account access.",
    example='resource "aws_iam_role" "ci" {\n  name = "ci-deployer"\n  assume_role_policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { AWS = "arn:aws:iam::123456789012:role/ci-runner" }\n      Action    = "sts:AssumeRole"\n'
    "    }]\n  })\n}",
    tags=("iam", "public"),
)
def aws_iam_role_trusts_anyone(resource):
    found = public_statements(resource, "assume_role_policy")
    if found:
        return Fail("assume_role_policy", f"trust statement {', '.join(found)} lets any AWS principal assume the role")
    return None


def _account_roots(statement: PolicyStatement) -> list[str]:
    """Account ids whose whole account (its root) the statement trusts; computed ids count as unknown."""
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return []
    value = principal.get("AWS")
    path = f"{statement.path}.Principal.AWS"
    if isinstance(value, Unknown):
        raise UnknownValue(path, value.reason)
    found = []
    unknown = None
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, Unknown):
            unknown = unknown or UnknownValue(path, item.reason)
            continue
        match = ACCOUNT_ROOT.match(item.strip()) if isinstance(item, str) else None
        if match and (match.group(1) is None) == (match.group(3) is None):
            found.append(match.group(2))
    if not found and unknown is not None:
        raise unknown
    return found


# medium: every user and role of that account (and anyone who compromises one) can assume the role
@check(
    id="IG-AWS-042",
    title="IAM role trusts a whole AWS account without an ExternalId, MFA or principal condition",
    severity="medium",
    framework="terraform",
    types=["aws_iam_role"],
    cwe="CWE-284",
    description="A trust statement naming an account (arn:aws:iam::<id>:root or the bare id) delegates the role to "
    "every principal of that account its administrators allow, with no shared ExternalId (the confused-deputy "
    "guard for third parties), no MFA requirement and no named role: who can assume the role is decided outside "
    "this code.",
    remediation="Name the role ARNs that assume it, or add an sts:ExternalId condition (third parties), "
    "aws:MultiFactorAuthPresent (people) or aws:PrincipalArn.",
    example='resource "aws_iam_role" "auditor" {\n  name = "external-auditor"\n  assume_role_policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { AWS = "arn:aws:iam::210987654321:root" }\n      Action    = "sts:AssumeRole"\n'
    '      Condition = { StringEquals = { "sts:ExternalId" = "c2f1a9e0-7d0b-4c61-9b5e-audit" } }\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_role_trusts_account(resource):
    def judge(statement: PolicyStatement) -> str | None:
        if not _allows(statement):
            return None
        roots = _account_roots(statement)
        if not roots or _condition_keys(statement) & ACCOUNT_TRUST_LIMITS:
            return None
        return f"trusts every principal of account {', '.join(roots)}"

    verdict = Verdict()
    labels = []
    for statement in policy_statements(policy_document(resource, "assume_role_policy"), "assume_role_policy"):
        with verdict.item():
            text = judge(statement)
            if text:
                labels.append(f"statement {statement.label} {text}")
    if labels:
        verdict.fail("assume_role_policy", "; ".join(labels) + " with no ExternalId, MFA or principal condition")
    return verdict.result()


def _web_identity(statement: PolicyStatement) -> bool:
    return _allows(statement) and grants(statement, "sts:AssumeRoleWithWebIdentity")


def _federated(statement: PolicyStatement) -> list[str | Unknown]:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return []
    value = principal.get("Federated")
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str | Unknown)]


def _providers_in_condition(statement: PolicyStatement) -> list[str]:
    """Issuers named by the statement's condition keys (`oidc.circleci.com/org/<id>:aud` -> the issuer)."""
    condition = statement.get_partial("Condition")
    found = []
    for operator in condition.values() if isinstance(condition, dict) else []:
        for key in operator if isinstance(operator, dict) else []:
            issuer, _, claim = key.rpartition(":")
            if issuer and claim in ("aud", "sub", "amr"):
                found.append(issuer)
    return list(dict.fromkeys(found))


def _subject_limited(statement: PolicyStatement, cognito: bool) -> bool:
    """A condition on the token's subject (Cognito: its audience, the identity pool) that is not just "*"."""
    condition = statement.get("Condition")
    if isinstance(condition, Unknown):
        raise UnknownValue(f"{statement.path}.Condition", condition.reason)
    suffix = ":aud" if cognito else ":sub"
    for operator in (condition or {}).values():
        if isinstance(operator, Unknown):
            raise UnknownValue(f"{statement.path}.Condition", operator.reason)
        for key, values in (operator or {}).items() if isinstance(operator, dict) else []:
            if key.lower().endswith(suffix):
                if isinstance(values, Unknown):
                    return True  # a subject is pinned, whatever its value
                items = values if isinstance(values, list) else [values]
                if any(isinstance(v, Unknown) or (isinstance(v, str) and v.strip() not in ("*", "")) for v in items):
                    return True
    return False


# high: any identity of the provider (any GitHub repository, any pod of the cluster) can assume the role
@check(
    id="IG-AWS-043",
    title="IAM role trusts an OIDC provider without a subject condition",
    severity="high",
    framework="terraform",
    types=["aws_iam_role"],
    cwe="CWE-284",
    description="A trust statement allowing sts:AssumeRoleWithWebIdentity from an OIDC provider (GitHub Actions, "
    "an EKS cluster, GitLab...) without a condition on the token's sub claim lets every identity that provider "
    "issues tokens for assume the role: any repository on GitHub (high), or any service account of the cluster, "
    "any project of the CI organisation for single-tenant issuers (medium). Cognito identity pools are judged on "
    "their aud condition instead.",
    remediation='Add a StringEquals (or StringLike) condition on "<provider>:sub" naming the repository and branch '
    '("repo:acme/app:ref:refs/heads/main") or the namespace and service account, plus "<provider>:aud".',
    example='resource "aws_iam_role" "github_deploy" {\n  name = "github-deploy"\n  assume_role_policy = jsonencode({\n'
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect    = "Allow"\n'
    '      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }\n'
    '      Action    = "sts:AssumeRoleWithWebIdentity"\n      Condition = {\n        StringEquals = {\n'
    '          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"\n'
    '          "token.actions.githubusercontent.com:sub" = "repo:acme/app:ref:refs/heads/main"\n'
    "        }\n      }\n    }]\n  })\n}",
    tags=("iam",),
)
def aws_iam_oidc_trust_unlimited(resource):
    def judge(statement: PolicyStatement) -> str | None:
        if not _web_identity(statement):
            return None
        providers = _federated(statement)
        if not providers:
            return None
        cognito = all(p == "cognito-identity.amazonaws.com" for p in providers)
        if _subject_limited(statement, cognito):
            return None
        claim = "aud" if cognito else "sub"
        named: list[str] = [p for p in providers if isinstance(p, str)]
        if not named:  # an ARN computed from the account id: the condition keys still name the provider
            named = _providers_in_condition(statement)
            providers = list(named) or providers
        shown = named[0].split("oidc-provider/", 1)[-1] if named else "the OIDC provider"
        if named and len(named) == len(providers) and all(SINGLE_TENANT.search(p) for p in named):
            tenant.append(statement.label)
        return f"lets any identity of {shown} assume the role (no condition on the token's {claim})"

    verdict = Verdict()
    texts: list[str] = []
    tenant: list[str] = []
    statements = policy_statements(policy_document(resource, "assume_role_policy"), "assume_role_policy")
    for statement in statements:
        with verdict.item():
            text = judge(statement)
            if text:
                texts.append(f"statement {statement.label} {text}")
    if texts:
        # every identity of your own cluster or CI organisation is a smaller crowd than every GitHub repository
        milder = len(tenant) == len(texts)
        verdict.fails.append(Fail("assume_role_policy", "; ".join(texts), severity="medium" if milder else None))
    return verdict.result()


# low: assuming any role is only as wide as the trust policies that name this principal
@check(
    id="IG-AWS-044",
    title='IAM policy allows sts:AssumeRole on every role (Resource "*")',
    severity="low",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-269",
    description='sts:AssumeRole on Resource "*" lets the holder assume every role, in any account, whose trust '
    "policy names its account or itself: a role trusted for one purpose becomes reachable from everything this "
    "policy is attached to.",
    remediation="List the ARNs of the roles to assume in Resource.",
    example='resource "aws_iam_role_policy" "ci" {\n  name = "assume-deploy"\n  role = aws_iam_role.ci.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n      Action   = "sts:AssumeRole"\n'
    '      Resource = "arn:aws:iam::210987654321:role/deploy"\n    }]\n  })\n}',
    tags=("iam",),
)
def aws_iam_assume_any_role(resource):
    def judge(statement: PolicyStatement) -> str | None:
        if not _allows(statement) or statement.get("Action") is None or _full_admin(statement):
            return None
        if statement.has("Action", "*") or _escalation(statement):
            return None
        if grants(statement, "sts:AssumeRole") and statement.has("Resource", "*"):
            return 'allows sts:AssumeRole on Resource "*"'
        return None

    return _judge_statements(resource, judge)


# low: hygiene; permissions on users are hard to review and outlive the person
@check(
    id="IG-AWS-045",
    title="IAM policy is attached directly to a user",
    severity="low",
    framework="terraform",
    types=["aws_iam_user_policy", "aws_iam_user_policy_attachment", "aws_iam_policy_attachment"],
    cwe="CWE-269",
    description="Policies attached to individual users (inline or managed) are scattered across identities, "
    "rarely reviewed and easily left behind when people change roles; grant permissions through groups or roles.",
    remediation="Attach the policy to a group (aws_iam_group_policy_attachment) and add the user to it, or let "
    "people assume roles through IAM Identity Center.",
    example='resource "aws_iam_group_policy_attachment" "developers_read" {\n'
    "  group      = aws_iam_group.developers.name\n"
    '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}',
    tags=("iam",),
    compliance={"cis-aws-3.0": ["1.15"]},
)
def aws_iam_user_direct_policy(resource):
    if resource.type == "aws_iam_policy_attachment":
        if element_paths(resource, "users"):
            return Fail("users", "policy is attached directly to users")
        return None
    return Fail("user", "policy is attached directly to a user")


# low: the first password is known to whoever ran Terraform or reads its state, and it never has to change
@check(
    id="IG-AWS-046",
    title="IAM user login profile does not force a password change at first sign-in",
    severity="low",
    framework="terraform",
    types=["aws_iam_user_login_profile"],
    cwe="CWE-521",
    description="Terraform generates the user's first console password and keeps it in its state (in clear without "
    "pgp_key). Without password_reset_required = true (the default is false) that password stays valid, so "
    "whoever can read the state, or the output that carried it, can sign in as the user.",
    remediation="Set password_reset_required = true (and pgp_key), or give people console access through IAM "
    "Identity Center instead of IAM user passwords.",
    example='resource "aws_iam_user_login_profile" "analyst" {\n  user                    = aws_iam_user.analyst.name\n'
    '  pgp_key                 = "keybase:acme_security"\n  password_reset_required = true\n}',
    tags=("iam",),
    fix=SetValue(
        "password_reset_required",
        True,
        unsafe="password_reset_required forces a new login profile: Terraform generates a new password and the user's "
        "current one stops working",
    ),
)
def aws_iam_login_profile_no_reset(resource):
    if not is_true(resource.get("password_reset_required")):
        at = written(resource, "password_reset_required")
        return Fail(at, "password_reset_required is not true: the password Terraform generated stays valid")
    return None


# medium: the secret key sits in clear text in the state file, readable by anyone who reads the state
@check(
    id="IG-AWS-047",
    title="IAM access key secret is stored unencrypted in the Terraform state",
    severity="medium",
    framework="terraform",
    types=["aws_iam_access_key"],
    cwe="CWE-312",
    description="Without pgp_key, the secret access key (and the SES SMTP password derived from it) is written in "
    "clear text to the Terraform state, so everyone who can read the state, its backups or CI logs holds a "
    "long-lived credential of the user.",
    remediation="Set pgp_key (a keybase:username or a base64 public key) so only the encrypted secret is stored, "
    "or avoid long-lived keys altogether with roles.",
    example='resource "aws_iam_access_key" "ci" {\n  user    = aws_iam_user.ci.name\n'
    '  pgp_key = "keybase:acme_security"\n}',
    tags=("iam", "secrets"),
)
def aws_iam_access_key_plain_state(resource):
    if resource.get("pgp_key") in (None, ""):
        return Fail(written(resource, "pgp_key"), "no pgp_key: the secret access key is stored in clear in the state")
    return None


def _password_number(resource: Resource, name: str, default: int) -> tuple[int | None, str | None]:
    value = resource.get(name)
    return (default if value is None else as_int(value)), written(resource, name)


# medium: short passwords fall to guessing and credential-stuffing lists
@check(
    id="IG-AWS-048",
    title="IAM password policy allows passwords shorter than 14 characters",
    severity="medium",
    framework="terraform",
    types=["aws_iam_account_password_policy"],
    cwe="CWE-521",
    description="minimum_password_length below 14 (6 when the policy omits it) lets users choose "
    "passwords that fall to guessing and credential stuffing; CIS AWS Foundations asks for at least 14.",
    remediation="Set minimum_password_length = 14 or more.",
    example='resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length        = 14\n'
    "  require_lowercase_characters   = true\n  require_uppercase_characters   = true\n"
    "  require_numbers                = true\n  require_symbols                = true\n"
    "  password_reuse_prevention      = 24\n  max_password_age               = 90\n}",
    tags=("iam",),
    compliance={"cis-aws-3.0": ["1.8"]},
    fix=SetValue("minimum_password_length", 14),
)
def aws_iam_password_length(resource):
    length, at = _password_number(resource, "minimum_password_length", 6)
    if length is not None and length < 14:
        return Fail(at, f"minimum_password_length is {length}")
    return None


COMPLEXITY = (
    "require_lowercase_characters",
    "require_uppercase_characters",
    "require_numbers",
    "require_symbols",
)


# low: complexity rules add little next to length, but their absence is what audits ask about
@check(
    id="IG-AWS-049",
    title="IAM password policy does not require all character classes",
    severity="low",
    framework="terraform",
    types=["aws_iam_account_password_policy"],
    cwe="CWE-521",
    description="Without require_lowercase_characters, require_uppercase_characters, require_numbers and "
    "require_symbols (all false by default) users may pick single-class passwords, the first ones guessed.",
    remediation="Set the four require_* arguments to true.",
    example='resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length      = 14\n'
    "  require_lowercase_characters = true\n  require_uppercase_characters = true\n"
    "  require_numbers              = true\n  require_symbols              = true\n}",
    tags=("iam",),
)
def aws_iam_password_complexity(resource):
    missing = [name for name in COMPLEXITY if not is_true(resource.get(name))]
    if not missing:
        return None
    at = next((name for name in missing if resource.get(name) is not None), None)
    return Fail(at, f"{', '.join(missing)} not required")


# low: reuse lets a leaked old password come back
@check(
    id="IG-AWS-050",
    title="IAM password policy allows reusing recent passwords",
    severity="low",
    framework="terraform",
    types=["aws_iam_account_password_policy"],
    cwe="CWE-521",
    description="password_reuse_prevention below 24 (unset means no reuse check) lets users cycle back to an old, "
    "possibly leaked, password right after a forced change.",
    remediation="Set password_reuse_prevention = 24.",
    example='resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length   = 14\n'
    "  password_reuse_prevention = 24\n}",
    tags=("iam",),
    compliance={"cis-aws-3.0": ["1.9"]},
    fix=SetValue("password_reuse_prevention", 24),
)
def aws_iam_password_reuse(resource):
    remembered, at = _password_number(resource, "password_reuse_prevention", 0)
    if remembered is not None and remembered < 24:
        shown = "not set" if resource.get("password_reuse_prevention") is None else str(remembered)
        return Fail(at, f"password_reuse_prevention is {shown}: recent passwords can be reused")
    return None


# low: a password that never expires stays valid long after it leaked
@check(
    id="IG-AWS-051",
    title="IAM passwords do not expire within 90 days",
    severity="low",
    framework="terraform",
    types=["aws_iam_account_password_policy"],
    cwe="CWE-262",
    description="Without max_password_age (or above 90 days) a password never has to change, so one leaked in a "
    "breach elsewhere keeps working indefinitely.",
    remediation="Set max_password_age = 90 or less (or move people to SSO, where the identity provider decides).",
    example='resource "aws_iam_account_password_policy" "strict" {\n  minimum_password_length = 14\n'
    "  max_password_age        = 90\n}",
    tags=("iam",),
    fix=SetValue(
        "max_password_age",
        90,
        unsafe="passwords older than 90 days expire at once; with hard_expiry their users cannot sign in until an "
        "administrator resets them",
    ),
)
def aws_iam_password_max_age(resource):
    age, at = _password_number(resource, "max_password_age", 0)
    if age is not None and (age == 0 or age > 90):
        shown = "not set" if resource.get("max_password_age") is None else str(age)
        return Fail(at, f"max_password_age is {shown}: passwords never have to change within 90 days")
    return None


def _service_wildcards(statement: PolicyStatement) -> list[str]:
    """`service:*` patterns (other than iam, reported as escalation) of an Allow statement on Resource "*"."""
    if not _allows(statement) or statement.get("Action") is None or _full_admin(statement):
        return []
    actions = statement.get("Action")
    items = actions if isinstance(actions, list) else [actions]
    wild = [a for a in items if isinstance(a, str) and re.fullmatch(r"[a-z0-9-]+:\*", a.strip().lower())]
    wild = [a for a in wild if not a.lower().startswith("iam:")]
    if not wild:
        unknown = next((a for a in items if isinstance(a, Unknown)), None)
        if unknown is not None:
            raise UnknownValue(f"{statement.path}.Action", unknown.reason)
        return []
    return wild if statement.has("Resource", "*") else []


# medium: every action of a service, present and future, on every resource of it
@check(
    id="IG-AWS-052",
    title='IAM policy allows every action of a service on every resource ("s3:*" on "*")',
    severity="medium",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-732",
    description='An Allow statement with Action "<service>:*" on Resource "*" grants the service\'s destructive and '
    "administrative actions (deleting every bucket, disabling every key, changing every security group) on every "
    "resource of the account, far beyond what a workload uses. iam:* is reported as privilege escalation "
    "(IG-AWS-038) instead.",
    remediation="List the actions the workload calls and the ARNs it calls them on.",
    example='resource "aws_iam_role_policy" "reports" {\n  name = "reports"\n  role = aws_iam_role.reports.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n'
    '      Action   = ["s3:GetObject", "s3:PutObject"]\n      Resource = "arn:aws:s3:::acme-reports/*"\n'
    "    }]\n  })\n}",
    tags=("iam",),
)
def aws_iam_service_wildcard(resource):
    def judge(statement: PolicyStatement) -> str | None:
        found = _service_wildcards(statement)
        return f'allows {", ".join(found)} on Resource "*"' if found else None

    return _judge_statements(resource, judge)


# medium: anyone on the internet gets AWS credentials; what they can do is the unauthenticated role's policy
@check(
    id="IG-AWS-098",
    title="Cognito identity pool hands out AWS credentials to unauthenticated users",
    severity="medium",
    framework="terraform",
    types=["aws_cognito_identity_pool"],
    cwe="CWE-306",
    description="allow_unauthenticated_identities = true gives anyone who calls the identity pool, without signing "
    "in, temporary AWS credentials for the pool's unauthenticated role: every permission of that role is public, "
    "and a later change to the role silently widens it.",
    remediation="Set allow_unauthenticated_identities = false, or keep the unauthenticated role limited to the few "
    "actions guests need (e.g. putting analytics events) on specific resources.",
    example='resource "aws_cognito_identity_pool" "app" {\n  identity_pool_name               = "app"\n'
    "  allow_unauthenticated_identities = false\n}",
    tags=("iam", "public"),
    fix=SetValue(
        "allow_unauthenticated_identities", False, unsafe="guest users of the app stop getting AWS credentials"
    ),
)
def aws_cognito_unauthenticated(resource):
    if is_true(resource.get("allow_unauthenticated_identities")):
        return Fail("allow_unauthenticated_identities", "unauthenticated callers get AWS credentials")
    return None


# Actions that read a secret's value.
SECRET_READS = (
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "kms:Decrypt",
)


def _secret_reads(statement: PolicyStatement) -> list[str]:
    """Secret-reading actions an Allow statement grants on Resource "*" through a pattern narrower than "*" or
    "service:*" (those are IG-AWS-009's and IG-AWS-052's)."""
    if not _allows(statement) or statement.get("Action") is None or not statement.has("Resource", "*"):
        return []
    actions = statement.get("Action")
    patterns = [a for a in (actions if isinstance(actions, list) else [actions]) if isinstance(a, str)]
    narrow = [p for p in patterns if p.strip() != "*" and not p.strip().endswith(":*")]
    found = [a for a in SECRET_READS if any(action_matches(p, a) for p in narrow)]
    if not found and any(isinstance(a, Unknown) for a in (actions if isinstance(actions, list) else [actions])):
        raise UnknownValue(f"{statement.path}.Action", "an action is unknown")
    return found


# medium: one credential of this principal reads every secret, parameter and KMS-encrypted value of the account
@check(
    id="IG-AWS-099",
    title='IAM policy allows reading every secret (GetSecretValue, GetParameter or kms:Decrypt on "*")',
    severity="medium",
    framework="terraform",
    types=POLICY_TYPES,
    cwe="CWE-732",
    description='secretsmanager:GetSecretValue, ssm:GetParameter* or kms:Decrypt on Resource "*" lets the holder read '
    "every secret, SecureString parameter and KMS-encrypted value of the account, not just its own: one compromised "
    "workload exposes the credentials of all the others.",
    remediation="List the ARNs of the secrets, parameter paths and keys the workload reads (e.g. "
    "arn:aws:ssm:<region>:<account>:parameter/app/*).",
    example='resource "aws_iam_role_policy" "api_secrets" {\n  name = "api-secrets"\n  role = aws_iam_role.api.id\n'
    "  policy = jsonencode({\n"
    '    Version = "2012-10-17"\n    Statement = [{\n      Effect   = "Allow"\n'
    '      Action   = "secretsmanager:GetSecretValue"\n      Resource = aws_secretsmanager_secret.api_db.arn\n'
    "    }]\n  })\n}",
    tags=("iam", "secrets"),
)
def aws_iam_read_every_secret(resource):
    def judge(statement: PolicyStatement) -> str | None:
        found = _secret_reads(statement)
        return f'allows {", ".join(found)} on Resource "*"' if found else None

    return _judge_statements(resource, judge)

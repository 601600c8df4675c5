"""GitHub checks (integrations/github provider): repository visibility, branch protection, Actions
and Dependabot secrets, vulnerability alerts, webhooks. The signed-commits condition is in github.yaml.

Facts and defaults are from the provider's docs/resources/*.md and its resource schemas.
"""

from __future__ import annotations

from checks._helpers import Verdict, as_int, first_block, is_false, is_true, literal_secret, written
from scanner.fix.spec import SetValue
from scanner.registry import Fail, check

BRANCH_PROTECTION = ["github_branch_protection", "github_branch_protection_v3"]
# every resource that takes a secret's value in plain text (`value`, or the deprecated `plaintext_value`)
SECRET_TYPES = [
    "github_actions_secret",
    "github_actions_environment_secret",
    "github_actions_organization_secret",
    "github_dependabot_secret",
    "github_dependabot_organization_secret",
    "github_codespaces_secret",
    "github_codespaces_organization_secret",
    "github_codespaces_user_secret",
]


# low: a public repository is often deliberate (open source); the finding asks for that decision to be explicit.
@check(
    id="IG-GH-001",
    title="Repository is public",
    severity="low",
    framework="terraform",
    types=["github_repository"],
    cwe="CWE-200",
    description="GitHub creates a repository as public unless private = true or visibility says otherwise, "
    "so a repository declared without either publishes its code, issues and history (and any secret ever "
    "committed) to everyone.",
    remediation='Set visibility = "private" (or "internal" in an enterprise); for open-source projects set '
    'visibility = "public" explicitly and keep secret scanning on.',
    example='resource "github_repository" "billing" {\n  name       = "billing-service"\n  visibility = "private"\n}',
    tags=("public",),
)
def github_repository_public(resource):
    visibility = resource.get("visibility")
    if visibility is not None:
        if str(visibility).lower() == "public":
            return Fail("visibility", 'visibility is "public": code and history are readable by anyone')
        return None
    if is_true(resource.get("private")):
        return None
    return Fail(written(resource, "private"), "neither visibility nor private = true is set: the repository is public")


# medium: without required reviews one compromised or careless account puts code on the protected branch.
@check(
    id="IG-GH-002",
    title="Branch protection does not require an approving review",
    severity="medium",
    framework="terraform",
    types=BRANCH_PROTECTION,
    cwe="CWE-284",
    description="Without a required_pull_request_reviews block (or with required_approving_review_count = 0) "
    "anyone who can push merges to the protected branch without a second person looking, so a stolen token "
    "or a hurried change reaches the code that is built and deployed.",
    remediation="Add required_pull_request_reviews with required_approving_review_count of at least 1 "
    "(the default), and consider require_code_owner_reviews and dismiss_stale_reviews.",
    example='resource "github_branch_protection" "main" {\n  repository_id = github_repository.billing.node_id\n'
    '  pattern       = "main"\n\n  required_pull_request_reviews {\n    required_approving_review_count = 1\n'
    "    dismiss_stale_reviews           = true\n  }\n}",
    tags=("supply-chain",),
    fix=SetValue(
        "required_pull_request_reviews.0.required_approving_review_count",
        1,
        unsafe="merges then need an approval from someone other than the author: a repository with one maintainer "
        "cannot merge",
    ),
)
def github_branch_without_reviews(resource):
    block = first_block(resource, "required_pull_request_reviews")
    if block is None:
        return Fail(None, "pull requests and approving reviews are not required")
    count = resource.get(f"{block}.required_approving_review_count", 1)
    if as_int(count) == 0:
        return Fail(f"{block}.required_approving_review_count", "required_approving_review_count is 0")
    return None


# high: the secret's value is in the repository and in every clone of it.
@check(
    id="IG-GH-004",
    title="Actions, Dependabot or Codespaces secret value is written in the configuration",
    severity="high",
    framework="terraform",
    types=SECRET_TYPES,
    cwe="CWE-798",
    description="A literal in value or plaintext_value (or in a variable default behind them) puts the secret "
    "in the repository's history and every clone, although GitHub stores it encrypted. Self-identifying "
    "tokens there are reported by IG-SEC-001; this check reports every other literal.",
    remediation="Pass the value from a sensitive variable set by the pipeline, a secret manager data source, "
    "or a generated value (random_password), or encrypt it with the repository's public key and use "
    "value_encrypted; then rotate the exposed secret.",
    example='resource "github_actions_secret" "deploy_token" {\n  repository  = "billing-service"\n'
    '  secret_name = "DEPLOY_TOKEN"\n  value       = var.deploy_token\n}\n\n'
    'variable "deploy_token" {\n  type      = string\n  sensitive = true\n  default   = null\n}',
    tags=("secrets",),
)
def github_secret_in_code(resource):
    verdict = Verdict()
    for attribute in ("value", "plaintext_value"):
        with verdict.item():
            if literal_secret(resource, attribute):
                verdict.fail(attribute, f"{attribute} is a literal: the secret is in the repository")
    return verdict.result()


# medium: disabled alerts hide known-vulnerable dependencies that attackers look for.
@check(
    id="IG-GH-005",
    title="Dependabot vulnerability alerts are turned off",
    severity="medium",
    framework="terraform",
    types=["github_repository", "github_repository_vulnerability_alerts"],
    cwe="CWE-1104",
    description="vulnerability_alerts = false on github_repository (or enabled = false on "
    "github_repository_vulnerability_alerts) stops GitHub from telling the team that a dependency has a "
    "published vulnerability, so known-exploitable versions stay in the build.",
    remediation="Remove the setting (GitHub's default) or set it to true; manage alerts with "
    "github_repository_vulnerability_alerts, whose enabled defaults to true.",
    example='resource "github_repository_vulnerability_alerts" "billing" {\n'
    "  repository = github_repository.billing.name\n  enabled    = true\n}",
    tags=("supply-chain",),
)
def github_vulnerability_alerts_off(resource):
    attribute = "vulnerability_alerts" if resource.type == "github_repository" else "enabled"
    if is_false(resource.get(attribute)):
        return Fail(attribute, f"{attribute} is false: dependency vulnerability alerts are off")
    return None


# medium: force pushes and deletion rewrite or remove the history that reviews and audits rely on.
@check(
    id="IG-GH-006",
    title="Protected branch can be force-pushed or deleted",
    severity="medium",
    framework="terraform",
    types=["github_branch_protection"],
    cwe="CWE-284",
    description="allows_force_pushes = true lets anyone with push access rewrite the branch's history (and "
    "drop reviewed commits or slip in unreviewed ones); allows_deletions = true lets them delete the branch. "
    "Both default to false.",
    remediation="Remove allows_force_pushes and allows_deletions or set them to false; name the few actors "
    "who need to force-push in force_push_bypassers.",
    example='resource "github_branch_protection" "main" {\n  repository_id = github_repository.billing.node_id\n'
    '  pattern       = "main"\n\n  allows_force_pushes = false\n  allows_deletions    = false\n\n'
    "  required_pull_request_reviews {\n    required_approving_review_count = 1\n  }\n}",
    tags=("supply-chain",),
)
def github_branch_force_push(resource):
    verdict = Verdict()
    risks = (("allows_force_pushes", "history can be rewritten"), ("allows_deletions", "it can be deleted"))
    for attribute, what in risks:
        with verdict.item():
            if is_true(resource.get(attribute)):
                verdict.fail(attribute, f"{attribute} is true: {what}")
    return verdict.result()


# medium: without certificate checks a network attacker reads and forges webhook payloads and their secret.
@check(
    id="IG-GH-007",
    title="Webhook delivers without verifying the receiver's TLS certificate",
    severity="medium",
    framework="terraform",
    types=["github_repository_webhook", "github_organization_webhook"],
    cwe="CWE-295",
    description='insecure_ssl = true (or "1") makes GitHub skip certificate verification when it delivers '
    "events, so anyone on the path can impersonate the receiver and read payloads that carry code, "
    "issue contents and the HMAC signature of the shared secret.",
    remediation="Give the receiver a valid certificate and remove insecure_ssl (it defaults to false).",
    example='resource "github_repository_webhook" "ci" {\n  repository = github_repository.billing.name\n'
    '  events     = ["push", "pull_request"]\n\n  configuration {\n'
    '    url          = "https://ci.example.com/hooks/github"\n    content_type = "json"\n'
    "    secret       = var.webhook_secret\n    insecure_ssl = false\n  }\n}",
    tags=("encryption",),
    fix=SetValue(
        "configuration.0.insecure_ssl",
        False,
        unsafe="deliveries to receivers with self-signed or otherwise unverifiable certificates start failing",
    ),
)
def github_webhook_insecure_ssl(resource):
    block = first_block(resource, "configuration")
    if block is None:
        return None
    value = resource.get(f"{block}.insecure_ssl")
    if is_true(value) or str(value).strip() == "1":
        return Fail(f"{block}.insecure_ssl", "insecure_ssl is on: the receiver's certificate is not verified")
    return None

"""Google Cloud IAM, keys and serverless checks: who is granted what (project, folder, organisation and
resource IAM), service account keys, Cloud KMS, audit log configuration, Cloud DNS and the settings of
Cloud Functions and Cloud Run that decide who can call them and what they carry.

An IAM grant is read the same way from the three resource shapes Terraform offers: `*_iam_member`
(one member), `*_iam_binding` (a member list) and `*_iam_policy` (policy_data JSON, possibly only
partly known, as rendered by the evaluator; a policy that cannot be rendered makes the check unknown).
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from checks._helpers import (
    Verdict,
    block_paths,
    computed_at_apply,
    configured,
    element_paths,
    first_block,
    is_true,
    policy_document,
    written,
)
from checks.terraform_gcp import PUBLIC_MEMBERS
from scanner.fix.spec import SetValue
from scanner.records import Resource, Unknown, UnknownValue
from scanner.registry import Fail, check
from scanner.secrets import is_secret_name, secret_kind

HIERARCHY = ("project", "folder", "organization")
SHAPES = ("member", "binding", "policy")


def _iam_types(*bases: str) -> list[str]:
    return [f"google_{base}_iam_{shape}" for base in bases for shape in SHAPES]


HIERARCHY_TYPES = _iam_types(*HIERARCHY)
INVOKER_BASES = ("cloud_run_service", "cloud_run_v2_service", "cloudfunctions_function", "cloudfunctions2_function")
INVOKER_ROLES = ("roles/run.invoker", "roles/cloudfunctions.invoker")
# Resources with their own IAM policy (Cloud Storage buckets are judged by IG-GCP-003).
RESOURCE_BASES = (
    "kms_crypto_key",
    "kms_key_ring",
    "secret_manager_secret",
    "pubsub_topic",
    "pubsub_subscription",
    "bigquery_dataset",
    "bigquery_table",
    "artifact_registry_repository",
    "service_account",
    "compute_image",
    "compute_disk",
    "compute_snapshot",
    "compute_instance",
    "compute_subnetwork",
    "spanner_instance",
    "spanner_database",
    "bigtable_instance",
    "bigtable_table",
    "dataproc_cluster",
    "sourcerepo_repository",
    "cloud_run_v2_job",
    "cloud_tasks_queue",
    "healthcare_dataset",
    "notebooks_instance",
    *INVOKER_BASES,
)


class Grant(NamedTuple):
    """One (role, member) pair and where each is written; either may be an Unknown, read through the methods."""

    role: Any
    member: Any
    role_path: str
    member_path: str

    def has_role(self, roles: tuple[str, ...]) -> bool:
        if isinstance(self.role, Unknown):
            raise UnknownValue(self.role_path, self.role.reason)
        return self.role in roles

    def known_member(self) -> str:
        if isinstance(self.member, Unknown):
            raise UnknownValue(self.member_path, self.member.reason)
        return str(self.member)


# A member computed at apply time from another resource or a data source (a project number, a writer
# identity): some identity, never allUsers or allAuthenticatedUsers.
COMPUTED_MEMBER = "<identity computed at apply time>"


def _grants(resource: Resource, verdict: Verdict, computed_members: bool = False) -> list[Grant]:
    """Every grant of an IAM member, binding or policy resource. An unknown role or member stays in the grant
    (as an Unknown) so that a check asks for it only when its answer depends on it; an unknown list of grants
    goes to the verdict.

    With `computed_members`, a member computed at apply time is kept as COMPUTED_MEMBER (enough to know it is
    not public) instead of as an Unknown."""
    shape = resource.type.rsplit("_", 1)[-1]
    found: list[Grant] = []
    with verdict.item():
        if shape == "policy":
            document = policy_document(resource, "policy_data")
            bindings = (document or {}).get("bindings", [])
            if isinstance(bindings, Unknown):
                raise UnknownValue("policy_data", bindings.reason)
            for binding in bindings if isinstance(bindings, list) else []:
                if not isinstance(binding, dict):
                    verdict.unknown("policy_data", getattr(binding, "reason", "unknown binding"))
                    continue
                members = binding.get("members", [])
                for member in [members] if isinstance(members, Unknown) else members:
                    found.append(Grant(binding.get("role"), member, "policy_data", "policy_data"))
        else:
            try:
                role = resource.get("role")
            except UnknownValue as exc:
                role = Unknown(exc.reason)
            for path in element_paths(resource, "members") if shape == "binding" else ["member"]:
                try:
                    member = _member(resource, path)
                except UnknownValue as exc:
                    member = COMPUTED_MEMBER if computed_members and computed_at_apply(exc) else Unknown(exc.reason)
                found.append(Grant(role, member, "role", path.split(".")[0]))
    return found


# Resources and data sources whose identity is a Google-managed service agent.
AGENT_SOURCE = re.compile(r"(^|\.)google_\w*(service_identity|project_service_account|default_service_account)\.")


def _member(resource: Resource, path: str) -> Any:
    """The member at `path`. A member known only after apply is still identified when it is the only member the
    attribute references: `"serviceAccount:${google_service_account.x.email}"` stands for itself as
    `serviceAccount:<address>`, a service identity (google_project_service_identity, the Cloud Storage service
    account data source...) as a Google-managed service agent."""
    try:
        return resource.get(path)
    except UnknownValue as exc:
        attribute = path.split(".")[0]
        targets = {t for a, t in resource.references if a == attribute}
        values = resource.attributes.get(attribute)
        unknowns = [v for v in values if isinstance(v, Unknown)] if isinstance(values, list) else [values]
        if len(targets) != 1 or len(unknowns) != 1 or not computed_at_apply(exc):
            raise
        target = targets.pop()
        if AGENT_SOURCE.search(target):
            return f"serviceAccount:{target}@gcp-sa-agent"
        if ".google_service_account." in f".{target}":
            return f"serviceAccount:{target}"
        raise


def _public(member: Any) -> str | None:
    name = str(member).split(":")[-1]
    return name if name in PUBLIC_MEMBERS else None


def _google_agent(member: str) -> bool:
    """Google-managed service agents (service-123@gcp-sa-*.iam..., 123@cloudservices...)."""
    email = member.split(":", 1)[-1]
    return "@gcp-sa-" in email or email.endswith(("@cloudservices.gserviceaccount.com", "@system.gserviceaccount.com"))


PRIMITIVE_ROLES = ("roles/owner", "roles/editor")


# high: Owner/Editor cover thousands of permissions in every service; one leaked identity controls the project.
@check(
    id="IG-GCP-077",
    title="Basic role Owner or Editor granted at project, folder or organisation level",
    severity="high",
    framework="terraform",
    types=HIERARCHY_TYPES,
    cwe="CWE-269",
    description="roles/owner and roles/editor grant nearly every permission of every current and future service "
    "in the project (or every project below a folder or organisation); a compromised user or service account key "
    "with them can read all data and change all infrastructure.",
    remediation="Grant predefined or custom roles scoped to the job (roles/container.developer, "
    "roles/storage.objectAdmin...) instead of Owner or Editor.",
    example='resource "google_project_iam_member" "ci_deployer" {\n  project = "acme-prod"\n'
    '  role    = "roles/run.developer"\n  member  = "serviceAccount:ci-deployer@acme-prod.iam.gserviceaccount.com"\n}',
    tags=("iam",),
)
def gcp_primitive_roles(resource):
    verdict = Verdict()
    for grant in _grants(resource, verdict):
        with verdict.item():
            if grant.has_role(PRIMITIVE_ROLES) and not _google_agent(grant.known_member()):
                verdict.fail(grant.role_path, f"{grant.role} granted to {grant.member}")
    return verdict.result()


# high: an administrator role on a service account turns any holder of its key into an administrator.
@check(
    id="IG-GCP-078",
    title="Service account granted an administrator role at project, folder or organisation level",
    severity="high",
    framework="terraform",
    types=HIERARCHY_TYPES,
    cwe="CWE-269",
    description="A service account with an *Admin role (roles/iam.securityAdmin, roles/compute.admin, "
    "roles/storage.admin...) across a project or above is a standing privileged credential: whoever obtains a "
    "key or can run code as it administers the whole service. Owner/Editor grants are reported by IG-GCP-077; "
    "service agent roles (roles/*ServiceAgent) and Google-managed service agents are not reported.",
    remediation="Give workloads non-admin roles on the specific resources they use; keep administration with "
    "humans through groups and just-in-time access.",
    example='resource "google_project_iam_member" "app_storage" {\n  project = "acme-prod"\n'
    '  role    = "roles/storage.objectUser"\n  member  = "serviceAccount:app@acme-prod.iam.gserviceaccount.com"\n}',
    tags=("iam",),
)
def gcp_service_account_admin_role(resource):
    verdict = Verdict()
    for grant in _grants(resource, verdict):
        with verdict.item():
            if not grant.has_role(PRIMITIVE_ROLES) and _admin_role(grant):
                member = grant.known_member()
                if member.startswith("serviceAccount:") and not _google_agent(member):
                    verdict.fail(grant.role_path, f"{grant.role} granted to {member}")
    return verdict.result()


def _admin_role(grant: Grant) -> bool:
    """A predefined *Admin role other than a service agent role (roles/*ServiceAgent)."""
    role = str(grant.role)
    name = role.split("/", 1)[1].lower() if role.startswith("roles/") else ""
    return "admin" in name and not name.endswith("serviceagent")


IMPERSONATION_ROLES = (
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin",
)


# high: the member can act as every service account in the project, including the most privileged.
@check(
    id="IG-GCP-079",
    title="Service account impersonation role granted at project, folder or organisation level",
    severity="high",
    framework="terraform",
    types=HIERARCHY_TYPES,
    cwe="CWE-269",
    description="Service Account User, Token Creator or Key Admin granted on a project (or folder, organisation) "
    "applies to every service account in it, so the member can act as, mint tokens for or create keys of the most "
    "privileged one. Google-managed service agents are not reported.",
    remediation="Grant these roles on the individual service account (google_service_account_iam_member) that the "
    "member needs to use.",
    example='resource "google_service_account_iam_member" "deployer_uses_runtime" {\n'
    "  service_account_id = google_service_account.runtime.name\n"
    '  role               = "roles/iam.serviceAccountUser"\n'
    '  member             = "serviceAccount:deployer@acme-prod.iam.gserviceaccount.com"\n}',
    tags=("iam",),
)
def gcp_project_impersonation(resource):
    verdict = Verdict()
    for grant in _grants(resource, verdict):
        with verdict.item():
            if grant.has_role(IMPERSONATION_ROLES) and not _google_agent(grant.known_member()):
                message = f"{grant.role} on the whole {_level(resource)} granted to {grant.member}"
                verdict.fail(grant.role_path, message)
    return verdict.result()


def _level(resource: Resource) -> str:
    return next((level for level in HIERARCHY if resource.type.startswith(f"google_{level}_")), "resource")


# medium: a long-lived private key, in the Terraform state, that works from anywhere until deleted.
@check(
    id="IG-GCP-080",
    title="Service account key is generated by Terraform, its private key stored in the state",
    severity="medium",
    framework="terraform",
    types=["google_service_account_key"],
    cwe="CWE-798",
    description="A google_service_account_key without public_key_data makes Google generate a key pair and returns "
    "the private key into the Terraform state, where anyone who reads the state gets a credential that works from "
    "anywhere until deleted. Leaked keys are the most common way service accounts are abused. Keys uploaded "
    "with public_key_data keep the private key outside Terraform and are not reported.",
    remediation="Use attached service accounts, Workload Identity (GKE) or Workload Identity Federation (CI, other "
    "clouds) instead of keys; if a key is unavoidable, generate it outside Terraform and upload only the public "
    "part with public_key_data.",
    example='resource "google_service_account_key" "partner_upload" {\n'
    "  service_account_id = google_service_account.partner.name\n"
    '  public_key_data    = filebase64("keys/partner-public.pem")\n}',
    tags=("iam", "secrets"),
)
def gcp_service_account_key(resource):
    if configured(resource, "public_key_data"):
        return None
    return Fail(None, "Google generates this key and its private key is written to the Terraform state")


# critical: the resource's data or control is open to anyone on the internet (or any Google account).
@check(
    id="IG-GCP-081",
    title="IAM policy grants access to allUsers or allAuthenticatedUsers",
    severity="critical",
    framework="terraform",
    types=_iam_types(*RESOURCE_BASES),
    cwe="CWE-732",
    description="allUsers is anyone on the internet and allAuthenticatedUsers anyone with a Google account: a grant to "
    "either on a KMS key, secret, topic, dataset, repository, image or service account makes it public. Invoker "
    "roles on Cloud Run and Cloud Functions are reported by IG-GCP-082, buckets by IG-GCP-003.",
    remediation="Grant the role to specific users, groups or service accounts, and enforce the "
    "constraints/iam.allowedPolicyMemberDomains organisation policy.",
    example='resource "google_secret_manager_secret_iam_member" "app_reads_db_password" {\n'
    "  secret_id = google_secret_manager_secret.db_password.id\n"
    '  role      = "roles/secretmanager.secretAccessor"\n'
    '  member    = "serviceAccount:app@acme-prod.iam.gserviceaccount.com"\n}',
    tags=("iam", "public"),
)
def gcp_public_iam(resource):
    verdict = Verdict()
    for grant in _grants(resource, verdict, computed_members=True):
        with verdict.item():
            public = _public(grant.known_member())
            if public and not grant.has_role(INVOKER_ROLES):
                verdict.fail(grant.member_path, f"{grant.role} granted to {public}")
    return verdict.result()


# medium: often intended for public web services, but then the service is the whole security boundary.
@check(
    id="IG-GCP-082",
    title="Cloud Run service or Cloud Function can be invoked without authentication",
    severity="medium",
    framework="terraform",
    types=[*_iam_types(*INVOKER_BASES), "google_cloud_run_v2_service"],
    cwe="CWE-306",
    description="Granting the invoker role to allUsers (or allAuthenticatedUsers), or invoker_iam_disabled = true, "
    "lets anyone on the internet call the service; internal APIs and event handlers deployed this way are "
    "exposed with no authentication at all.",
    remediation="Grant roles/run.invoker (roles/cloudfunctions.invoker) to the calling service accounts; put public "
    "sites behind a load balancer with IAP or Cloud Armor if they must be reachable by everyone.",
    example='resource "google_cloud_run_v2_service_iam_member" "frontend_calls_api" {\n'
    "  name     = google_cloud_run_v2_service.api.name\n  location = google_cloud_run_v2_service.api.location\n"
    '  role     = "roles/run.invoker"\n'
    '  member   = "serviceAccount:frontend@acme-prod.iam.gserviceaccount.com"\n}',
    tags=("iam", "public"),
)
def gcp_public_invoker(resource):
    if resource.type == "google_cloud_run_v2_service":
        if is_true(resource.get("invoker_iam_disabled")):
            return Fail("invoker_iam_disabled", "invoker_iam_disabled = true: any caller may invoke the service")
        return None
    verdict = Verdict()
    for grant in _grants(resource, verdict, computed_members=True):
        with verdict.item():
            public = _public(grant.known_member())
            if public and grant.has_role(INVOKER_ROLES):
                verdict.fail(grant.member_path, f"{grant.role} granted to {public}")
    return verdict.result()


NINETY_DAYS = 90 * 24 * 3600


def _seconds(duration: str) -> int | None:
    """Seconds of a protobuf duration such as "7776000s"."""
    match = re.fullmatch(r"\s*(\d+)(?:\.\d+)?s\s*", duration)
    return int(match.group(1)) if match else None


# medium: without rotation, every byte ever encrypted stays under one key version for its whole life.
@check(
    id="IG-GCP-083",
    title="Cloud KMS symmetric key is not rotated at least every 90 days",
    severity="medium",
    framework="terraform",
    types=["google_kms_crypto_key"],
    cwe="CWE-324",
    description="A symmetric encryption key without rotation_period (or with one over 90 days) keeps a single key "
    "version in use indefinitely, increasing the data exposed if that version is compromised. Keys that Cloud "
    "KMS cannot rotate automatically (asymmetric, MAC, import-only and external keys) are not judged.",
    remediation='Set rotation_period = "7776000s" (90 days) or shorter.',
    example='resource "google_kms_crypto_key" "data" {\n  name            = "data"\n'
    '  key_ring        = google_kms_key_ring.main.id\n  rotation_period = "7776000s"\n}',
    tags=("encryption",),
    # safe: a new primary version every 90 days; older versions stay enabled, so existing ciphertext still decrypts
    fix=SetValue("rotation_period", "7776000s"),
)
def gcp_kms_rotation(resource):
    if str(resource.get("purpose", "ENCRYPT_DECRYPT")).upper() != "ENCRYPT_DECRYPT" or is_true(
        resource.get("import_only")
    ):
        return None
    template = first_block(resource, "version_template")
    level = resource.get(f"{template}.protection_level", "SOFTWARE") if template else "SOFTWARE"
    if str(level).upper().startswith("EXTERNAL"):
        return None
    period = resource.get("rotation_period")
    if period is None:
        return Fail(written(resource, "rotation_period"), "no rotation_period: the key is never rotated")
    seconds = _seconds(str(period))
    if seconds is None:
        raise UnknownValue("rotation_period", f"unreadable duration {period!r}")
    if seconds > NINETY_DAYS:
        return Fail("rotation_period", f"rotation_period {period} is longer than 90 days")
    return None


# low: software keys are already protected by Google; HSM adds FIPS 140-2 Level 3 hardware protection.
@check(
    id="IG-GCP-084",
    title="Cloud KMS key is protected in software rather than an HSM",
    severity="low",
    framework="terraform",
    types=["google_kms_crypto_key"],
    cwe="CWE-320",
    description='version_template.protection_level defaults to "SOFTWARE": key material is handled by software '
    "rather than a FIPS 140-2 Level 3 hardware security module, which regulated data often requires.",
    remediation='Add version_template { algorithm = "GOOGLE_SYMMETRIC_ENCRYPTION" protection_level = "HSM" } (or '
    "EXTERNAL for keys held outside Google).",
    example='resource "google_kms_crypto_key" "data" {\n  name            = "data"\n'
    '  key_ring        = google_kms_key_ring.main.id\n  rotation_period = "7776000s"\n\n'
    '  version_template {\n    algorithm        = "GOOGLE_SYMMETRIC_ENCRYPTION"\n'
    '    protection_level = "HSM"\n  }\n}',
    tags=("encryption",),
)
def gcp_kms_protection_level(resource):
    template = first_block(resource, "version_template")
    level = resource.get(f"{template}.protection_level", "SOFTWARE") if template else "SOFTWARE"
    if str(level).upper() != "SOFTWARE":
        return None
    at = written(resource, f"{template}.protection_level", template) if template else None
    return Fail(at, "key versions are protected in software")


def _target(resource: Resource) -> str:
    """The project, folder or organisation a grant applies to; an unknown one by its reason (same expression)."""
    for name in ("project", "folder", "org_id"):
        try:
            value = resource.get(name)
        except UnknownValue as exc:
            return f"{name}?{exc.reason}"
        if value is not None:
            return f"{name}:{value}"
    return "provider-default-project"


def _conflicting_grants(resource: Resource, graph, first: tuple[str, ...], second: tuple[str, ...], what: str):
    """Fails for members this resource grants a role of `first` and that (here or elsewhere in the configuration)
    also hold a role of `second` on the same project, folder or organisation."""
    verdict = Verdict()
    mine = [g for g in _grants(resource, verdict) if _with_role(g, first, verdict)]
    if not mine:
        return verdict.result()
    target = _target(resource)
    others = [
        (other, grant)
        for other in [r for t in HIERARCHY_TYPES for r in graph.resources("terraform", t)]
        if other.scope == resource.scope and _target(other) == target
        for grant in _grants(other, verdict)
        if _with_role(grant, second, verdict)
    ]
    for grant in mine:
        with verdict.item():
            member = grant.known_member()
            for other, match in others:
                with verdict.item():
                    if match.known_member() == member:
                        related = () if other is resource else (other,)
                        verdict.fail(grant.role_path, f"{member} holds {grant.role} and {match.role}: {what}", related)
                        break
    return verdict.result()


def _with_role(grant: Grant, roles: tuple[str, ...], verdict: Verdict) -> bool:
    """The grant is for one of `roles`; an unknown role goes to the verdict."""
    with verdict.item():
        return grant.has_role(roles)
    return False


KMS_ADMIN = ("roles/cloudkms.admin",)
KMS_CRYPTO = (
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    "roles/cloudkms.cryptoKeyEncrypter",
    "roles/cloudkms.cryptoKeyDecrypter",
)


# medium: one identity that manages keys and uses them can decrypt data and hide the trail.
@check(
    id="IG-GCP-085",
    title="Same member administers Cloud KMS keys and uses them to encrypt or decrypt",
    severity="medium",
    framework="terraform",
    types=HIERARCHY_TYPES,
    cwe="CWE-269",
    description="Separation of duties: a member that holds Cloud KMS Admin and an encrypter/decrypter role on the "
    "same project can both change key policies and decrypt data, so one compromised identity defeats the "
    "controls the keys are meant to enforce.",
    remediation="Give key administration and key use to different groups or service accounts.",
    example='resource "google_project_iam_member" "kms_admins" {\n  project = "acme-security"\n'
    '  role    = "roles/cloudkms.admin"\n  member  = "group:kms-admins@example.com"\n}\n\n'
    'resource "google_project_iam_member" "app_decrypts" {\n  project = "acme-security"\n'
    '  role    = "roles/cloudkms.cryptoKeyDecrypter"\n'
    '  member  = "serviceAccount:app@acme-prod.iam.gserviceaccount.com"\n}',
    graph=True,
    tags=("iam", "encryption"),
)
def gcp_kms_separation_of_duties(resource, graph):
    return _conflicting_grants(resource, graph, KMS_ADMIN, KMS_CRYPTO, "key administration and key use")


# medium: one identity that creates service accounts and acts as them can grant itself anything they hold.
@check(
    id="IG-GCP-086",
    title="Same member administers service accounts and acts as them",
    severity="medium",
    framework="terraform",
    types=HIERARCHY_TYPES,
    cwe="CWE-269",
    description="Separation of duties: a member with Service Account Admin and Service Account User on the same "
    "project can create service accounts, let them be granted roles, and then act as them.",
    remediation="Give service account administration and service account use to different groups.",
    example='resource "google_project_iam_member" "sa_admins" {\n  project = "acme-prod"\n'
    '  role    = "roles/iam.serviceAccountAdmin"\n  member  = "group:iam-admins@example.com"\n}',
    graph=True,
    tags=("iam",),
)
def gcp_service_account_separation_of_duties(resource, graph):
    return _conflicting_grants(
        resource,
        graph,
        ("roles/iam.serviceAccountAdmin",),
        ("roles/iam.serviceAccountUser",),
        "service account administration and use",
    )


# medium: exempted members can read and change data without leaving Data Access audit records.
@check(
    id="IG-GCP-087",
    title="Audit logging configuration exempts members",
    severity="medium",
    framework="terraform",
    types=[f"google_{level}_iam_audit_config" for level in HIERARCHY],
    cwe="CWE-778",
    description="exempted_members in an audit_log_config stop Data Access audit logs for those identities, so the "
    "actions of exactly those accounts (often the most privileged) leave no trace.",
    remediation="Remove exempted_members; reduce log volume with exclusion filters on the log sink instead.",
    example='resource "google_project_iam_audit_config" "all" {\n  project = "acme-prod"\n'
    '  service = "allServices"\n\n  audit_log_config {\n    log_type = "DATA_READ"\n  }\n\n'
    '  audit_log_config {\n    log_type = "DATA_WRITE"\n  }\n}',
    tags=("logging", "iam"),
)
def gcp_audit_exemptions(resource):
    verdict = Verdict()
    for config in block_paths(resource, "audit_log_config", verdict):
        with verdict.item():
            members = resource.get(f"{config}.exempted_members")
            if members:
                verdict.fail(f"{config}.exempted_members", f"{resource.get(f'{config}.log_type')} exempts {members}")
    return verdict.result()


def _public_zone(resource: Resource) -> bool:
    return str(resource.get("visibility", "public")).lower() == "public"


# medium: without DNSSEC, resolvers cannot detect forged answers (cache poisoning, hijacked delegations).
@check(
    id="IG-GCP-088",
    title="Public Cloud DNS zone does not enable DNSSEC",
    severity="medium",
    framework="terraform",
    types=["google_dns_managed_zone"],
    cwe="CWE-345",
    description="Without DNSSEC, validating resolvers cannot tell a genuine answer for the zone from a forged one, "
    "so cache poisoning or a spoofed response can redirect users and mail to an attacker.",
    remediation='Add dnssec_config { state = "on" } (and publish the DS record at the registrar).',
    example='resource "google_dns_managed_zone" "public" {\n  name     = "example-com"\n'
    '  dns_name = "example.com."\n\n  dnssec_config {\n    state = "on"\n  }\n}',
    tags=("network",),
    # safe: the zone is signed, but resolvers validate it only once a DS record is added at the registrar, so answers
    # do not change until a person does that
    fix=SetValue("dnssec_config.0.state", "on"),
)
def gcp_dnssec(resource):
    if not _public_zone(resource):
        return None
    block = first_block(resource, "dnssec_config")
    if block is None:
        return Fail(None, "no dnssec_config: DNSSEC is off")
    state = resource.get(f"{block}.state", "off")
    if str(state).lower() == "off":  # "on", or "transfer" while the zone moves to another provider
        return Fail(written(resource, f"{block}.state", block), f"DNSSEC state is {state}")
    return None


# medium: RSASHA1 signatures are forgeable at a cost within reach of well-funded attackers.
@check(
    id="IG-GCP-089",
    title="Cloud DNS zone signs with RSASHA1",
    severity="medium",
    framework="terraform",
    types=["google_dns_managed_zone"],
    cwe="CWE-327",
    description="A DNSSEC key-signing or zone-signing key with algorithm rsasha1 relies on SHA-1, for which "
    "chosen-prefix collisions are practical; many validators now treat such zones as insecure.",
    remediation='Use algorithm = "ecdsap256sha256" (or rsasha256) for both key types in default_key_specs.',
    example='resource "google_dns_managed_zone" "public" {\n  name     = "example-com"\n'
    '  dns_name = "example.com."\n\n  dnssec_config {\n    state = "on"\n\n    default_key_specs {\n'
    '      algorithm  = "ecdsap256sha256"\n      key_length = 256\n      key_type   = "keySigning"\n    }\n\n'
    '    default_key_specs {\n      algorithm  = "ecdsap256sha256"\n      key_length = 256\n'
    '      key_type   = "zoneSigning"\n    }\n  }\n}',
    tags=("network", "encryption"),
)
def gcp_dnssec_rsasha1(resource):
    verdict = Verdict()
    for config in block_paths(resource, "dnssec_config", verdict):
        for spec in block_paths(resource, f"{config}.default_key_specs", verdict):
            with verdict.item():
                if str(resource.get(f"{spec}.algorithm", "")).lower() == "rsasha1":
                    kind = resource.get(f"{spec}.key_type", "key")
                    verdict.fail(f"{spec}.algorithm", f"{kind} uses rsasha1")
    return verdict.result()


def _ingress(resource: Resource) -> tuple[str | None, str]:
    """(path, value) of the ingress setting of a function or service, with the provider default."""
    if resource.type == "google_cloudfunctions_function":
        return "ingress_settings", str(resource.get("ingress_settings", "ALLOW_ALL"))
    if resource.type == "google_cloudfunctions2_function":
        config = first_block(resource, "service_config")
        if config is None:
            return None, "ALLOW_ALL"
        return f"{config}.ingress_settings", str(resource.get(f"{config}.ingress_settings", "ALLOW_ALL"))
    if resource.type == "google_cloud_run_v2_service":
        return "ingress", str(resource.get("ingress", "INGRESS_TRAFFIC_ALL"))
    path = "metadata.0.annotations.run.googleapis.com/ingress"
    metadata = first_block(resource, "metadata")
    value = resource.get(f"{metadata}.annotations", {}) if metadata else {}
    setting = value.get("run.googleapis.com/ingress", "all") if isinstance(value, dict) else "all"
    if isinstance(setting, Unknown):
        raise UnknownValue(path, setting.reason)
    return (f"{metadata}.annotations" if metadata else None), str(setting)


SERVERLESS = [
    "google_cloudfunctions_function",
    "google_cloudfunctions2_function",
    "google_cloud_run_v2_service",
    "google_cloud_run_service",
]


# low: reachable from the internet is often intended; it bypasses load balancer protections such as Cloud Armor.
@check(
    id="IG-GCP-090",
    title="Cloud Function or Cloud Run service accepts traffic from the internet directly",
    severity="low",
    framework="terraform",
    types=SERVERLESS,
    cwe="CWE-284",
    description="The default ingress (ALLOW_ALL / INGRESS_TRAFFIC_ALL / all) accepts requests from anywhere on the "
    "service's own URL, bypassing the load balancer, Cloud Armor and IAP in front of it; internal services "
    "should accept only internal traffic.",
    remediation="Set ingress to internal-only (ALLOW_INTERNAL_ONLY / INGRESS_TRAFFIC_INTERNAL_ONLY) or internal and "
    "load balancer (ALLOW_INTERNAL_AND_GCLB / INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER).",
    example='resource "google_cloud_run_v2_service" "api" {\n  name     = "api"\n  location = "europe-west1"\n'
    '  ingress  = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"\n\n  template {\n'
    "    service_account = google_service_account.api.email\n\n    containers {\n"
    '      image = "europe-docker.pkg.dev/acme/apps/api:1.4.2"\n    }\n  }\n}',
    tags=("network", "public"),
)
def gcp_serverless_ingress_all(resource):
    path, value = _ingress(resource)
    if value.upper() in ("ALLOW_ALL", "INGRESS_TRAFFIC_ALL", "ALL"):
        return Fail(written(resource, path) if path else None, f"ingress {value} accepts requests from the internet")
    return None


CLOUD_RUN = ["google_cloud_run_v2_service", "google_cloud_run_service"]


def _env_blocks(resource: Resource, verdict: Verdict) -> list[str]:
    """Paths of the env blocks of a Cloud Run service's containers."""
    templates = block_paths(resource, "template", verdict)
    if resource.type == "google_cloud_run_v2_service":
        containers = [c for t in templates for c in block_paths(resource, f"{t}.containers", verdict)]
    else:
        specs = [s for t in templates for s in block_paths(resource, f"{t}.spec", verdict)]
        containers = [c for s in specs for c in block_paths(resource, f"{s}.containers", verdict)]
    return [e for c in containers for e in block_paths(resource, f"{c}.env", verdict)]


# high: anyone with viewer access to the service (and the Terraform state) reads the secret.
@check(
    id="IG-GCP-091",
    title="Cloud Run container environment variable holds a literal secret",
    severity="high",
    framework="terraform",
    types=CLOUD_RUN,
    cwe="CWE-798",
    description="An env block whose name says it holds a secret (DB_PASSWORD, API_KEY...) and whose value is a "
    "literal keeps the secret in the code and the state and shows it to anyone who can view the service. The "
    "name and the value are sibling attributes, so the Terraform-wide secret check (IG-SEC-001, which also "
    "covers Cloud Functions' environment_variables maps and self-identifying tokens) cannot pair them.",
    remediation="Store the value in Secret Manager and reference it with env.value_source.secret_key_ref "
    "(env.value_from.secret_key_ref on the v1 resource).",
    example='resource "google_cloud_run_v2_service" "api" {\n  name     = "api"\n  location = "europe-west1"\n\n'
    '  template {\n    containers {\n      image = "europe-docker.pkg.dev/acme/apps/api:1.4.2"\n\n'
    '      env {\n        name = "DB_PASSWORD"\n        value_source {\n          secret_key_ref {\n'
    "            secret  = google_secret_manager_secret.db_password.secret_id\n"
    '            version = "latest"\n          }\n        }\n      }\n    }\n  }\n}',
    tags=("secrets",),
)
def gcp_cloud_run_env_secrets(resource):
    verdict = Verdict()
    for env in _env_blocks(resource, verdict):
        with verdict.item():
            name = resource.get(f"{env}.name")
            if not isinstance(name, str) or not is_secret_name(name):
                continue
            value = resource.get(f"{env}.value")
            if secret_kind("value", value):
                continue  # a self-identifying token: IG-SEC-001 reports this line
            kind = secret_kind(name, value)
            if kind:
                verdict.fail(f"{env}.value", f"environment variable {name} holds a secret ({kind})")
    return verdict.result()


# high: an API key without restrictions works from any caller against every enabled API.
@check(
    id="IG-GCP-092",
    title="API key has no restrictions",
    severity="high",
    framework="terraform",
    types=["google_apikeys_key"],
    cwe="CWE-284",
    description="An API key without restrictions can call every API enabled in the project from any website, app or "
    "IP address; API keys end up in front-end code and repositories, so a leaked key is billed and abused freely.",
    remediation="Add restrictions with api_targets for the APIs the key needs and browser_key_restrictions, "
    "server_key_restrictions, android_key_restrictions or ios_key_restrictions for its callers.",
    example='resource "google_apikeys_key" "maps" {\n  name         = "maps-web"\n  display_name = "Maps (web)"\n\n'
    '  restrictions {\n    api_targets {\n      service = "maps-backend.googleapis.com"\n    }\n\n'
    '    browser_key_restrictions {\n      allowed_referrers = ["https://www.example.com/*"]\n    }\n  }\n}',
    tags=("iam",),
)
def gcp_api_key_unrestricted(resource):
    block = first_block(resource, "restrictions")
    if block is None:
        return Fail(None, "no restrictions: the key works for every API from any caller")
    kinds = (
        "api_targets",
        "browser_key_restrictions",
        "server_key_restrictions",
        "android_key_restrictions",
        "ios_key_restrictions",
    )
    verdict = Verdict()
    if not any(block_paths(resource, f"{block}.{kind}", verdict) for kind in kinds):
        verdict.fail(block, "restrictions block restricts neither APIs nor callers")
    return verdict.result()


def _runtime_account(resource: Resource) -> tuple[str | None, str | None]:
    """(path of the runtime service account setting, anchor to report when absent)."""
    if resource.type == "google_cloudfunctions_function":
        return "service_account_email", None
    if resource.type == "google_cloudfunctions2_function":
        config = first_block(resource, "service_config")
        return (f"{config}.service_account_email", config) if config else (None, None)
    template = first_block(resource, "template")
    if resource.type == "google_cloud_run_v2_service":
        return (f"{template}.service_account", template) if template else (None, None)
    spec = first_block(resource, f"{template}.spec") if template else None
    return (f"{spec}.service_account_name", spec) if spec else (None, template)


def _default_account(value: Any) -> bool:
    text = str(value)
    return text.endswith(("-compute@developer.gserviceaccount.com", "@appspot.gserviceaccount.com"))


# medium: the default compute / App Engine service account has Editor on the project.
@check(
    id="IG-GCP-093",
    title="Cloud Function or Cloud Run service runs as a default service account",
    severity="medium",
    framework="terraform",
    types=SERVERLESS,
    cwe="CWE-250",
    description="Without an explicit runtime service account, Cloud Run and 2nd gen functions run as the Compute "
    "Engine default service account and 1st gen functions as the App Engine default one; both have the project "
    "Editor role by default, so a code injection in the service controls the project.",
    remediation="Create a service account per service with only the roles it needs, and set it as the runtime "
    "service account (template.service_account, service_config.service_account_email, service_account_email).",
    example='resource "google_cloud_run_v2_service" "api" {\n  name     = "api"\n  location = "europe-west1"\n\n'
    "  template {\n    service_account = google_service_account.api.email\n\n    containers {\n"
    '      image = "europe-docker.pkg.dev/acme/apps/api:1.4.2"\n    }\n  }\n}',
    tags=("iam",),
)
def gcp_serverless_default_account(resource):
    path, anchor = _runtime_account(resource)
    if path and configured(resource, path):
        try:
            value = resource.get(path)
        except UnknownValue:
            return None  # computed at apply time from another resource: a google_service_account's email
        if not _default_account(value):
            return None
        return Fail(path, f"runs as the default service account {value}")
    at = written(resource, path, anchor) if path else anchor
    return Fail(at, "no runtime service account: runs as a default service account with Editor")


# medium: the function also answers plain HTTP, so requests, tokens and responses can travel unencrypted.
@check(
    id="IG-GCP-094",
    title="HTTP-triggered Cloud Function (1st gen) accepts plain HTTP",
    severity="medium",
    framework="terraform",
    types=["google_cloudfunctions_function"],
    cwe="CWE-319",
    description="Unless https_trigger_security_level is SECURE_ALWAYS, a 1st gen HTTP function also answers "
    "http:// requests without redirecting them, so credentials, tokens and data sent by a misconfigured client "
    "cross the network in clear text.",
    remediation='Set https_trigger_security_level = "SECURE_ALWAYS" (2nd gen functions always redirect to HTTPS).',
    example='resource "google_cloudfunctions_function" "webhook" {\n  name                         = "webhook"\n'
    '  runtime                      = "python312"\n  entry_point                  = "handle"\n'
    '  source_archive_bucket        = "acme-functions"\n  source_archive_object        = "webhook.zip"\n'
    "  trigger_http                 = true\n"
    '  https_trigger_security_level = "SECURE_ALWAYS"\n}',
    tags=("encryption",),
)
def gcp_function_plain_http(resource):
    if not is_true(resource.get("trigger_http")):
        return None
    level = resource.get("https_trigger_security_level", "SECURE_OPTIONAL")
    if str(level).upper() == "SECURE_ALWAYS":
        return None
    at = written(resource, "https_trigger_security_level", "trigger_http")
    return Fail(at, f"https_trigger_security_level is {level}: the function also answers plain HTTP")


def _vpc_egress(resource: Resource) -> tuple[str | None, str | None, str] | None:
    """For a function or service attached to a VPC: (egress setting path, path to report when it is absent,
    egress value with the provider default). None when it has no VPC access."""
    if resource.type == "google_cloudfunctions_function":
        if not configured(resource, "vpc_connector"):
            return None
        return (
            "vpc_connector_egress_settings",
            "vpc_connector",
            str(resource.get("vpc_connector_egress_settings", "PRIVATE_RANGES_ONLY")),
        )
    if resource.type == "google_cloudfunctions2_function":
        config = first_block(resource, "service_config")
        if config is None or not configured(resource, f"{config}.vpc_connector"):
            return None
        path = f"{config}.vpc_connector_egress_settings"
        return path, f"{config}.vpc_connector", str(resource.get(path, "PRIVATE_RANGES_ONLY"))
    template = first_block(resource, "template")
    if template is None:
        return None
    if resource.type == "google_cloud_run_v2_service":
        access = first_block(resource, f"{template}.vpc_access")
        if access is None:
            return None
        path = f"{access}.egress"
        return path, access, str(resource.get(path, "PRIVATE_RANGES_ONLY"))
    metadata = first_block(resource, f"{template}.metadata")
    annotations = resource.get(f"{metadata}.annotations", {}) if metadata else {}
    if not isinstance(annotations, dict) or "run.googleapis.com/vpc-access-connector" not in annotations:
        return None
    egress = annotations.get("run.googleapis.com/vpc-access-egress", "private-ranges-only")
    if isinstance(egress, Unknown):
        raise UnknownValue(f"{metadata}.annotations", egress.reason)
    return None, f"{metadata}.annotations", str(egress)


# low: egress controls (VPC firewall rules, Cloud NAT addresses, VPC Service Controls) see only private traffic.
@check(
    id="IG-GCP-095",
    title="Cloud Function or Cloud Run service sends internet traffic around its VPC connector",
    severity="low",
    framework="terraform",
    types=SERVERLESS,
    cwe="CWE-693",
    description="A function or service attached to a VPC sends only private-range traffic through it by default "
    "(PRIVATE_RANGES_ONLY); its internet traffic leaves directly, so the VPC's egress firewall rules, Cloud NAT "
    "addresses and logging do not apply to data it sends out. Services without VPC access are not judged.",
    remediation='Set the egress to "ALL_TRAFFIC" (vpc_connector_egress_settings, vpc_access.egress, or the '
    "run.googleapis.com/vpc-access-egress annotation = all-traffic) and control egress in the VPC.",
    example='resource "google_cloud_run_v2_service" "api" {\n  name     = "api"\n  location = "europe-west1"\n\n'
    "  template {\n    vpc_access {\n      connector = google_vpc_access_connector.main.id\n"
    '      egress    = "ALL_TRAFFIC"\n    }\n\n    containers {\n'
    '      image = "europe-docker.pkg.dev/acme/apps/api:1.4.2"\n    }\n  }\n}',
    tags=("network",),
)
def gcp_serverless_vpc_egress(resource):
    found = _vpc_egress(resource)
    if found is None:
        return None
    path, anchor, egress = found
    if egress.upper().replace("-", "_") == "ALL_TRAFFIC":
        return None
    at = written(resource, path, anchor) if path else anchor
    return Fail(at, f"VPC egress is {egress}: internet traffic bypasses the VPC")

"""Hard-coded secrets in every language, through the one detector in `scanner/secrets.py`.

Messages name the kind of secret and where it is, never the value, so no report format (console,
JSON, SARIF, JUnit, Markdown, baselines) can carry it. Container environments are IG-K8S-013, and
Dockerfile ENV/ARG and URL credentials are IG-DKR-004/041; these checks cover the rest.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from checks.dockerfile import _script
from scanner import kube
from scanner.records import Resource, Unknown
from scanner.registry import Fail, check
from scanner.secrets import is_placeholder, secret_in_text, secret_kind, value_secret_kinds

# attribute walks stop here: a hostile or generated configuration cannot make one resource costly
MAX_DEPTH = 12
MAX_LEAVES = 5000


def _leaves(value: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, str, str]]:
    """(dotted path, key name, string) of the string leaves under `value`; unknown parts are skipped."""
    if depth > MAX_DEPTH or isinstance(value, Unknown):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{path}.{index}" if path else str(index), depth + 1)
    elif isinstance(value, str):
        key = next((part for part in reversed(path.split(".")) if not part.isdigit()), path)
        yield path, key, value


@check(
    id="IG-SEC-001",
    title="Hard-coded secret in Terraform configuration",
    severity="high",
    framework="terraform",
    types=["*"],
    cwe="CWE-798",
    description="A password, access key, token or private key written in a `.tf` file, a variable default or "
    "a `.tfvars` file is in the repository's history for good, readable by everyone with access to the "
    "code, and in the state of every workspace. The finding points at the attribute, and its "
    '"value from" trace at the line that set the value.',
    remediation="Generate the secret (`random_password`, `manage_master_user_password = true`), read it from "
    "a secret manager (`aws_secretsmanager_secret_version`, `azurerm_key_vault_secret`, Vault), or pass it "
    "as a sensitive variable from the pipeline (`TF_VAR_db_password`); then rotate the exposed value.",
    example='resource "aws_db_instance" "orders" {\n  identifier                  = "orders"\n'
    '  engine                      = "postgres"\n  instance_class              = "db.t4g.medium"\n'
    '  username                    = "orders_admin"\n  manage_master_user_password = true\n}',
    tags=("secrets",),
)
def terraform_hardcoded_secret(resource: Resource) -> list[Fail]:
    fails = []
    for count, (path, key, value) in enumerate(_leaves(resource.attributes)):
        if count >= MAX_LEAVES:
            break
        what = secret_kind(key, value)
        if what:
            fails.append(Fail(path, f"{path} holds a hard-coded secret ({what})"))
    return fails


@check(
    id="IG-SEC-002",
    title="Secret written in a ConfigMap or a container's command line",
    severity="high",
    framework="kubernetes",
    types=["ConfigMap", *kube.WORKLOAD_KINDS],
    cwe="CWE-798",
    description="ConfigMaps are not meant for secrets: they are readable by far more principals than "
    "Secrets, are not encrypted at rest by default, and show up in logs and dashboards. A token or password "
    "in a container's command or args is also visible in `ps`, events and the pod spec.",
    remediation="Move the value to a Secret (or an external secret store) and mount it or reference it with "
    "`secretKeyRef`; rotate the exposed value.",
    example="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  LOG_LEVEL: info\n"
    "  DB_HOST: postgres.shop.svc.cluster.local",
    tags=("secrets",),
)
def configmap_or_args_secret(resource: Resource) -> list[Fail]:
    fails = []
    if resource.type == "ConfigMap":
        data = resource.get("data")
        for key, value in data.items() if isinstance(data, dict) else []:
            what = secret_kind(str(key), value) or (secret_in_text(value) if "\n" in str(value) else None)
            if what:
                fails.append(Fail(f"data.{key}", f"ConfigMap key {key} holds a secret ({what})"))
        return fails
    for c in kube.containers(resource):
        for field in ("command", "args"):
            words = c.spec.get(field)
            for index, word in enumerate(words if isinstance(words, list) else []):
                kinds = value_secret_kinds(word) if isinstance(word, str) else []
                if kinds:
                    fails.append(Fail(f"{c.path}.{field}.{index}", f"{c.label} has a {kinds[0]} in its {field}"))
                    break
    return fails


def _decoded(value: Any) -> str | None:
    """The text of a Secret's base64 `data` value, or None when it is not valid base64 text."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


# Secret types whose data Kubernetes or a controller fills in; committing the object commits no secret
_FILLED_BY_THE_CLUSTER = {"kubernetes.io/service-account-token"}


# keys that hold key material without saying "secret" in their name (ceph, TLS, SSH, registry auth)
_KEY_MATERIAL = {"key", "tls.key", "ssh-privatekey", ".dockerconfigjson", ".dockercfg", "credentials", "keyring"}


def _secret_file_value(key: str, text: str) -> str | None:
    """A Secret key named for key material with a real value, or a config file that holds a secret."""
    if key.lower() in _KEY_MATERIAL and not is_placeholder(text):
        return f"value of {key}"
    return secret_in_text(text) if "\n" in text else None


@check(
    id="IG-SEC-003",
    title="Secret object with real values committed to the repository",
    severity="high",
    framework="kubernetes",
    types=["Secret"],
    cwe="CWE-312",
    description="A Secret manifest's `data` is only base64-encoded, not encrypted: committing it with real "
    "values publishes the credentials to everyone with access to the repository and its history. Empty "
    "values and placeholders (`changeme`, `<password>`, `${VAR}`) are not reported.",
    remediation="Keep secrets out of the repository: Sealed Secrets or SOPS-encrypted files, the External "
    "Secrets Operator, or a secretGenerator fed from an untracked file; rotate the exposed values.",
    example="apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n"
    "    password: AgBy3i4OJSWK+PiTySYZZA==",
    tags=("secrets",),
)
def committed_secret(resource: Resource) -> list[Fail]:
    if resource.get("type") in _FILLED_BY_THE_CLUSTER:
        return []
    fails = []
    for field, decode in (("data", True), ("stringData", False)):
        values = resource.get(field)
        for key, value in values.items() if isinstance(values, dict) else []:
            text = _decoded(value) if decode else value
            if text is None:
                continue
            what = secret_kind(str(key), text) or _secret_file_value(str(key), text)
            if what:
                fails.append(Fail(f"{field}.{key}", f"Secret key {key} holds a real value ({what})"))
    return fails


@check(
    id="IG-SEC-004",
    title="Credential written in a Dockerfile instruction",
    severity="high",
    framework="dockerfile",
    types=["stage"],
    cwe="CWE-798",
    description="A token, access key or private key written in a RUN, LABEL, HEALTHCHECK or other "
    "instruction is stored in the image history and layers: everyone who can pull the image can read it. "
    "ENV/ARG secrets are IG-DKR-004/005 and passwords in URLs IG-DKR-041.",
    remediation="Pass build-time credentials as BuildKit secrets (`RUN --mount=type=secret,id=token ...`) and "
    "runtime ones from the orchestrator; rotate the exposed value.",
    example="RUN --mount=type=secret,id=gh_token \\\n"
    "    GITHUB_TOKEN=$(cat /run/secrets/gh_token) ./scripts/fetch-release.sh",
    tags=("secrets",),
)
def dockerfile_credential(resource: Resource) -> list[Fail]:
    fails = []
    for index, instruction in enumerate(resource.get("instructions") or []):
        if instruction["cmd"] in ("ENV", "ARG"):
            continue
        text = _script(instruction) if "commands" in instruction else instruction["original"]
        kinds = [k for k in value_secret_kinds(text) if k != "Basic Auth Credentials"]
        if kinds:
            fails.append(Fail(f"instructions.{index}", f"{instruction['cmd']} contains a {kinds[0]}"))
    return fails

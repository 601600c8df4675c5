"""Secret detection shared by the checks of every framework: what a hard-coded secret looks like.

Two detectors, both on values the parsers already produced (nothing is re-read from disk):
- value shape, with detect-secrets' plugins for credentials that identify themselves (AWS key ids,
  private key blocks, GitHub/GitLab/Slack/Stripe/npm/PyPI/OpenAI tokens, JWTs, passwords in URLs);
- keyword: a name that says "secret" (`DB_PASSWORD`, `dbPassword`, `vaultpassword`, `api_key`) holding a
  literal that is not a placeholder (`changeme`, `<password>`, `${VAR}`, `SECRET`, `INSERT_...`), a
  reference, a switch or a path.

A detected secret is never returned or printed: callers get the kind of secret ("GitHub token") and
write messages from it, so no report format can leak the value.
"""

from __future__ import annotations

import re
from functools import lru_cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import BasePlugin

# detect-secrets plugins whose pattern identifies a credential by its own shape. Left out: the
# entropy and keyword plugins (we gate entropy by name and have our own keyword rules), IP
# addresses, and the IBM/Cloudant/SoftLayer ones, whose patterns are keyword heuristics.
VALUE_PLUGINS = (
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
# a value longer than this is not scanned by shape (a bundled script or certificate chain): bounded work
MAX_VALUE = 64 * 1024

# words that make a name describe a secret; a name made of several words matches on any word, and a
# run-together name (`vaultpassword`, `githubtoken`) when it ends with one
SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "credentials")
SECRET_PAIRS = {("api", "key"), ("access", "key"), ("private", "key"), ("auth", "key"), ("secret", "key")}
SECRET_ENDINGS = (*SECRET_WORDS, "secretkey", "privatekey", "accesskey", "authkey")
SHORT_SECRET_WORDS = ("pass", "pwd", "pw")  # only as whole words: `DB_PASS`, not `bypass`
# a name ending in one of these describes a secret (where it is, how long, whether it is on), it is not one
NOT_SECRET_SUFFIXES = frozenset(
    {
        "file",
        "path",
        "dir",
        "url",
        "uri",
        "endpoint",
        "header",
        "name",
        "length",
        "ttl",
        "expiry",
        "expiration",
        "location",
        "type",
        "id",
        "ids",
        "size",
        "enabled",
        "required",
        "policy",
        "host",
        "port",
        "user",
        "username",
        "version",
        "algorithm",
        "format",
        "mode",
        "prefix",
        "timeout",
        "min",
        "max",
        "count",
        "provider",
        "backend",
        "ref",
        "arn",
        "key_id",
        "keyid",
        "secret_name",
        "rotation",
        "arns",
        "kms",
        "tokens",
        "audience",
        "issuer",
        "scope",
        "scopes",
        "method",
        "lifetime",
        "duration",
        "validity",
        "interval",
        "refresh",
        "mount",
        "source",
        "sources",
        "manager",
        "store",
        "namespace",
        "label",
        "labels",
        "annotation",
        "selector",
        "generator",
        "class",
        "kind",
        "permissions",
        "permission",
        "actions",
        "action",
        "roles",
        "role",
        "rules",
        "rule",
        "names",
        "types",
        "config",
        "configuration",
        "settings",
        "strategy",
        "schedule",
    }
)
# values that configure rather than hold a secret
NOT_SECRET_VALUES = re.compile(
    r"(-?\d+(\.\d+)?|true|false|yes|no|on|off|none|null|nil|enabled|disabled|required|optional|\*+|\.+"
    r"|files( +\w+)*|compat|sss|ldap|nis|winbind|systemd)",  # nsswitch.conf's `passwd: files systemd`
    re.I,
)
# placeholders a person replaces before deploying, references resolved elsewhere, and decoys
PLACEHOLDERS = (
    re.compile(r".*(<[^<>]*>|\{\{.*\}\}|\$\{[^}]*\}|\$\([^)]*\)).*"),  # <x>, {{ .Values.x }}, ${VAR}, $(VAR)
    re.compile(r"\$[A-Za-z_]\w*|%\w+%|@\w+@"),  # $VAR, %VAR%, @VAR@
    re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]+"),  # INSERT_API_KEY, SECRET, PASSWORD
    re.compile(
        r"(?:insert|replace|your|change|enter|fill|todo|fixme|example|sample|dummy|fake|placeholder|redacted|"
        r"xxx|changeme|changeit)[\w\-. ]*",
        re.I,
    ),
    re.compile(r"(?:password|passwd|secret|token|pass|none|null|empty|unset|not-?set|tbd|n/?a)", re.I),
    re.compile(r"(.)\1{3,}"),  # xxxxxxxx, ********, 00000000
    re.compile(r".*EXAMPLE.*"),  # AWS's documented sample keys (AKIAIOSFODNN7EXAMPLE, ...EXAMPLEKEY)
)
# every credential the plugins know has a run of 20 token characters, a key header or a URL with a user:
# a cheap test that spares the plugins (about 80 us a value) almost every value of a configuration
_MAY_HOLD_CREDENTIAL = re.compile(r"[A-Za-z0-9_\-+/=.]{20}|BEGIN [A-Z ]*PRIVATE|PuTTY-User-Key|://[^\s/@]+@")
DOCUMENTATION_EXAMPLES = ("EXAMPLE", "example", "wJalrXUtnFEMI/K7MDENG")  # AWS's documented sample keys


@lru_cache(maxsize=1)
def _plugins() -> tuple[BasePlugin, ...]:
    plugins: list[type[BasePlugin]] = list(get_mapping_from_secret_type_to_class().values())
    classes = {plugin.__name__: plugin for plugin in plugins}
    return tuple(classes[name]() for name in VALUE_PLUGINS)


def name_parts(name: str) -> list[str]:
    """`dbPassword` -> [db, password]; `API_KEY` -> [api, key]; `vault.password` -> [vault, password]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name))
    return [p for p in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if p]


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a variable, key or attribute name says it holds a secret."""
    parts = name_parts(name)
    if not parts or parts[-1] in NOT_SECRET_SUFFIXES or name.upper() == "PWD":
        return False
    if len(parts) > 1 and "_".join(parts[-2:]) in NOT_SECRET_SUFFIXES:
        return False
    if any(p in SECRET_WORDS for p in parts) or any(
        pair in SECRET_PAIRS for pair in zip(parts, parts[1:], strict=False)
    ):
        return True
    if parts[-1] in SHORT_SECRET_WORDS:
        return True
    return parts[-1].endswith(SECRET_ENDINGS) and not parts[-1].endswith(tuple(NOT_SECRET_SUFFIXES))


def is_placeholder(value: str) -> bool:
    """A value that stands for a secret rather than being one (or that configures something)."""
    text = value.strip().strip("\"'")
    if len(text) < 3 or NOT_SECRET_VALUES.fullmatch(text) or text.startswith(("/", "./", "~/", "arn:", "projects/")):
        return True
    return any(pattern.fullmatch(text) for pattern in PLACEHOLDERS)


def value_secret_kinds(value: str) -> list[str]:
    """The kinds of self-identifying credentials found in `value` (never the credentials themselves)."""
    if not value or len(value) > MAX_VALUE or not _MAY_HOLD_CREDENTIAL.search(value):
        return []
    kinds: list[str] = []
    for plugin in _plugins():
        for found in plugin.analyze_string(value):
            if any(marker in found for marker in DOCUMENTATION_EXAMPLES):
                continue
            if plugin.secret_type == "Basic Auth Credentials" and is_placeholder(found):
                continue
            kinds.append(plugin.secret_type)
            break
    return kinds


def secret_kind(name: str | None, value: object) -> str | None:
    """Why `value` (held under `name`) is a hard-coded secret, or None: a self-identifying credential
    anywhere, or a literal under a secret-like name."""
    if not isinstance(value, str) or not value.strip():
        return None
    kinds = value_secret_kinds(value)
    if kinds:
        return kinds[0]
    if name and is_secret_name(name) and not is_placeholder(value) and value.strip() != name:
        return f"literal value of {name}"
    return None


# `key: value`, `key = value`, `key=value` lines of a configuration file held in one value (and a shell
# script's `export KEY=value`)
_ASSIGNMENT = re.compile(
    r"""^[ \t]*(?:export[ \t]+)?["']?([A-Za-z_][\w.\-]*)["']?[ \t]*[:=][ \t]*(.+?)[ \t]*,?[ \t]*$""", re.M
)
# a value that is code, not a literal: `os.environ["TOKEN"]`, `self.token`, `get_secret()`
_EXPRESSION = re.compile(r".*[()\[\]{}].*|[A-Za-z_]\w*(\.\w+)+")


def secret_in_text(text: str) -> str | None:
    """Why a file-like value (an `application.properties`, a `.env`, a YAML config in a ConfigMap or
    Secret) holds a hard-coded secret, or None: a self-identifying credential, or a `password = ...`
    line whose value is a literal."""
    if not isinstance(text, str) or len(text) > MAX_VALUE:
        return None
    kinds = value_secret_kinds(text)
    if kinds:
        return kinds[0]
    for match in _ASSIGNMENT.finditer(text):
        key, value = match.group(1), match.group(2).strip().strip("\"'")
        if (
            is_secret_name(key)
            and value
            and value != key
            and not is_placeholder(value)
            and not _EXPRESSION.fullmatch(value)
        ):
            return f"literal value of {key}"
    return None

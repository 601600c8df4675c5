"""The Dockerfile checks' RewriteInstruction fixes edit only what the fix needs: continuation lines, comment lines
and the rest of the script are kept, and instructions the rewrite cannot read safely (exec form, heredocs, a
trailing shell comment) are left to a person (None)."""

from __future__ import annotations

import pytest

from scanner.fix.spec import InsertInstruction, RewriteInstruction
from scanner.registry import load_builtin_checks

CHECKS = load_builtin_checks()


def rewrite(check_id: str, text: str) -> str | None:
    fix = CHECKS[check_id].fix
    assert isinstance(fix, RewriteInstruction)
    return fix.rewrite(text)


APT_MULTILINE = """RUN apt-get update \\
    # the PostgreSQL client library for psycopg
 && apt-get install -y --no-install-recommends \\
      libpq5=15.8-0+deb12u1 \\
      tini=0.19.0-1"""


def test_apt_lists_are_removed_on_the_last_line_keeping_continuations_and_comment_lines() -> None:
    assert rewrite("IG-DKR-023", APT_MULTILINE) == APT_MULTILINE + " && rm -rf /var/lib/apt/lists/*"


def test_apt_lists_removal_keeps_a_trailing_newline_and_follows_a_semicolon() -> None:
    text = "RUN apt-get update; apt-get install -y curl;\n"
    assert rewrite("IG-DKR-023", text) == "RUN apt-get update; apt-get install -y curl; rm -rf /var/lib/apt/lists/*\n"


@pytest.mark.parametrize(
    "text",
    [
        'RUN ["/bin/sh", "-c", "apt-get update && apt-get install -y curl"]',
        "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF",
        "RUN apt-get update && apt-get install -y curl  # the CLI the healthcheck calls",
        "RUN apt-get update && apt-get install -y curl &",
        "RUN apt-get update && echo 'unterminated",
    ],
    ids=["exec-form", "heredoc", "trailing-shell-comment", "background", "open-quote"],
)
def test_apt_lists_removal_leaves_scripts_it_cannot_append_to(text: str) -> None:
    assert rewrite("IG-DKR-023", text) is None


def test_a_hash_inside_quotes_or_a_word_is_not_a_shell_comment() -> None:
    text = "RUN apt-get update && apt-get install -y curl && echo 'built #42' > /etc/build\\#id"
    assert rewrite("IG-DKR-023", text) == text + " && rm -rf /var/lib/apt/lists/*"


def test_yum_and_dnf_clean_with_the_installer_the_run_uses() -> None:
    yum = "RUN yum install -y httpd-2.4.57"
    assert rewrite("IG-DKR-027", yum) == yum + " && yum clean all"
    text = "RUN --mount=type=secret,id=rh dnf -y install \\\n      nginx-1.20.1"
    assert rewrite("IG-DKR-027", text) == text + " && dnf clean all"


def test_apk_no_cache_is_added_to_every_apk_add_that_lacks_it() -> None:
    text = (
        "RUN apk add --virtual .build-deps gcc~13.2 musl-dev~1.2 \\\n"
        " && /sbin/apk add --no-cache tini~0.19 \\\n"
        " && apk -U add curl~8.10"
    )
    assert rewrite("IG-DKR-026", text) == (
        "RUN apk add --no-cache --virtual .build-deps gcc~13.2 musl-dev~1.2 \\\n"
        " && /sbin/apk add --no-cache tini~0.19 \\\n"
        " && apk -U add --no-cache curl~8.10"
    )


def test_no_install_recommends_is_added_after_install_only_where_missing() -> None:
    text = (
        "RUN apt-get update \\\n"
        " && apt-get install -y curl=8.5.0-2ubuntu10.4 \\\n"
        " && apt-get -q install -y -o APT::Install-Recommends=false jq=1.7.1-3build1"
    )
    assert rewrite("IG-DKR-022", text) == (
        "RUN apt-get update \\\n"
        " && apt-get install --no-install-recommends -y curl=8.5.0-2ubuntu10.4 \\\n"
        " && apt-get -q install -y -o APT::Install-Recommends=false jq=1.7.1-3build1"
    )


def test_add_becomes_copy_with_its_flags_and_case() -> None:
    text = "ADD --chown=www-data:www-data --link \\\n    docker/apache/vhost.conf /etc/apache2/sites-available/"
    assert rewrite("IG-DKR-007", text) == text.replace("ADD", "COPY", 1)
    assert rewrite("IG-DKR-007", "add . /var/www/html") == "copy . /var/www/html"


def test_add_with_a_flag_copy_does_not_have_is_left_alone() -> None:
    assert rewrite("IG-DKR-007", "ADD --keep-git-dir=true app/ /src/") is None


def test_tls_options_are_removed_and_their_lines_kept_tidy() -> None:
    text = (
        "RUN curl -fsSLk https://artifacts.corp.example.com/cli.tgz -o /tmp/cli.tgz \\\n"
        " && curl --insecure \\\n"
        "      -o /usr/local/share/ca.pem https://pki.corp.example.com/ca.pem \\\n"
        " && wget -q --no-check-certificate -O /tmp/model.bin https://models.corp.example.com/model.bin \\\n"
        " && pip install --trusted-host=pypi.corp.example.com app-sdk==2.1.0 \\\n"
        " && git -c http.sslVerify=false clone https://git.corp.example.com/platform/config.git /opt/config \\\n"
        " && tar -xkf /tmp/cli.tgz -C /usr/local/bin"
    )
    assert rewrite("IG-DKR-012", text) == (
        "RUN curl -fsSL https://artifacts.corp.example.com/cli.tgz -o /tmp/cli.tgz \\\n"
        " && curl \\\n"
        "      -o /usr/local/share/ca.pem https://pki.corp.example.com/ca.pem \\\n"
        " && wget -q -O /tmp/model.bin https://models.corp.example.com/model.bin \\\n"
        " && pip install app-sdk==2.1.0 \\\n"
        " && git clone https://git.corp.example.com/platform/config.git /opt/config \\\n"
        " && tar -xkf /tmp/cli.tgz -C /usr/local/bin"
    )


@pytest.mark.parametrize(
    "text",
    [
        "ENV NODE_TLS_REJECT_UNAUTHORIZED=0",
        "RUN npm config set strict-ssl false && npm install -g @corp/cli@4.2.0",
        "RUN git config --global http.sslVerify false",
        "RUN pip install --trusted-host pypi.corp.example.com --index-url http://pypi.corp.example.com/simple sdk",
    ],
    ids=["env", "npm-config", "git-config", "pip-plain-http-index"],
)
def test_tls_settings_an_option_removal_cannot_undo_are_left_alone(text: str) -> None:
    assert rewrite("IG-DKR-012", text) is None


def test_plain_http_downloads_become_https_but_local_addresses_and_other_commands_stay() -> None:
    text = (
        'RUN curl -fsSL "http://get.example-agent.io/agent" -o /usr/local/bin/agent \\\n'
        " && wget -qO /tmp/key.asc http://keys.example.org/release.asc \\\n"
        " && curl -fsS http://localhost:8080/healthz \\\n"
        ' && echo "mirror http://deb.example.org" > /etc/mirror'
    )
    assert rewrite("IG-DKR-042", text) == (
        'RUN curl -fsSL "https://get.example-agent.io/agent" -o /usr/local/bin/agent \\\n'
        " && wget -qO /tmp/key.asc https://keys.example.org/release.asc \\\n"
        " && curl -fsS http://localhost:8080/healthz \\\n"
        ' && echo "mirror http://deb.example.org" > /etc/mirror'
    )
    assert rewrite("IG-DKR-042", "ADD http://downloads.example.org/tool-2.1.tar.gz /opt/") == (
        "ADD https://downloads.example.org/tool-2.1.tar.gz /opt/"
    )
    assert rewrite("IG-DKR-042", "RUN curl -fsSLo /tmp/tool.tgz $TOOL_URL") is None


def test_final_stage_user_is_inserted_as_an_unprivileged_uid() -> None:
    fix = CHECKS["IG-DKR-001"].fix
    assert isinstance(fix, InsertInstruction) and fix.text == "USER 10001" and fix.unsafe

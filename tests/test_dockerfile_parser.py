"""The Dockerfile parser: stages, ARG/ENV substitution, effective USER, RUN scripts and errors."""

from __future__ import annotations

from scanner.parsers.dockerfile import parse, shell_pipelines, substitute
from scanner.records import Unknown, UnknownValue

MULTI_STAGE = """\
# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.22
ARG APP_TAG
FROM golang:${GO_VERSION}-alpine AS Builder
ARG GO_VERSION
ENV CGO_ENABLED=0 \\
    GOFLAGS="-trimpath"
WORKDIR /src
RUN go build -o /out/app ./cmd/app

FROM builder AS test
USER 1000:1000
RUN go test ./...

FROM test
COPY --from=builder /out/app /app
ENTRYPOINT ["/app"]
"""


def stages(text: str):
    parsed = parse(text, "svc/Dockerfile")
    return parsed, {r.address: r for r in parsed.resources}


def test_one_resource_per_stage_addressed_by_alias_or_index() -> None:
    parsed, by_address = stages(MULTI_STAGE)
    assert parsed.errors == []
    assert list(by_address) == ["stage Builder", "stage test", "stage 2"]
    assert [r.dockerfile.final for r in parsed.resources] == [False, False, True]
    assert by_address["stage Builder"].location.start_line == 4
    assert by_address["stage Builder"].location.end_line == 9


def test_global_arg_defaults_are_substituted_in_from() -> None:
    _, by_address = stages(MULTI_STAGE)
    assert by_address["stage Builder"].get("base_image") == "golang:1.22-alpine"
    assert by_address["stage Builder"].get("base_image_raw") == "golang:${GO_VERSION}-alpine"


def test_from_an_earlier_stage_is_case_insensitive_and_inherits_env() -> None:
    _, by_address = stages(MULTI_STAGE)
    test = by_address["stage test"]
    assert test.get("from_stage") == "Builder"
    assert test.get("env")["GOFLAGS"] == "-trimpath"


def test_user_is_inherited_from_the_parent_stage_and_points_at_the_child_from_line() -> None:
    _, by_address = stages(MULTI_STAGE)
    user = by_address["stage 2"].get("user")
    assert (user["name"], user["inherited_from"], user["declared_line"], user["line"]) == ("1000:1000", "test", 12, 15)


def test_external_base_without_user_defaults_to_root_but_known_nonroot_images_do_not() -> None:
    _, root = stages('FROM python:3.12-slim\nCMD ["python"]\n')
    assert root["stage 0"].get("user")["name"] == "root"
    _, distroless = stages("FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /app\n")
    assert distroless["stage 0"].get("user") | {"line": 0} == {
        "name": "65532",
        "line": 0,
        "instruction": 0,
        "source": "image",
    }


def test_user_from_an_unset_variable_is_unknown_not_root() -> None:
    _, by_address = stages("FROM alpine:3.20\nUSER $APP_USER\n")
    stage = by_address["stage 0"]
    try:
        stage.get("user.name")
    except UnknownValue as unknown:
        assert "APP_USER" in unknown.reason
    else:
        raise AssertionError("USER $APP_USER must be unknown")


def test_substitution_forms() -> None:
    variables = {"TAG": "1.2", "EMPTY": "", "UNSET": None}
    assert substitute("app:$TAG", variables) == "app:1.2"
    assert substitute("app:${TAG}-slim", variables) == "app:1.2-slim"
    assert substitute("app:${EMPTY:-latest}", variables) == "app:latest"
    assert substitute("app:${EMPTY-latest}", variables) == "app:"
    assert substitute("app:${UNSET:-latest}", variables) == "app:latest"
    assert substitute("x${TAG:+-tagged}", variables) == "x-tagged"
    assert substitute("app:${MISSING}", variables) == "app:"
    assert isinstance(substitute("app:$UNSET", variables), Unknown)
    assert isinstance(substitute("app:$MISSING", variables, undeclared_known=False), Unknown)


def test_instructions_keep_flags_lines_and_heredocs() -> None:
    text = (
        "FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk \\\n    apk add curl\n"
        "RUN <<EOF\nset -e\ncurl -fsSL https://example.com/x | sh\nEOF\n"
    )
    _, by_address = stages(text)
    instructions = by_address["stage 0"].get("instructions")
    assert [i["cmd"] for i in instructions] == ["FROM", "RUN", "RUN"]
    assert (instructions[1]["line"], instructions[1]["end_line"]) == (2, 3)
    assert instructions[1]["flags"] == ["--mount=type=cache,target=/var/cache/apk"]
    assert instructions[2]["heredocs"][0]["name"] == "EOF"
    assert [["curl", "-fsSL", "https://example.com/x"], ["sh"]] in instructions[2]["commands"]
    assert by_address["stage 0"].line_of("instructions.2") == 4


def test_escape_directive_is_honoured() -> None:
    text = (
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hi\n"
    )
    parsed, by_address = stages(text)
    assert parsed.errors == []
    run = by_address["stage 0"].get("instructions")[1]
    assert (run["line"], run["end_line"]) == (3, 4)


def test_shell_pipelines_split_on_operators_but_not_inside_quotes() -> None:
    assert shell_pipelines('echo "a | b" && curl -s x | bash -s -- -y; rm -rf /tmp/x') == [
        [["echo", "a | b"]],
        [["curl", "-s", "x"], ["bash", "-s", "--", "-y"]],
        [["rm", "-rf", "/tmp/x"]],
    ]


def test_empty_and_comment_only_files_are_not_errors() -> None:
    assert parse("", "Dockerfile").errors == []
    assert parse("# nothing here yet\n\n", "Dockerfile").errors == []


def test_invalid_files_are_reported_with_their_line() -> None:
    no_from = parse("# build\nRUN make\n", "Dockerfile").errors
    assert [(e.line, e.message) for e in no_from] == [(2, "invalid Dockerfile: no FROM instruction")]
    unknown = parse("FROM alpine:3.20\nRUNN make\n", "Dockerfile").errors
    assert [(e.line, e.message) for e in unknown] == [(2, "invalid Dockerfile: unknown instruction RUNN")]
    heredoc = parse("FROM alpine:3.20\nRUN <<EOF\necho hi\n", "Dockerfile").errors
    assert [(e.line, e.message) for e in heredoc] == [(2, "invalid Dockerfile: unterminated heredoc")]
    before = parse("RUN make\nFROM alpine:3.20\n", "Dockerfile").errors
    assert [e.line for e in before] == [1]

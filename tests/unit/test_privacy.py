"""Exclusion globs, secret redaction and key scrubbing: what may leave the machine, and in what shape.

Fake secrets are generated at import time (never written out whole) so that secret scanners do not
flag this file, and so every family is exercised with realistic lengths and alphabets.
"""

from __future__ import annotations

import base64
import json
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arb_lsp.privacy import DEFAULT_EXCLUDES, ExclusionMatcher, RedactionResult, redact, scrub_key

# --------------------------------------------------------------------------------------------------
# Fake secrets
# --------------------------------------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"


def fake(length: int, alphabet: str = ALNUM, seed: str = "") -> str:
    """Deterministic random characters that contain at least one digit and both letter cases if possible."""
    rng = random.Random(f"{seed}/{length}/{alphabet}")
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(length))
        wanted = [set(string.digits), set(string.ascii_lowercase), set(string.ascii_uppercase)]
        if all(not (group & set(alphabet)) or group & set(value) for group in wanted):
            return value


def b64url(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def pem_body(lines: int = 4, seed: str = "") -> list[str]:
    return [fake(64, ALNUM + "+/", f"{seed}{i}") for i in range(lines)] + ["Zm9vYmFy=="]


OPENROUTER = "sk-or-v1-" + fake(64, HEX)
OPENAI_LEGACY = "sk-" + fake(48)
OPENAI_PROJECT = "sk-proj-" + fake(74, URLSAFE, "p") + "T3BlbkFJ" + fake(74, URLSAFE, "q")
ANTHROPIC = "sk-ant-api03-" + fake(93, URLSAFE) + "AA"
GITHUB_CLASSIC = {prefix: prefix + fake(36, seed=prefix) for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")}
GITHUB_FINE_GRAINED = "github_pat_" + fake(22) + "_" + fake(59)
GITLAB = "glpat-" + fake(20, URLSAFE)
SLACK = {
    prefix: f"{prefix}1234567890-1234567890123-{fake(24, seed=prefix)}"
    for prefix in ("xoxb-", "xoxp-", "xoxa-", "xoxs-")
}
SLACK_WEBHOOK_PATH = f"T{fake(8, UPPER_DIGITS)}/B{fake(10, UPPER_DIGITS)}/{fake(24)}"
STRIPE = {prefix: prefix + fake(24, seed=prefix) for prefix in ("sk_live_", "rk_live_", "sk_test_")}
STRIPE_WEBHOOK = "whsec_" + fake(32)
AWS_ACCESS_KEY_IDS = ["AKIA" + fake(16, UPPER_DIGITS), "ASIA" + fake(16, UPPER_DIGITS, "s")]
AWS_SECRET = fake(40, ALNUM + "/+")
GOOGLE = "AIza" + fake(35, URLSAFE)
HUGGINGFACE = "hf_" + fake(34, string.ascii_letters)
NPM = "npm_" + fake(36)
PYPI = "pypi-AgEIcHlwaS5vcmc" + fake(60, URLSAFE)
JWT = ".".join(
    [b64url({"alg": "HS256", "typ": "JWT"}), b64url({"sub": "1234567890", "iat": 1516239022}), fake(43, URLSAFE)]
)
BASIC = base64.b64encode(b"deploy:" + fake(16).encode()).decode()
PEM_LINES = pem_body()
PEM_BLOCK = "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *PEM_LINES, "-----END RSA PRIVATE KEY-----"])


def redacted(kind: str) -> str:
    return f"<REDACTED:{kind}>"


# --------------------------------------------------------------------------------------------------
# Exclusion
# --------------------------------------------------------------------------------------------------

ROOT = "/home/u/proj"


@pytest.fixture
def matcher() -> ExclusionMatcher:
    return ExclusionMatcher(DEFAULT_EXCLUDES, ROOT)


@pytest.mark.parametrize(
    "path",
    [
        f"{ROOT}/.env",
        f"{ROOT}/.env.local",
        f"{ROOT}/.env.production",
        f"{ROOT}/config/prod.env",
        f"{ROOT}/.envrc",
        f"{ROOT}/deploy/tls/server.pem",
        f"{ROOT}/server.key",
        "/home/u/.ssh/id_rsa",
        "/home/u/.ssh/id_rsa.pub",
        "/home/u/.ssh/id_ed25519",
        "/home/u/.ssh/id_ecdsa",
        f"{ROOT}/certs/client.p12",
        f"{ROOT}/certs/client.pfx",
        f"{ROOT}/android/release.jks",
        f"{ROOT}/android/debug.keystore",
        "/home/u/.netrc",
        "C:/Users/u/_netrc",
        f"{ROOT}/.npmrc",
        "/home/u/.pypirc",
        "/home/u/.git-credentials",
        "/home/u/.aws/credentials",
        "/home/u/.aws/config",
        "/home/u/.config/gcloud/application_default_credentials.json",
        "/home/u/.config/gcloud/configurations/config_default",
        f"{ROOT}/infra/my-service-account-key.json",
        f"{ROOT}/service-account.json",
        "/home/u/.azure/msal_token_cache.json",
        "/home/u/.docker/config.json",
        "/home/u/.kube/config",
        f"{ROOT}/infra/terraform.tfstate",
        f"{ROOT}/infra/terraform.tfstate.backup",
        f"{ROOT}/config/secrets.yaml",
        f"{ROOT}/secrets.json",
        f"{ROOT}/credentials.json",
        # inside an excluded directory (a directory match covers its contents, as in .gitignore)
        f"{ROOT}/.env/lib/site.py",
    ],
)
def test_default_excludes_cover_secret_files(matcher: ExclusionMatcher, path: str) -> None:
    assert matcher.is_excluded(path)


@pytest.mark.parametrize(
    "path",
    [
        f"{ROOT}/src/main.py",
        f"{ROOT}/.venv/lib/python3.11/site-packages/httpx/_auth.py",
        f"{ROOT}/.environment",
        f"{ROOT}/env.py",
        f"{ROOT}/src/environment.ts",
        f"{ROOT}/keys.py",
        f"{ROOT}/docs/keyboard.md",
        f"{ROOT}/src/secrets_manager.py",
        f"{ROOT}/aws/credentials_test.go",
        "/home/u/.config/gcloudx/notes.txt",
        f"{ROOT}/kube/config.yaml",
        f"{ROOT}/README.md",
    ],
)
def test_ordinary_files_are_not_excluded(matcher: ExclusionMatcher, path: str) -> None:
    assert not matcher.is_excluded(path)


@pytest.mark.parametrize(
    ("uri", "excluded"),
    [
        (f"file://{ROOT}/.env", True),
        (f"file://{ROOT}/my%20dir/.env.local", True),
        (f"file://{ROOT}/%2Eenv", True),  # percent-decoded before matching
        ("file:///home/u/.aws/credentials", True),
        ("file://localhost/home/u/.kube/config", True),
        (f"file://{ROOT}/src/app.py", False),
        ("file:///C:/Users/u/project/.env", True),
        ("untitled:Untitled-1", False),
        ("untitled:.env", True),
        (f"vscode-notebook-cell:{ROOT}/analysis.ipynb#W0sZmlsZQ", False),
        (f"vscode-notebook-cell:{ROOT}/secrets.ipynb#W0sZmlsZQ", True),
    ],
)
def test_uris_are_matched_on_their_decoded_path(matcher: ExclusionMatcher, uri: str, excluded: bool) -> None:
    assert matcher.is_excluded(uri) is excluded


def test_windows_paths_use_either_separator(matcher: ExclusionMatcher) -> None:
    assert matcher.is_excluded("C:\\Users\\u\\.aws\\credentials")
    assert not matcher.is_excluded("C:\\Users\\u\\project\\main.py")


def test_pattern_without_slash_matches_the_name_at_any_depth() -> None:
    m = ExclusionMatcher(["*.log", "cache"], ROOT)
    assert m.is_excluded(f"{ROOT}/a.log")
    assert m.is_excluded(f"{ROOT}/deep/er/b.log")
    assert m.is_excluded(f"{ROOT}/x/cache/data.json")  # a matching directory covers its contents
    assert not m.is_excluded(f"{ROOT}/a.logger")
    assert not m.is_excluded(f"{ROOT}/caches/data.json")


def test_pattern_with_slash_matches_relative_path_and_absolute_suffix() -> None:
    m = ExclusionMatcher(["config/local.yaml"], ROOT)
    assert m.is_excluded(f"{ROOT}/config/local.yaml")
    assert m.is_excluded("config/local.yaml")  # already relative to the workspace
    assert m.is_excluded("/elsewhere/app/config/local.yaml")
    assert not m.is_excluded(f"{ROOT}/myconfig/local.yaml")  # suffixes start at a path separator
    assert not m.is_excluded(f"{ROOT}/config/local.yaml.bak")


def test_leading_slash_anchors_to_the_root() -> None:
    m = ExclusionMatcher(["/build"], ROOT)
    assert m.is_excluded(f"{ROOT}/build/out.js")
    assert not m.is_excluded(f"{ROOT}/src/build/out.js")
    assert not m.is_excluded("/elsewhere/build/out.js")
    without_root = ExclusionMatcher(["/etc/shadow"], None)
    assert without_root.is_excluded("/etc/shadow")
    assert not without_root.is_excluded("/home/u/etc/shadow")


def test_covers_tells_whether_a_file_lies_inside_the_root() -> None:
    m = ExclusionMatcher(["/private/**"], ROOT)
    assert m.covers(f"{ROOT}/private/keys.py") and m.covers(f"file://{ROOT}/src/app.py")
    assert not m.covers("/elsewhere/private/keys.py")
    assert not m.covers(f"{ROOT}-other/app.py")  # a sibling whose name starts like the root
    assert not m.covers("untitled:Untitled-1")  # no path on disk: the root-less rules decide
    assert not ExclusionMatcher(["/private/**"]).covers("/home/u/proj/private/keys.py")


def test_double_star_spans_directories() -> None:
    m = ExclusionMatcher(["**/fixtures/**/*.sql", "logs/**"], ROOT)
    assert m.is_excluded(f"{ROOT}/fixtures/dump.sql")
    assert m.is_excluded(f"{ROOT}/tests/fixtures/a/b/c/dump.sql")
    assert not m.is_excluded(f"{ROOT}/tests/fixtures/a/dump.sql.gz")
    assert m.is_excluded(f"{ROOT}/logs/2024/01/app.txt")
    assert not m.is_excluded(f"{ROOT}/logs")  # "logs/**" is what is inside, not the name itself


def test_single_star_and_question_mark_stay_inside_one_segment() -> None:
    m = ExclusionMatcher(["src/*.py", "data?.csv"], ROOT)
    assert m.is_excluded(f"{ROOT}/src/a.py")
    assert not m.is_excluded(f"{ROOT}/src/pkg/a.py")
    assert m.is_excluded(f"{ROOT}/data1.csv")
    assert not m.is_excluded(f"{ROOT}/data10.csv")
    assert not m.is_excluded(f"{ROOT}/data/.csv")


def test_character_classes() -> None:
    m = ExclusionMatcher(["report[0-9].txt", "draft[!0-9].md", "[]x]y"], ROOT)
    assert m.is_excluded(f"{ROOT}/report7.txt")
    assert not m.is_excluded(f"{ROOT}/reportA.txt")
    assert m.is_excluded(f"{ROOT}/draftA.md")
    assert not m.is_excluded(f"{ROOT}/draft1.md")
    assert m.is_excluded(f"{ROOT}/]y")
    assert m.is_excluded(f"{ROOT}/xy")


def test_trailing_slash_matches_directories_only() -> None:
    m = ExclusionMatcher(["private/"], ROOT)
    assert m.is_excluded(f"{ROOT}/private/notes.md")
    assert not m.is_excluded(f"{ROOT}/private")


def test_negation_comments_and_blank_lines() -> None:
    m = ExclusionMatcher(["# secrets", "", ".env.*", "!.env.example"], ROOT)
    assert m.is_excluded(f"{ROOT}/.env.local")
    assert not m.is_excluded(f"{ROOT}/.env.example")
    assert not m.is_excluded(f"{ROOT}/# secrets")
    later_wins = ExclusionMatcher(["!.env.example", ".env.*"], ROOT)
    assert later_wins.is_excluded(f"{ROOT}/.env.example")


def test_escaped_special_characters_are_literal() -> None:
    m = ExclusionMatcher(["\\!important.txt", "what\\?.md", "star\\*"], ROOT)
    assert m.is_excluded(f"{ROOT}/!important.txt")
    assert m.is_excluded(f"{ROOT}/what?.md")
    assert not m.is_excluded(f"{ROOT}/whatx.md")
    assert m.is_excluded(f"{ROOT}/star*")
    assert not m.is_excluded(f"{ROOT}/starry")


def test_invalid_glob_is_matched_literally_instead_of_crashing() -> None:
    m = ExclusionMatcher(["[z-a].txt"], ROOT)
    assert m.is_excluded(f"{ROOT}/[z-a].txt")
    assert not m.is_excluded(f"{ROOT}/b.txt")


def test_case_sensitivity() -> None:
    sensitive = ExclusionMatcher([".env", "*.pem"], ROOT, case_sensitive=True)
    assert not sensitive.is_excluded(f"{ROOT}/.ENV")
    assert not sensitive.is_excluded(f"{ROOT}/CERT.PEM")
    insensitive = ExclusionMatcher([".env", "*.pem", "/Build"], ROOT.upper(), case_sensitive=False)
    assert insensitive.is_excluded(f"{ROOT}/.ENV")
    assert insensitive.is_excluded(f"{ROOT}/CERT.PEM")
    assert insensitive.is_excluded(f"{ROOT}/build/x")


def test_root_may_be_a_uri() -> None:
    m = ExclusionMatcher(["/local.cfg"], f"file://{ROOT}")
    assert m.is_excluded(f"file://{ROOT}/local.cfg")
    assert not m.is_excluded(f"file://{ROOT}/sub/local.cfg")


def test_dot_segments_are_normalised(matcher: ExclusionMatcher) -> None:
    assert matcher.is_excluded(f"{ROOT}/src/../.env")
    assert matcher.is_excluded(f"{ROOT}/./.aws/./credentials")


def test_empty_path_is_not_excluded(matcher: ExclusionMatcher) -> None:
    assert not matcher.is_excluded("")


# --------------------------------------------------------------------------------------------------
# Redaction: every family
# --------------------------------------------------------------------------------------------------

FAMILY_CASES = [
    # OpenRouter / OpenAI / Anthropic
    (f'OPENROUTER_API_KEY="{OPENROUTER}"', f'OPENROUTER_API_KEY="{redacted("openrouter-key")}"', "openrouter-key"),
    (
        f"client = OpenAI(api_key='{OPENAI_LEGACY}')",
        f"client = OpenAI(api_key='{redacted('openai-key')}')",
        "openai-key",
    ),
    (f"OPENAI_API_KEY={OPENAI_PROJECT}", f"OPENAI_API_KEY={redacted('openai-key')}", "openai-key"),
    (f"const key = `{ANTHROPIC}`;", f"const key = `{redacted('anthropic-key')}`;", "anthropic-key"),
    # GitHub / GitLab
    *(
        (f"token = '{value}'", f"token = '{redacted('github-token')}'", "github-token")
        for value in GITHUB_CLASSIC.values()
    ),
    (f"GH_TOKEN: {GITHUB_FINE_GRAINED}", f"GH_TOKEN: {redacted('github-token')}", "github-token"),
    (
        f"git clone https://x-access-token:{GITHUB_CLASSIC['ghs_']}@github.com/o/r.git",
        f"git clone https://x-access-token:{redacted('github-token')}@github.com/o/r.git",
        "github-token",
    ),
    (f'"private_token": "{GITLAB}"', f'"private_token": "{redacted("gitlab-token")}"', "gitlab-token"),
    # Slack
    *((f"SLACK_BOT={value}", f"SLACK_BOT={redacted('slack-token')}", "slack-token") for value in SLACK.values()),
    (
        f'url = "https://hooks.slack.com/services/{SLACK_WEBHOOK_PATH}"',
        f'url = "https://hooks.slack.com/services/{redacted("slack-webhook")}"',
        "slack-webhook",
    ),
    # Stripe
    *(
        (f"stripe.api_key = '{value}'", f"stripe.api_key = '{redacted('stripe-key')}'", "stripe-key")
        for value in STRIPE.values()
    ),
    (f"endpoint_secret = '{STRIPE_WEBHOOK}'", f"endpoint_secret = '{redacted('stripe-key')}'", "stripe-key"),
    # AWS
    *(
        (f"aws_access_key_id = {value}", f"aws_access_key_id = {redacted('aws-access-key-id')}", "aws-access-key-id")
        for value in AWS_ACCESS_KEY_IDS
    ),
    (
        f"aws_secret_access_key = {AWS_SECRET}",
        f"aws_secret_access_key = {redacted('aws-secret-key')}",
        "aws-secret-key",
    ),
    (
        f'AWS_SECRET_ACCESS_KEY="{AWS_SECRET}"',
        f'AWS_SECRET_ACCESS_KEY="{redacted("aws-secret-key")}"',
        "aws-secret-key",
    ),
    (f"  secretAccessKey: '{AWS_SECRET}',", f"  secretAccessKey: '{redacted('aws-secret-key')}',", "aws-secret-key"),
    (f'"aws_secret": "{AWS_SECRET}"', f'"aws_secret": "{redacted("aws-secret-key")}"', "aws-secret-key"),
    # Google, Hugging Face, npm, PyPI
    (f'maps_key = "{GOOGLE}"', f'maps_key = "{redacted("google-api-key")}"', "google-api-key"),
    (f"HF_TOKEN={HUGGINGFACE}", f"HF_TOKEN={redacted('huggingface-token')}", "huggingface-token"),
    (
        f"//registry.npmjs.org/:_authToken={NPM}",
        f"//registry.npmjs.org/:_authToken={redacted('npm-token')}",
        "npm-token",
    ),
    (f"password = {PYPI}", f"password = {redacted('pypi-token')}", "pypi-token"),
    # JWT, bearer and basic credentials
    (f"session = '{JWT}'", f"session = '{redacted('jwt')}'", "jwt"),
    (f"Authorization: Bearer {JWT}", f"Authorization: Bearer {redacted('jwt')}", "jwt"),
    (
        'headers = {"Authorization": "Bearer a1b2c3d4e5f6g7h8i9j0"}',
        f'headers = {{"Authorization": "Bearer {redacted("bearer-token")}"}}',
        "bearer-token",
    ),
    (
        f"curl -H 'Authorization: Basic {BASIC}' https://api",
        f"curl -H 'Authorization: Basic {redacted('basic-auth')}' https://api",
        "basic-auth",
    ),
    # Passwords in URLs: only the password goes
    (
        "DATABASE_URL=postgres://admin:s3cr3t-Pass@db.internal:5432/app",
        f"DATABASE_URL=postgres://admin:{redacted('url-password')}@db.internal:5432/app",
        "url-password",
    ),
    (
        'redis = Redis.from_url("redis://:hunter22@cache:6379/0")',
        f'redis = Redis.from_url("redis://:{redacted("url-password")}@cache:6379/0")',
        "url-password",
    ),
    (
        "amqp://guest:p%40ssw0rd@rabbit/",
        f"amqp://guest:{redacted('url-password')}@rabbit/",
        "url-password",
    ),
    # Obvious assignments, across syntaxes
    ('password = "hunter22"', f'password = "{redacted("password")}"', "password"),
    ("PASSWORD: 'hunter22'", f"PASSWORD: '{redacted('password')}'", "password"),
    ('api_key="abc123def456"', f'api_key="{redacted("api-key")}"', "api-key"),
    ("secret_token = 'Zx9-Qw8-Lm7'", f"secret_token = '{redacted('token')}'", "token"),
    ('"client_secret": "abcDEF123456"', f'"client_secret": "{redacted("secret")}"', "secret"),
    ("DB_PASSWORD=hunter2", f"DB_PASSWORD={redacted('password')}", "password"),
    ("export DB_PASSWORD=postgres", f"export DB_PASSWORD={redacted('password')}", "password"),
    ('export API_TOKEN="abc123def456"', f'export API_TOKEN="{redacted("token")}"', "token"),
    ("SECRET_KEY=django-insecure-9a8b7c", f"SECRET_KEY={redacted('secret')}", "secret"),
    ("spring.datasource.password=hunter22", f"spring.datasource.password={redacted('password')}", "password"),
    ("password: hunter2", f"password: {redacted('password')}", "password"),
    ("  db_password: 'correct-horse'  # prod", f"  db_password: '{redacted('password')}'  # prod", "password"),
    ("password = hunter22", f"password = {redacted('password')}", "password"),
    ("password = s3cr3t!pass  # ini", f"password = {redacted('password')}  # ini", "password"),
    (
        'db.connect(user="app", password="hunter22")',
        f'db.connect(user="app", password="{redacted("password")}")',
        "password",
    ),
    ('password: str = "hunter22"', f'password: str = "{redacted("password")}"', "password"),
    ('const apiKey: string = "abc123def456";', f'const apiKey: string = "{redacted("api-key")}";', "api-key"),
    ("{ apiKey: 'abc123def456', debug: true }", f"{{ apiKey: '{redacted('api-key')}', debug: true }}", "api-key"),
    ('apiKey := "abc123def456"', f'apiKey := "{redacted("api-key")}"', "api-key"),
    ('$db_pass = "hunter22";', f'$db_pass = "{redacted("password")}";', "password"),
    ("@auth_token = 'abc123def456'", f"@auth_token = '{redacted('token')}'", "token"),
    ('os.environ["DB_PASSWORD"] = "hunter22"', f'os.environ["DB_PASSWORD"] = "{redacted("password")}"', "password"),
    ('"x-api-key": "abc123def456"', f'"x-api-key": "{redacted("api-key")}"', "api-key"),
    ("mysql --password=hunter22 app", f"mysql --password={redacted('password')} app", "password"),
    ("deploy --api-key=abc123def456 --verbose", f"deploy --api-key={redacted('api-key')} --verbose", "api-key"),
    ("<password>hunter22</password>", f"<password>{redacted('password')}</password>", "password"),
    ('private_key = "c29tZS1rZXktbWF0ZXJpYWw="', f'private_key = "{redacted("secret")}"', "secret"),
    ('password = b"hunter22"', f'password = b"{redacted("password")}"', "password"),
]


@pytest.mark.parametrize(("text", "expected", "kind"), FAMILY_CASES)
def test_each_family_is_redacted_in_place(text: str, expected: str, kind: str) -> None:
    result = redact(text)
    assert result == RedactionResult(expected, 1, (kind,))


def test_pem_private_key_block_is_replaced_whole() -> None:
    text = f"key = '''\n{PEM_BLOCK}\n'''\nprint(key)\n"
    assert redact(text).text == f"key = '''\n{redacted('private-key')}\n'''\nprint(key)\n"


@pytest.mark.parametrize(
    "label", ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
)
def test_pem_labels(label: str) -> None:
    block = "\n".join([f"-----BEGIN {label}-----", *PEM_LINES, f"-----END {label}-----"])
    assert redact(block) == RedactionResult(redacted("private-key"), 1, ("private-key",))


def test_pem_with_encryption_headers() -> None:
    block = "\n".join(
        [
            "-----BEGIN RSA PRIVATE KEY-----",
            "Proc-Type: 4,ENCRYPTED",
            "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF",
            "",
            *PEM_LINES,
            "-----END RSA PRIVATE KEY-----",
        ]
    )
    assert redact(block).text == redacted("private-key")


def test_pem_in_json_with_escaped_newlines() -> None:
    escaped = "\\n".join(["-----BEGIN PRIVATE KEY-----", *PEM_LINES, "-----END PRIVATE KEY-----"])
    text = json.dumps({"type": "service_account", "private_key": "X"}).replace('"X"', f'"{escaped}\\n"')
    assert redact(text).text == '{"type": "service_account", "private_key": "<REDACTED:private-key>\\n"}'


def test_pem_in_yaml_block_scalar() -> None:
    indented = "\n".join(f"    {line}" for line in PEM_BLOCK.splitlines())
    text = f"tls:\n  key: |\n{indented}\n  port: 443\n"
    assert redact(text).text == f"tls:\n  key: |\n    {redacted('private-key')}\n  port: 443\n"


def test_pem_built_by_string_concatenation() -> None:
    lines = ["-----BEGIN PRIVATE KEY-----", *PEM_LINES, "-----END PRIVATE KEY-----"]
    python = "KEY = (\n" + "".join(f'    "{line}\\n"\n' for line in lines) + ")\n"
    assert redact(python).text == f'KEY = (\n    "{redacted("private-key")}\\n"\n)\n'
    js = "const k =\n" + " +\n".join(f'  "{line}\\n"' for line in lines) + ";\n"
    assert redact(js).text == f'const k =\n  "{redacted("private-key")}\\n";\n'


def test_pem_cut_by_the_context_window_is_still_redacted() -> None:
    """The prefix/suffix windows can cut a key in half: each half must go on its own."""
    head = "\n".join(["x = 1", "-----BEGIN OPENSSH PRIVATE KEY-----", *PEM_LINES[:3]]) + "\n"
    assert redact(head).text == f"x = 1\n{redacted('private-key')}\n"
    tail = "\n".join([PEM_LINES[0][20:], *PEM_LINES[1:], "-----END OPENSSH PRIVATE KEY-----", "y = 2"])
    assert redact(tail).text == f"{redacted('private-key')}\ny = 2"


def test_pem_markers_in_parsing_code_are_left_alone() -> None:
    code = (
        "HEADER = '-----BEGIN RSA PRIVATE KEY-----'\n"
        "FOOTER = '-----END RSA PRIVATE KEY-----'\n"
        "if line.startswith(HEADER):\n"
        "    in_key = True\n"
    )
    assert redact(code).text == code
    fixture = "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----"
    assert redact(fixture).text == fixture


def test_several_secrets_count_and_sorted_kinds() -> None:
    text = (
        f"a = '{GITHUB_CLASSIC['ghp_']}'\nb = '{OPENROUTER}'\npassword = 'hunter22'\nc = '{GITHUB_CLASSIC['gho_']}'\n"
    )
    result = redact(text)
    assert result.count == 4
    assert result.kinds == ("github-token", "openrouter-key", "password")
    assert OPENROUTER not in result.text and "hunter22" not in result.text


def test_secret_glued_to_another_is_caught_in_the_same_call() -> None:
    """A key glued to a PEM footer only stands out once the block is replaced (found by hypothesis)."""
    result = redact(PEM_BLOCK + OPENROUTER)
    assert result == RedactionResult(
        redacted("private-key") + redacted("openrouter-key"), 2, ("openrouter-key", "private-key")
    )


def test_specific_family_wins_over_generic_assignment() -> None:
    assert redact(f'api_key = "{OPENROUTER}"').kinds == ("openrouter-key",)
    assert redact(f'DATABASE_PASSWORD="{JWT}"').kinds == ("jwt",)


def test_secret_in_a_url_password_inside_an_assignment_is_redacted_once() -> None:
    result = redact('DB_URL = "postgres://app:s3cr3tPass@db/app"')
    assert result == RedactionResult(
        f'DB_URL = "postgres://app:{redacted("url-password")}@db/app"', 1, ("url-password",)
    )


def test_unicode_around_secrets_keeps_offsets() -> None:
    text = f"# İstanbul ünïcödé\npassword = 'hunter22'  # ß\nkey = '{OPENROUTER}' # ✓"
    assert redact(text).text == (
        f"# İstanbul ünïcödé\npassword = '{redacted('password')}'  # ß\nkey = '{redacted('openrouter-key')}' # ✓"
    )


# --------------------------------------------------------------------------------------------------
# Redaction: ordinary code must come back untouched
# --------------------------------------------------------------------------------------------------

UNTOUCHED = [
    'password = input("Password: ")',
    "password = getpass.getpass()",
    "password = get_password()",
    "if password == confirm:",
    "if password != confirm_password:",
    'api_key = os.environ["API_KEY"]',
    'api_key = os.getenv("OPENROUTER_API_KEY", "")',
    "token = None",
    "token = null;",
    "password: str",
    "password: str | None = None",
    "api_key: Optional[SecretStr] = None",
    "password: SecretStr",
    "def check_password(password):",
    "def login(username: str, password: str) -> bool:",
    "password = self.password",
    "password = settings.DATABASES.default.password",
    "token = user_token",
    "  password: userPassword",
    "  password: string;",
    "DB_PASSWORD = db_password",
    'password = ""',
    "password = ''",
    'password = "abc"',
    'password = "12345"',
    'api_key = "<your key here>"',
    'api_key = "<OPENROUTER_API_KEY>"',
    'password = "changeme"',
    'password = "password"',
    'password = "********"',
    'password = "xxxxxxxx"',
    'api_key = "YOUR_API_KEY"',
    'api_key = "your-api-key-here"',
    'api_key = "sk-...your-key..."',
    'api_key = "sk-or-v1-abcd…wxyz"',
    "deploy --token=$DEPLOY_TOKEN --dry-run",
    "run --key-file=./deploy.key",
    'password = "${DB_PASSWORD}"',
    'password = "{{ vault_db_password }}"',
    'password = f"{prefix}{suffix}"',
    "password = '%(password)s'",
    "DB_PASSWORD=$DB_PASSWORD_FROM_VAULT",
    "password: ${POSTGRES_PASSWORD}",
    "password: !vault |",
    'password = "Enter a strong password"',
    'label = {"password": "Password", "token": "Token"}',
    '{"password": {"type": "string", "minLength": 12}}',
    '{"password": "string"}',
    'token_type = "bearer"',
    'password_field = "password_hash"',
    'TOKEN_URL = "https://oauth2.googleapis.com/token"',
    'token = "IDENTIFIER"',
    "token = 'identifier'",
    'public_key = "ssh-ed25519AAAAC3NzaC1lZDI1NTE5"',
    'primary_key = "user_id"',
    'monkey = "banana123"',
    'cache_key = "user:1234:profile"',
    'private_key_path = "~/.ssh/id_rsa"',
    'private_key = "/etc/ssl/private/server.key"',
    'password_env = "DB_PASSWORD"',
    'user_id = "123e4567-e89b-12d3-a456-426614174000"',
    'commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"',
    "git checkout 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "color: #ff00aa; background: #FFF;",
    'img = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="',
    'payload = "eyJ1c2VyIjoiYWRhIn0="',
    "task-runner disk-space risk-assessment-framework-2024-overview sk-learn",
    'classes = "mask-image-linear-gradient-to-bottom-2xl"',
    "AKIAIOSFODNN7EXAMPLEtoolong and AKIA in prose",
    'x = "Bearer " + token',
    "Authorization: Bearer {token}",
    "the token bearer must be authenticated",
    "Basic authentication is configured below",
    'url = f"postgres://{user}:{password}@{host}/db"',
    "redis://:${REDIS_PASSWORD}@localhost:6379",
    "postgres://postgres:pass@localhost/test",
    "git@github.com:org/repo.git",
    "ssh://git@host:22/path",
    "http://[::1]:8080/path",
    'config.get("password", fallback)',
    "for key, value in items.items():",
    "keys = {k: v for k, v in pairs}",
    "key: value",
    'dict(key="value_with_more")',
    'input_type = "password"',
    '<input type="password" name="password" placeholder="Password">',
    "<key>ordinary</key>",
    "bypass = 'nothing-secret'",
    "passes = 'anything-here'",
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_ordinary_code_is_not_mangled(text: str) -> None:
    assert redact(text) == RedactionResult(text, 0, ())


def test_placeholders_are_stable_under_a_second_pass() -> None:
    once = redact(f"password = 'hunter22'\nDB_PASSWORD=hunter2\n<password>hunter22</password>\n{PEM_BLOCK}")
    assert once.count == 4
    assert redact(once.text) == RedactionResult(once.text, 0, ())


# --------------------------------------------------------------------------------------------------
# Redaction: properties
# --------------------------------------------------------------------------------------------------

SECRET_SNIPPETS = [text for text, _, _ in FAMILY_CASES] + [PEM_BLOCK, OPENROUTER, JWT, GITLAB, AWS_SECRET]
GLUE = [
    " = ",
    "=",
    ": ",
    '"',
    "'",
    "`",
    "\n",
    "\\n",
    " ",
    "@",
    "://",
    "Bearer ",
    "password",
    "API_KEY",
    "export ",
    "<password>",
    "</password>",
    "-----BEGIN PRIVATE KEY-----\n",
    "-----END PRIVATE KEY-----",
    PEM_LINES[0] + "\n",
    "<REDACTED:password>",
]


@given(
    st.lists(
        st.one_of(st.sampled_from(SECRET_SNIPPETS), st.sampled_from(GLUE), st.text(max_size=12)),
        max_size=12,
    ).map("".join)
)
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once.text) == RedactionResult(once.text, 0, ())


SECRET_NAMES = ["password", "passwd", "api_key", "apiKey", "token", "client_secret", "DB_PASSWORD", "AUTH_TOKEN"]
LOWER_IDENTIFIER = st.from_regex(r"[a-z_][a-z_]{0,14}", fullmatch=True)
TYPE_NAME = st.from_regex(r"[A-Z][A-Za-z]{0,12}", fullmatch=True)
SHORT_STRING = st.text(alphabet=string.ascii_letters + string.digits + " -_.", max_size=5)
PLACEHOLDER = st.sampled_from(['"<your key here>"', '"changeme"', '"${SECRET}"', '"xxxxxxxx"', '"YOUR_API_KEY"'])


@st.composite
def benign_line(draw: st.DrawFn) -> str:
    """One line of ordinary code that handles secrets without containing one."""
    name = draw(st.sampled_from(SECRET_NAMES))
    return draw(
        st.one_of(
            st.builds("{} = {}()".format, st.just(name), LOWER_IDENTIFIER),
            st.builds("{} = self.{}".format, st.just(name), LOWER_IDENTIFIER),
            st.builds("if {} == {}:".format, st.just(name), LOWER_IDENTIFIER),
            st.builds("{}: {}".format, st.just(name), TYPE_NAME),
            st.builds('{} = "{}"'.format, st.just(name), SHORT_STRING),
            st.builds("{} = {}".format, st.just(name), PLACEHOLDER),
            st.just(f"def check_{name}({name}):"),
            st.just(f"{name} = None"),
            st.builds('sha = "{}"'.format, st.from_regex(r"[0-9a-f]{7,40}", fullmatch=True)),
            st.builds('color = "#{}"'.format, st.from_regex(r"[0-9a-fA-F]{6}", fullmatch=True)),
            st.builds('print("{}")'.format, st.from_regex(r"[a-z]{1,8}(?: [a-z]{1,8}){0,5}", fullmatch=True)),
            st.uuids().map(lambda u: f'request_id = "{u}"'),
        )
    )


@given(st.lists(benign_line(), max_size=10), st.sampled_from(["", "    "]))
def test_text_without_secrets_comes_back_unchanged(lines: list[str], indent: str) -> None:
    text = "\n".join(indent + line for line in lines)
    assert redact(text) == RedactionResult(text, 0, ())


# --------------------------------------------------------------------------------------------------
# Key scrubbing
# --------------------------------------------------------------------------------------------------


def test_scrub_key_replaces_every_occurrence() -> None:
    line = f"request failed for key {OPENROUTER}: 401 (key={OPENROUTER})"
    assert scrub_key(line, OPENROUTER) == "request failed for key sk-or-…REDACTED: 401 (key=sk-or-…REDACTED)"


def test_scrub_key_bearer_form() -> None:
    header = f"Authorization: Bearer {OPENROUTER}"
    assert scrub_key(header, OPENROUTER) == "Authorization: Bearer sk-or-…REDACTED"
    assert scrub_key(header, f"Bearer {OPENROUTER}") == "Authorization: Bearer sk-or-…REDACTED"


def test_scrub_key_with_surrounding_whitespace_in_settings() -> None:
    assert scrub_key(f"key={OPENROUTER}", f"  {OPENROUTER}\n") == "key=sk-or-…REDACTED"


def test_scrub_key_any_key_not_only_openrouter_shaped() -> None:
    assert scrub_key("custom-gateway-key-123 rejected", "custom-gateway-key-123") == "sk-or-…REDACTED rejected"


def test_scrub_key_without_a_key_still_scrubs_openrouter_shaped_keys() -> None:
    assert scrub_key(f"leaked {OPENROUTER}", None) == "leaked sk-or-…REDACTED"
    assert scrub_key(f"leaked {OPENROUTER}", "") == "leaked sk-or-…REDACTED"


def test_scrub_key_leaves_other_text_alone() -> None:
    assert scrub_key("connection reset by peer", OPENROUTER) == "connection reset by peer"
    assert scrub_key("", None) == ""

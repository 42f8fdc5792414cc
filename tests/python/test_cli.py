"""The command line: options, their environment variables, one-line errors with exit 2."""

import subprocess

import pytest

from conftest import binary, clean_env


def run(*args, env=None):
    return subprocess.run(
        [str(binary()), *args], env=clean_env(env), capture_output=True, text=True, timeout=10
    )


def test_help_lists_every_option_with_its_variable():
    out = run("--help")
    assert out.returncode == 0
    for flag, var in [
        ("--host", "RUSTSTACK_HOST"),
        ("--port", "RUSTSTACK_PORT"),
        ("--services", "RUSTSTACK_SERVICES"),
        ("--data-dir", "RUSTSTACK_DATA_DIR"),
        ("--log-level", "RUSTSTACK_LOG_LEVEL"),
        ("--log-format", "RUSTSTACK_LOG_FORMAT"),
        ("--init-dir", "RUSTSTACK_INIT_DIR"),
    ]:
        assert flag in out.stdout and f"[env: {var}=" in out.stdout, flag
    # LocalStack's variables are read, but not advertised as flags.
    assert "--ls-" not in out.stdout


def test_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("ruststack ")


@pytest.mark.parametrize(
    "args,env,option",
    [
        (["--port", "abc"], None, "--port"),
        (["--port", "70000"], None, "--port"),
        (["--services", "s3,sqs"], None, "--services"),
        (["--log-format", "xml"], None, "--log-format"),
        (["--log-level", "loud"], None, "--log-level"),
        (["--host", "example.com"], None, "--host"),
        (["--no-such-flag"], None, "--no-such-flag"),
        ([], {"RUSTSTACK_PORT": "abc"}, "--port"),
        ([], {"RUSTSTACK_SERVICES": "nope"}, "--services"),
        ([], {"GATEWAY_LISTEN": "127.0.0.1:notaport"}, "GATEWAY_LISTEN"),
        ([], {"LAMBDA_KEEPALIVE_MS": "later"}, "LAMBDA_KEEPALIVE_MS"),
    ],
)
def test_bad_values_get_one_line_naming_the_option_and_exit_2(args, env, option):
    out = run(*args, env=env)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("error:") and option in lines[0], lines[0]
    assert out.stdout == ""

# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The README's two commands, tried as a new user would (issue 10, defect 14):
the test command works as root without sudo and as a user with sudo, and
the demo writes canonical origins for any port, 80 included."""

import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from harness import REPO, mod_cors_so

with open(os.path.join(REPO, "README")) as f:
    README = f.read()


def readme_test_command():
    m = re.search(r"Run every test:\n\n\s+(.+?)\n", README)
    assert m, "the README's quick start has no test command"
    return m.group(1).strip()


def test_readme_test_command_needs_no_sudo_as_root():
    cmd = readme_test_command()
    assert not cmd.startswith("sudo"), cmd
    assert cmd.startswith("./scripts/install-deps.sh && "), cmd
    assert cmd.endswith("make check"), cmd


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(REPO, ".ci", "run")) as f:
        ci = f.read()
    for step in readme_test_command().split(" && "):
        assert step in ci, "CI does not run %r" % step


@pytest.fixture
def calls_dir():
    """A directory every user can reach (pytest's tmp_path is root's)."""
    d = tempfile.mkdtemp(prefix="cors-readme-")
    os.chmod(d, 0o777)
    yield pathlib.Path(d)
    shutil.rmtree(d)


def fake_bin(tmp_path):
    """sudo and apt-get stand-ins that record how they were called."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    bindir.chmod(0o755)
    log = tmp_path / "calls"
    for name, body in (("sudo", 'echo "sudo $*" >>"%s"; exec "$@"' % log),
                       ("apt-get", 'echo "apt-get $1" >>"%s"' % log)):
        path = bindir / name
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
    log.touch()
    log.chmod(0o666)
    return bindir, log


def run_install_deps(bindir, user=None):
    env = dict(os.environ, PATH="%s:/usr/bin:/bin" % bindir)
    cmd = [os.path.join(REPO, "scripts", "install-deps.sh")]
    if user:
        cmd = ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups",
               "--"] + cmd
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)


def assert_through_sudo(calls):
    assert len(calls) == 4, calls
    assert calls[0] == "sudo apt-get update", calls
    assert calls[2].startswith("sudo env DEBIAN_FRONTEND=noninteractive apt-get install"), calls
    assert calls[1::2] == ["apt-get update", "apt-get install"], calls


def test_install_deps_as_this_user(calls_dir):
    bindir, log = fake_bin(calls_dir)
    r = run_install_deps(bindir)
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    if os.geteuid() == 0:
        # a minimal root shell has no sudo: apt-get runs directly
        assert calls == ["apt-get update", "apt-get install"], calls
    else:
        assert_through_sudo(calls)


def test_install_deps_as_a_user_goes_through_sudo(calls_dir):
    bindir, log = fake_bin(calls_dir)
    # as root, act as nobody (65534), who may only run sudo
    r = run_install_deps(bindir, user=65534 if os.geteuid() == 0 else None)
    assert r.returncode == 0, r.stderr
    assert_through_sudo(log.read_text().splitlines())


def test_demo_writes_canonical_origins_on_port_80(tmp_path):
    env = dict(os.environ, DEMO_DIR=str(tmp_path / "demo"), DEMO_APP_PORT="80",
               DEMO_CONFIGTEST="1", DEMO_SKIP_APT="1", MOD_CORS_SO=mod_cors_so())
    r = subprocess.run([os.path.join(REPO, "demo", "run.sh")], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "configuration test passed" in r.stdout
    with open(tmp_path / "demo" / "conf" / "api.conf") as f:
        api_conf = f.read()
    assert re.search(r"http://app\.demo\.localhost(?![\w.:])", api_conf), api_conf
    assert not re.search(r":80\b", api_conf), api_conf
    with open(tmp_path / "demo" / "app" / "config.js") as f:
        assert not re.search(r":80\b", f.read())

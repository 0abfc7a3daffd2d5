# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""Every directive in mod_cors.c's command table is documented in the
README's directive reference, shown in conf-examples/, merged in
merge_dir_conf, and used by the integration tests (after the guard of
mod_auth_openidc's check_directives.sh). No server is started."""

import glob
import os
import re

import pytest

from harness import REPO

with open(os.path.join(REPO, "mod_cors.c")) as f:
    SOURCE = f.read()

DIRECTIVES = re.findall(r'AP_INIT_\w+\("(CORS\w+)"', SOURCE)


def read_all(pattern):
    text = ""
    for path in glob.glob(os.path.join(REPO, pattern), recursive=True):
        if os.path.basename(path) != os.path.basename(__file__):
            with open(path, errors="replace") as f:
                text += f.read()
    return text


def uncommented(text):
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


README = read_all("README")
EXAMPLES = uncommented(read_all("conf-examples/*"))
TESTS = read_all("tests/integration/test_*.py")


def test_the_command_table_was_read():
    assert len(DIRECTIVES) == 12, DIRECTIVES


@pytest.mark.parametrize("name", DIRECTIVES)
def test_directive_has_a_reference_section(name):
    assert re.search(r"^### %s$" % name, README, re.M), name


@pytest.mark.parametrize("name", DIRECTIVES)
def test_directive_is_shown_in_an_example(name):
    assert re.search(r"^\s*%s\s" % name, EXAMPLES, re.M), name


@pytest.mark.parametrize("name", DIRECTIVES)
def test_directive_is_used_by_integration_tests(name):
    assert name in TESTS, name


def test_every_per_dir_field_is_merged():
    struct = re.search(r"typedef struct \{\n((?:(?!typedef struct).)*?)\} cors_dir_conf;",
                       SOURCE, re.S).group(1)
    fields = re.findall(r"^\s+[\w ]+?\*?(\w+);", struct, re.M)
    merge = re.search(r"static void \*merge_dir_conf\(.*?\n\}\n", SOURCE, re.S).group(0)
    assert len(fields) >= 14
    for field in fields:
        assert re.search(r"conf->%s\b" % field, merge), field


def test_require_cors_preflight_is_documented_and_shown():
    assert "### Require cors-preflight" in README
    assert re.search(r"^\s*Require cors-preflight", EXAMPLES, re.M)

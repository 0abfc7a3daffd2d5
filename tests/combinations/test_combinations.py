"""The combination test (issue 10): generated configurations x generated
requests against a real apache2, checked against the reference model.

``CORS_COMBINATIONS`` configurations (default 300) in batches of
``CORS_COMBO_BATCH`` (30) share one httpd each; ``CORS_COMBO_REQUESTS``
requests (30) per configuration; ``CORS_COMBO_SEED`` (1) fixes everything.
``make check`` runs the default; ``make check-combinations COMBINATIONS=N
SEED=S`` a longer one. One pytest item per batch: a failing invariant fails
its batch and prints the reproducers (configuration, request, model vs got).
"""

import os

import pytest

import runner

COMBINATIONS = int(os.environ.get("CORS_COMBINATIONS") or 300)
BATCH = int(os.environ.get("CORS_COMBO_BATCH") or 30)
REQUESTS = int(os.environ.get("CORS_COMBO_REQUESTS") or 30)
SEED = os.environ.get("CORS_COMBO_SEED") or "1"
SHOW = 3            # reproducers (reduced to minimal configurations) per failing batch

STATS = runner.STATS
RAN = []            # sizes of the batches this session ran


def batches():
    n, left = [], COMBINATIONS
    while left > 0:
        n.append(min(BATCH, left))
        left -= BATCH
    return n


@pytest.mark.parametrize("index,size", list(enumerate(batches())),
                         ids=lambda v: str(v))
def test_batch(index, size):
    RAN.append(size)
    failures = runner.run_batch(SEED, index, size, REQUESTS, STATS)
    if failures:
        text = runner.report(failures, SHOW)
        pytest.fail("seed %s batch %d: %d invariant failures\n%s"
                    % (SEED, index, len(failures), text), pytrace=False)


def test_zz_coverage():
    """The run really exercised servers, requests and configtest (a run that
    silently generated nothing would pass every other item)."""
    print("\ncombinations: seed %s, %d configurations, %d requests, %d configtests"
          % (SEED, STATS.configs, STATS.requests, STATS.configtests))
    if not RAN:
        pytest.skip("no batch selected")
    assert STATS.configs == sum(RAN)
    assert STATS.requests >= sum(RAN) * REQUESTS // 2
    assert STATS.configtests >= 1

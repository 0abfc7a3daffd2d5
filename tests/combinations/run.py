#!/usr/bin/python3
"""Long runs of the combination test outside pytest, on several cores.

    MOD_CORS_SO=/tmp/mod_cors.so /usr/bin/python3 tests/combinations/run.py \
        --configs 20000 --seed 42 --jobs 2 [--batch 40] [--requests 30] [--out DIR] [--reduce]

Batches are the same as in test_combinations.py for the same seed and batch
size. Prints progress, then one line per failure and the reproducers (also
written to DIR/failures.txt), then a closing 'N passed, N failed' line
(batches).
"""

import argparse
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import runner  # noqa: E402


def one_batch(args):
    seed, index, size, requests, reduce = args
    stats = runner.Stats()
    t = time.time()
    failures = runner.run_batch(seed, index, size, requests, stats)
    text = runner.report(failures, 3, reduce=reduce) if failures else ""
    summaries = [f.summary() for f in failures]
    return index, stats.configs, stats.requests, stats.configtests, summaries, text, time.time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", type=int, default=300)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=30)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--out", default="")
    ap.add_argument("--only", default="", help="comma-separated batch numbers to rerun")
    ap.add_argument("--reduce", action="store_true",
                    help="reduce the reproducers to minimal configurations (slow)")
    a = ap.parse_args()
    sizes, left = [], a.configs
    while left > 0:
        sizes.append(min(a.batch, left))
        left -= a.batch
    work = [(a.seed, i, n, a.requests, a.reduce) for i, n in enumerate(sizes)]
    if a.only:
        keep = {int(x) for x in a.only.split(",")}
        work = [w for w in work if w[1] in keep]
        sizes = [w[2] for w in work]
    totals = [0, 0, 0]
    failed, texts, t0, done = [], [], time.time(), 0
    with multiprocessing.Pool(min(a.jobs, len(work))) as pool:
        for index, c, r, ct, summaries, text, secs in pool.imap_unordered(one_batch, work):
            totals[0] += c
            totals[1] += r
            totals[2] += ct
            if summaries:
                failed.append(index)
                texts.append("== batch %d ==\n%s" % (index, text))
                print("batch %d: %d failures" % (index, len(summaries)), flush=True)
                for s in summaries[:20]:
                    print("  " + s, flush=True)
            done += 1
            if done % 20 == 0:
                print("%6.0fs: %d configurations, %d requests, %d configtests"
                      % (time.time() - t0, *totals), flush=True)
    elapsed = time.time() - t0
    print("seed %s: %d configurations, %d requests, %d configtests in %.0f s"
          % (a.seed, totals[0], totals[1], totals[2], elapsed))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "failures.txt"), "w") as f:
            f.write("\n\n".join(texts))
    elif texts:
        print("\n\n".join(texts))
    print("%d passed, %d failed" % (len(sizes) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

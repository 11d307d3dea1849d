#!/usr/bin/env python3
"""The benchmark: gitops-guard against git's own costs, measured in the same run.

Usage: python3 benches/bench.py [--sizes 100,5000] [--runs 7] [--keep DIR]

For each corpus size it generates a Jenkins X v3-style repository (benches/gen_corpus.py,
seeded) and measures two situations:
  first-import  everything staged on an unborn branch (`gitops-guard check`)
  everyday      a committed base with 10 files changed and staged (`gitops-guard check`)
next to two baselines run on the same repository in the same run:
  git diff --cached --name-only         (the cost of finding what is staged)
  git cat-file --batch over the staged blobs (the cost of reading them)
Each command runs once to warm up, then --runs times; the table shows the median wall time,
the peak resident memory, and ratios against the baselines.
"""
import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ENV = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
ENV.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1",
           GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com",
           GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")


def git(repo, *args, stdin=None):
    return subprocess.run(["git", "-C", repo, *args], env=ENV, check=True,
                          stdout=subprocess.PIPE, stdin=stdin).stdout


def measure(cmd, cwd, runs, stdin_path=None):
    """Median wall seconds and max peak RSS (MiB) of `cmd` over `runs` runs after a warm-up."""
    walls, rss = [], []
    for i in range(runs + 1):
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdin=stdin,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if stdin_path:
            stdin.close()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.exit(f"{cmd} failed with exit code {code}")
        if i > 0:
            walls.append(wall)
            rss.append(usage.ru_maxrss / 1024)
    return statistics.median(walls), max(rss)


def staged_blobs(repo, path):
    """Writes the ids of the staged (added/changed) blobs to `path`; returns their total size."""
    raw = git(repo, "diff", "--cached", "--raw", "--no-renames", "-z", "--diff-filter=ACMRT")
    fields = raw.split(b"\0")
    oids = []
    for i in range(0, len(fields) - 1, 2):
        meta = fields[i].split()
        if len(meta) >= 4:
            oids.append(meta[3].decode())
    with open(path, "w") as fh:
        fh.write("".join(o + "\n" for o in oids))
    sizes = git(repo, "cat-file", "--batch-check=%(objectsize)", stdin=open(path, "rb"))
    return len(oids), sum(int(x) for x in sizes.split())


def situation(name, repo, binary, runs, rows):
    blob_list = os.path.join(repo, ".git", "bench-blobs.txt")
    n_files, n_bytes = staged_blobs(repo, blob_list)
    guard, guard_rss = measure([binary, "check"], repo, runs)
    serial, _ = measure([binary, "check", "--serial"], repo, runs)
    names, names_rss = measure(["git", "diff", "--cached", "--name-only"], repo, runs)
    cat, cat_rss = measure(["git", "cat-file", "--batch"], repo, runs, stdin_path=blob_list)
    rows.append((name, n_files, n_bytes, guard, serial, guard_rss, names, cat))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,5000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", help="keep generated repositories under this folder")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "gitops-guard")
    work = a.keep or tempfile.mkdtemp(prefix="gitops-guard-bench-")
    rows = []
    try:
        for n in [int(x) for x in a.sizes.split(",")]:
            repo = os.path.join(work, f"repo-{n}")
            shutil.rmtree(repo, ignore_errors=True)
            subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), repo, str(n)], check=True)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "add", "-A")
            situation(f"first-import {n}", repo, binary, a.runs, rows)
            git(repo, "commit", "-q", "--no-verify", "-m", "base")
            changed = sorted(p for p in git(repo, "ls-files", "config-root/namespaces").decode().splitlines())[:: max(1, n // 10)][:10]
            for p in changed:
                with open(os.path.join(repo, p), "a") as fh:
                    fh.write("# touched\n")
            git(repo, "add", "-A")
            situation(f"everyday {n}", repo, binary, a.runs, rows)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; median of {a.runs} runs after a warm-up")
    print(f"{'situation':<20} {'files':>6} {'MB':>7} {'guard ms':>9} {'serial ms':>9} {'peak MiB':>8} "
          f"{'diff ms':>8} {'cat ms':>8} {'x diff':>7} {'x cat':>7}")
    for name, files, size, guard, serial, rss, names, cat in rows:
        print(f"{name:<20} {files:>6} {size / 1e6:>7.1f} {guard * 1e3:>9.1f} {serial * 1e3:>9.1f} {rss:>8.1f} "
              f"{names * 1e3:>8.1f} {cat * 1e3:>8.1f} {guard / names:>7.2f} {guard / cat:>7.2f}")


if __name__ == "__main__":
    main()

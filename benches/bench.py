#!/usr/bin/env python3
"""The benchmark: gitops-guard against git's own costs, measured in the same run.

Usage: python3 benches/bench.py [--sizes 100,5000] [--large] [--runs 7] [--keep DIR]

  --large   also the 50,000-file repository (~500 MB of blobs; generating it takes minutes)

For each corpus size it generates a Jenkins X v3-style repository (benches/gen_corpus.py,
seeded) and measures two situations:
  first-import  everything staged on an unborn branch (`gitops-guard check`)
  report        the full inventory of the same (`gitops-guard report --format json`)
  everyday      a committed base with 10 files changed and staged (`gitops-guard check`)
  everyday --fix  the same plus one new raw Secret, `check --fix` against `check` (both
                `--select GG101`, so no layout move changes the index between runs): the fix
                defaults are detected from the index only then, with their memo (by blob id)
                in place and without it
  report --range  those 10 files committed (`gitops-guard report --range HEAD~1..HEAD`)
next to two baselines run on the same repository in the same run:
  git diff --cached --name-only         (the cost of finding what is staged)
  git cat-file --batch over the staged blobs (the cost of reading them)
Each command runs once to warm up, then --runs times; the table shows the median wall time,
the peak resident memory, and ratios against the baselines, as a Markdown table (paste it into
docs/performance.md), followed by the findings per rule on each corpus (every rule family must
have some) and, with several sizes, the growth of the first-import time per MB scanned.
"""
import argparse
import collections
import json
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


def measure(cmd, cwd, runs, stdin_path=None, before=None):
    """Median wall seconds and max peak RSS (MiB) of `cmd` over `runs` runs after a warm-up;
    `before()` runs ahead of each run, untimed."""
    walls, rss = [], []
    for i in range(runs + 1):
        if before:
            before()
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


def findings_by_rule(repo, binary):
    """{code: count} of one `check --format json` run (exit 1 is expected: there are findings)."""
    out = subprocess.run([binary, "check", "--format", "json"], cwd=repo, env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return collections.Counter(f["code"] for f in json.loads(out)["findings"])


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(l.split(":", 1)[1].strip() for l in fh if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    git_version = subprocess.run(["git", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, {git_version}"


def situation(name, repo, binary, runs, rows, cold=False):
    """With `cold`, gitops-guard's memo (the CRD scopes remembered by blob id, under
    .git/gitops-guard/) is deleted before each of its runs: a true first run."""
    blob_list = os.path.join(repo, ".git", "bench-blobs.txt")
    n_files, n_bytes = staged_blobs(repo, blob_list)
    memo = os.path.join(repo, ".git", "gitops-guard")
    before = (lambda: shutil.rmtree(memo, ignore_errors=True)) if cold else None
    guard, guard_rss = measure([binary, "check"], repo, runs, before=before)
    serial, _ = measure([binary, "check", "--serial"], repo, runs, before=before)
    names, names_rss = measure(["git", "diff", "--cached", "--name-only"], repo, runs)
    cat, cat_rss = measure(["git", "cat-file", "--batch"], repo, runs, stdin_path=blob_list)
    rows.append((name, n_files, n_bytes, guard, serial, guard_rss, names, cat, cat_rss))


SECRET = ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: bench-db\n  namespace: jx\ntype: Opaque\n"
          "data:\n  password: aHVudGVyMg==\n")


def fix_situation(repo, binary, runs, rows, n):
    """`check --fix` with one raw Secret staged (it is restored before each run): what the fix
    defaults detection costs, with its memo and without (a first `--fix` in a clone)."""
    rel = "config-root/namespaces/jx/bench/bench-db-secret.yaml"
    path = os.path.join(repo, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(SECRET)
    git(repo, "add", "-A")
    values = os.path.join(repo, ".git", "bench-values")
    memo_dir = os.path.join(repo, ".git", "gitops-guard")

    def restore(cold):
        with open(path, "w") as fh:
            fh.write(SECRET)
        shutil.rmtree(values, ignore_errors=True)
        if cold and os.path.isdir(memo_dir):
            for name in os.listdir(memo_dir):
                if name.startswith("fix-defaults"):
                    os.remove(os.path.join(memo_dir, name))

    check, _ = measure([binary, "check", "--select", "GG101"], repo, runs)
    fix = [binary, "check", "--fix", "--select", "GG101", "--values-dir", values]
    warm, warm_rss = measure(fix, repo, runs, before=lambda: restore(False))
    cold, cold_rss = measure(fix, repo, runs, before=lambda: restore(True))
    restore(False)
    rows.append((n, check, warm, cold, max(warm_rss, cold_rss)))


def changed_blobs(repo, path, base, head):
    """Writes the ids of the blobs `head` adds or changes against `base`; returns (count, bytes)."""
    raw = git(repo, "diff", "--raw", "--no-renames", "-z", "--diff-filter=ACMRT", base, head)
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


def report_situation(name, repo, binary, runs, rows, args, diff_cmd, blobs):
    """`gitops-guard report ARGS` (and with --serial) next to the git baselines of the same
    content: `diff_cmd` (finding what changed) and `git cat-file --batch` over `blobs`
    (count, bytes, id list file)."""
    n_files, n_bytes, blob_list = blobs
    guard, guard_rss = measure([binary, "report", *args], repo, runs)
    serial, _ = measure([binary, "report", *args, "--serial"], repo, runs)
    names, _ = measure(diff_cmd, repo, runs)
    cat, cat_rss = measure(["git", "cat-file", "--batch"], repo, runs, stdin_path=blob_list)
    rows.append((name, n_files, n_bytes, guard, serial, guard_rss, names, cat, cat_rss))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,5000")
    ap.add_argument("--large", action="store_true", help="also 50,000 files")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", help="keep generated repositories under this folder")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--locked", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "gitops-guard")
    work = a.keep or tempfile.mkdtemp(prefix="gitops-guard-bench-")
    rows = []
    fix_rows = []
    found = {}
    sizes = [int(x) for x in a.sizes.split(",")] + ([50_000] if a.large else [])
    try:
        for n in sizes:
            repo = os.path.join(work, f"repo-{n}")
            shutil.rmtree(repo, ignore_errors=True)
            subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), repo, str(n)], check=True)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "add", "-A")
            runs = a.runs if n < 50_000 else min(a.runs, 3)
            situation(f"first-import {n} (no memo)", repo, binary, runs, rows, cold=True)
            situation(f"first-import {n}", repo, binary, runs, rows)
            found[n] = findings_by_rule(repo, binary)
            # `report`: the full inventory of everything staged (reads and parses every file,
            # runs the engine), against the same baselines as the first import.
            blob_list = os.path.join(repo, ".git", "bench-blobs.txt")
            everything = (*staged_blobs(repo, blob_list), blob_list)
            report_situation(f"report, full inventory {n}", repo, binary, runs, rows,
                             ["--format", "json"], ["git", "diff", "--cached", "--name-only"],
                             everything)
            git(repo, "commit", "-q", "--no-verify", "-m", "base")
            # Ten files spread over the namespaces (whatever kinds they hold, custom resources too).
            files = sorted(git(repo, "ls-files", "config-root/namespaces").decode().splitlines())
            changed = files[:: max(1, len(files) // 10)][:10]
            for p in changed:
                with open(os.path.join(repo, p), "a") as fh:
                    fh.write("# touched\n")
            git(repo, "add", "-A")
            situation(f"everyday {n}", repo, binary, runs, rows)
            fix_situation(repo, binary, runs, fix_rows, n)
            # The bench Secret leaves before the report's commit: ten files, as named.
            os.remove(os.path.join(repo, "config-root/namespaces/jx/bench/bench-db-secret.yaml"))
            git(repo, "add", "-A")
            # `report --range` over a pull request of those ten files: the inventories of both
            # commits compared, built from the changed files only.
            git(repo, "commit", "-q", "--no-verify", "-m", "ten files")
            blob_list = os.path.join(repo, ".git", "bench-range-blobs.txt")
            ten = (*changed_blobs(repo, blob_list, "HEAD~1", "HEAD"), blob_list)
            report_situation(f"report --range, 10 files changed of {n}", repo, binary, runs, rows,
                             ["--range", "HEAD~1..HEAD", "--format", "json"],
                             ["git", "diff", "--name-only", "HEAD~1", "HEAD"], ten)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Machine: {machine()}. Median wall time of {a.runs} runs after a warm-up; "
          "peak RSS is the maximum over the runs.\n")
    print("| situation | files | MB | gitops-guard ms | --serial ms | peak MiB | "
          "`git diff` ms | `git cat-file --batch` ms | cat-file MiB | × diff | × cat-file |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for name, files, size, guard, serial, rss, names, cat, cat_rss in rows:
        print(f"| {name} | {files} | {size / 1e6:.1f} | {guard * 1e3:.1f} | {serial * 1e3:.1f} | {rss:.1f} | "
              f"{names * 1e3:.1f} | {cat * 1e3:.1f} | {cat_rss:.1f} | {guard / names:.2f} | {guard / cat:.2f} |")
    if fix_rows:
        print("\nEveryday --fix: the 10 staged files plus one raw Secret (`--select GG101`); the fix "
              "defaults are detected only by `--fix` with a Secret to convert:\n")
        print("| files | `check` ms | `check --fix`, memo in place, ms | `check --fix`, no memo, ms | peak MiB |")
        print("|--:|--:|--:|--:|--:|")
        for n, check, warm, cold, rss in fix_rows:
            print(f"| {n} | {check * 1e3:.1f} | {warm * 1e3:.1f} | {cold * 1e3:.1f} | {rss:.1f} |")
    print("\n(`git diff` is `git diff --cached --name-only` for index situations and "
          "`git diff --name-only HEAD~1 HEAD` for `report --range`.)")
    targets = [(r[0], r[3], 1.0 if "full inventory" in r[0] else 0.1) for r in rows
               if r[0].startswith("report") and ("5000" in r[0] or "full" not in r[0])]
    if targets:
        print("\nReport targets (full inventory of 5,000 files < 1 s; --range over 10 files < 100 ms):\n")
        for name, t, limit in targets:
            print(f"- {name}: {t * 1e3:.0f} ms, target {limit * 1e3:.0f} ms: "
                  f"{'met' if t < limit else 'NOT met'}")
    codes = sorted(set().union(*found.values())) if found else []
    if codes:
        print("\nFindings per rule on the first-import corpus:\n")
        print("| files | " + " | ".join(codes) + " |")
        print("|--:|" + "--:|" * len(codes))
        for n, counts in found.items():
            print(f"| {n} | " + " | ".join(str(counts.get(c, 0)) for c in codes) + " |")
    imports = [(r[1], r[2], r[3]) for r in rows if r[0].startswith("first-import") and "memo" in r[0]]
    if len(imports) > 1:
        print("\nFirst import, time per MB scanned (flat = linear growth):\n")
        print("| files | MB | ms | ms per MB |")
        print("|--:|--:|--:|--:|")
        for files, size, guard in imports:
            print(f"| {files} | {size / 1e6:.1f} | {guard * 1e3:.1f} | {guard * 1e3 / (size / 1e6):.2f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Times `keel check` on synthetic repositories of growing size.

    run.py [--keel build/codegen/keel] [--tables 1000] [--sizes 5000,10000,20000] [--repeat 3]

For each size it writes a repository (gen_repo.py) into a temporary folder,
runs `keel check` on it --repeat times and keeps the fastest run (the
least disturbed by other processes), then prints its CPU seconds (user +
system: steadier than wall time on a busy machine, printed too) and the
ratio of each size's CPU time to the previous one's: a linear generator
stays near the ratio of the sizes (2.0 for 10k -> 20k). No PostgreSQL
server is used.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def check_seconds(keel, repo, repeat):
    """The fastest of `repeat` runs: (CPU seconds, wall seconds)."""
    env = {k: v for k, v in os.environ.items() if k != "KEEL_POSTGRES_DSN"}
    cmd = [keel, "check", "--name", "bench", "--schema", os.path.join(repo, "schema"),
           "--queries", os.path.join(repo, "queries")]
    best = None
    for _ in range(repeat):
        cpu, start = child_cpu(), time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        run = (child_cpu() - cpu, time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"keel check failed on {repo} (exit {done.returncode}):\n{done.stderr[:4000]}")
        best = run if best is None else min(best, run)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keel", default="build/codegen/keel")
    ap.add_argument("--tables", type=int, default=1000)
    ap.add_argument("--sizes", default="5000,10000,20000", help="queries per dialect, comma-separated")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    keel = os.path.abspath(args.keel)
    print(f"keel check, {args.tables} tables per dialect, best of {args.repeat}")
    print(f"{'queries':>8} {'cpu s':>8} {'ratio':>6} {'wall s':>8}")
    previous = None
    with tempfile.TemporaryDirectory(prefix="keel-scale-") as tmp:
        for m in sizes:
            repo = os.path.join(tmp, f"q{m}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), repo,
                            "--tables", str(args.tables), "--queries", str(m)], check=True)
            cpu, wall = check_seconds(keel, repo, args.repeat)
            ratio = f"{cpu / previous:6.2f}" if previous else f"{'':6}"
            print(f"{m:8d} {cpu:8.3f} {ratio} {wall:8.3f}", flush=True)
            previous = cpu


if __name__ == "__main__":
    main()

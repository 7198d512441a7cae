"""Runs every benchmark, one after the other in processes of their own, and prints their
RATIO lines at the end. Exits 1 when a benchmark fails to print its RATIO line."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

from bench.harness import REPO, install_sigterm_exit, say

BENCHMARKS = ("purchase_throughput", "wallet_query", "wallet_latency", "cached_wallet")


def run(name: str) -> str | None:
    """Runs `python -m bench.<name>`, echoing its output; returns its RATIO line."""
    say(f"==> {name}")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}"], cwd=REPO, stdout=subprocess.PIPE, text=True,
    )
    ratio = None
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith("RATIO "):
                ratio = line.strip()
        process.wait()
    finally:
        if process.poll() is None:
            # It cleans up its databases and servers on SIGTERM.
            process.send_signal(signal.SIGTERM)
            process.wait()
    say(f"--- {name}: exit {process.returncode} in {time.monotonic() - started:.0f} s")
    return ratio


def main() -> int:
    install_sigterm_exit()
    lines = {name: run(name) for name in BENCHMARKS}
    say("")
    for name, line in lines.items():
        say(line or f"RATIO {name} missing: the benchmark failed")
    return 0 if all(lines.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

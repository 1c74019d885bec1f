"""CPU time per request under load, by process: Python (gunicorn) and PostgreSQL.

Starts gunicorn (2 sync workers) on an app, warms each path, runs ``wrk -t2 -c32``
on it, and divides the CPU time each group of processes used (utime + stime from
/proc, before and after) by the requests served. Where a page's time goes between
the app and the database, which requests/s alone do not tell. Run it against a
database that holds a corpus, with the site's settings (as page_timings.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DJANGO_DEBUG=false \\
      DJANGO_SECRET_KEY=... DJANGO_ALLOWED_HOSTS=127.0.0.1 \\
      .venv/bin/python bench/cpu_per_request.py / /articles/ /feed/
    ... bench/cpu_per_request.py --app bench.floor:application /floor/<number>

Linux only (/proc); needs ``wrk``. wrk's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_group() -> dict[str, float]:
    """Seconds of CPU used so far, by process group, of the processes alive now."""
    used: dict[str, float] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        group = _group(name)
        used[group] = used.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / TICKS
    return used


def _group(name: str) -> str:
    if name.startswith(("postgres", "postmaster")):
        return "postgres"
    if "gunicorn" in name or name.startswith("python"):
        return "python"
    return "other"


def measure(port: int, path: str, duration: int) -> str:
    url = f"http://127.0.0.1:{port}{path}"
    for _ in range(50):
        urllib.request.urlopen(url, timeout=10).read()
    before = cpu_by_group()
    out = subprocess.run(
        ["wrk", "-t2", "-c32", f"-d{duration}s", url], capture_output=True, text=True, check=True
    ).stdout
    after = cpu_by_group()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = rate * duration
    parts = "  ".join(
        f"{group} {(after[group] - before.get(group, 0.0)) / requests * 1000:.3f}"
        for group in sorted(after)
    )
    return f"{rate:8.0f} req/s  ms of CPU a request: {parts}  {path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--app", default="newsroom.wsgi:application")
    parser.add_argument("--port", type=int, default=8742)
    parser.add_argument("--duration", type=int, default=6, help="seconds of wrk per path")
    args = parser.parse_args()
    command = [sys.executable, "-m", "gunicorn", args.app, "-w", "2"]
    command += ["-b", f"127.0.0.1:{args.port}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}{args.paths[0]}", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        for path in args.paths:
            print(measure(args.port, path, args.duration), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

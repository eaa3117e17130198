"""Run each benchmark module in its own process (so peak memory is its own) and write one report.

Each module defines ``run() -> list[dict]``; every figure has name, value, unit and scale.
``python -m benchmarks bench_x ...`` runs only those modules and replaces only their figures in
the report; the others keep theirs (each figure carries when it was measured).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _machine() -> dict[str, object]:
    memory_gib = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory_gib = round(kib / 1024 / 1024, 1)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
    }


def main(argv: list[str]) -> int:
    only = set(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py") if not only or p.stem in only)
    figures: list[dict[str, object]] = []
    failed = []
    for module in modules:
        print(f"running {module} ...", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks._one", module],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
        )
        if result.returncode != 0:
            failed.append(module)
            print(result.stdout, result.stderr, file=sys.stderr)
            continue
        for figure in json.loads(result.stdout.strip().splitlines()[-1]):
            figure["benchmark"] = module
            figures.append(figure)
            print(f"  {figure['name']}: {figure['value']} {figure['unit']} ({figure['scale']})")
    path = HERE / "results.json"
    if only and path.exists():
        kept = [
            f
            for f in json.loads(path.read_text()).get("figures", [])
            if f.get("benchmark") not in modules
        ]
        figures = kept + figures
    report = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "figures": figures,
    }
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {path} ({len(figures)} figures)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Run one benchmark module and print its figures (plus its peak memory) as one JSON line."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def main() -> None:
    name = sys.argv[1]
    figures = importlib.import_module(f"benchmarks.{name}").run()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.append(
        {"name": f"{name}.peak_rss", "value": round(peak_mib, 1), "unit": "MiB", "scale": "process"}
    )
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()

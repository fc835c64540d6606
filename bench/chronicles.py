"""Chronicles' figures in one run: ingestion through Kafka and HTTP, then search at N entries.

    python -m bench.chronicles --entries 1000000 [--ingest 200000] [--iterations 300]

Ingestion is measured with generated entries (a realistic mix of apps,
subjects, actions, payload shapes and tag rules) through a real broker and a
real ``chronicles consume`` process, and through ``POST /entries``; search
loads N entries into a fresh database and times every filter kind and deep
paging through GraphQL, the way the service runs them. Each part prints its
ratio against the issue's aims (Kafka >= 10,000 entries/s, every query p99 <
20 ms).
"""

from __future__ import annotations

import argparse
import sys

from bench import chronicles_ingest, chronicles_search


def _count(text: str) -> int:
    return int(text.replace(",", "").replace("_", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=_count, default=1_000_000, help="entries stored for the search figures")
    parser.add_argument("--ingest", type=_count, default=200_000, help="entries sent through Kafka and HTTP")
    parser.add_argument("--iterations", type=int, default=300, help="searches per filter kind")
    options = parser.parse_args()
    chronicles_ingest.main(options.ingest)
    sys.argv = [sys.argv[0], "--entries", str(options.entries), "--iterations", str(options.iterations), "--reuse"]
    chronicles_search.main()


if __name__ == "__main__":
    main()

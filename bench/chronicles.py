"""Chronicles' figures in one run: ingestion through Kafka and HTTP, then search at N entries.

    python -m bench.chronicles --entries 1000000 [--ingest 200000] [--iterations 300] [--search-only]

Ingestion is measured with generated entries (a realistic mix of apps,
subjects, actions, payload shapes and tag rules) through a real broker and a
real ``chronicles consume`` process, and through ``POST /entries``; search
loads N entries into a fresh database and times every filter kind and deep
paging through GraphQL and at the engine, interleaved, the way the service
runs them (bench/chronicles_search.py), then the GraphQL layer's own CPU cost
for one page (bench/chronicles_graphql.py). Each part prints its ratio against
the issues' aims (Kafka >= 10,000 entries/s; at 30 M entries p50 <= 5 ms, p99
<= 20 ms, GraphQL's cost <= 1.5 ms).
"""

from __future__ import annotations

import argparse
import sys

from bench import chronicles_graphql, chronicles_ingest, chronicles_search


def _count(text: str) -> int:
    return int(text.replace(",", "").replace("_", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=_count, default=1_000_000, help="entries stored for the search figures")
    parser.add_argument("--ingest", type=_count, default=200_000, help="entries sent through Kafka and HTTP")
    parser.add_argument("--iterations", type=int, default=300, help="searches per filter kind")
    parser.add_argument("--search-only", action="store_true", help="leave out ingestion")
    options = parser.parse_args()
    if not options.search_only:
        chronicles_ingest.main(options.ingest)
    sys.argv = [sys.argv[0], "--entries", str(options.entries), "--iterations", str(options.iterations), "--reuse"]
    chronicles_search.main()
    sys.argv = [sys.argv[0], "--iterations", str(options.iterations)]
    chronicles_graphql.main()


if __name__ == "__main__":
    main()

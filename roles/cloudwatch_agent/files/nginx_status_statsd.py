#!/usr/bin/python3
# Managed by Ansible (role cloudwatch_agent): local changes are overwritten
"""Send nginx's stub_status counters to the CloudWatch agent's statsd listener.

  nginx_status_statsd.py URL STATSD_PORT INTERVAL_S [--once]

Every INTERVAL_S seconds: the connection gauges (nginx.connections.active, .reading, .writing,
.waiting) as statsd gauges, and the growth of the request and connection totals since the last
sample (nginx.requests, nginx.connections.accepted, .handled) as statsd counters, which the agent
sums per collection interval. A sample that fails is skipped, and said so on stderr (the journal).
"""

from __future__ import annotations

import re
import socket
import sys
import time
import urllib.request

PAGE = re.compile(
    r"Active connections:\s*(\d+).*?(\d+)\s+(\d+)\s+(\d+)\s*"
    r"Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)",
    re.DOTALL,
)


def parse(page: str) -> dict[str, int]:
    match = PAGE.search(page)
    if not match:
        raise ValueError(f"not a stub_status page: {page[:80]!r}")
    names = ("active", "accepts", "handled", "requests", "reading", "writing", "waiting")
    return dict(zip(names, map(int, match.groups()), strict=True))


def datagram(now: dict[str, int], before: dict[str, int] | None) -> bytes:
    lines = [
        f"nginx.connections.{name}:{now[name]}|g" for name in ("active", "reading", "writing", "waiting")
    ]
    if before is not None:
        for name, metric in (
            ("requests", "nginx.requests"),
            ("accepts", "nginx.connections.accepted"),
            ("handled", "nginx.connections.handled"),
        ):
            # A reload or restart of nginx resets the totals: count from zero then.
            grown = now[name] - before[name] if now[name] >= before[name] else now[name]
            lines.append(f"{metric}:{grown}|c")
    return "\n".join(lines).encode()


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    url, port, interval = argv[0], int(argv[1]), float(argv[2])
    once = argv[3:] == ["--once"]
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    before = None
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                now = parse(answer.read().decode())
            sender.sendto(datagram(now, before), ("127.0.0.1", port))
            before = now
        except (OSError, ValueError) as error:
            print(f"sample skipped: {error}", file=sys.stderr, flush=True)
        if once:
            return 0
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

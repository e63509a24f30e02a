"""Start or stop the local data plane (tools/dataplane/plane.py says what runs).

    python -m tools.dataplane up [--plan make-up|molecule] [--demo]  start it (replacing what runs)
    python -m tools.dataplane down [--plan ...]                      remove it (harmless when nothing runs)
    python -m tools.dataplane seed [--plan ...]                      runtime parameters for an unprovisioned
                                                                     environment (a test run on its own)

Plan make-up (the default): prefix dataplane-, environment local, one instance on 127.0.0.1:8080
(HTTP) and 1935 (RTMP). Plan molecule: the scenario `webcast`'s two instances, environment molecule.
The emulator is WEBCAST_AWS_ENDPOINT_URL (http://127.0.0.1:4566 by default); the golden image
WEBCAST_GOLDEN_IMAGE (localhost/webcast-golden).
"""

from __future__ import annotations

import argparse
import sys

from botocore.exceptions import BotoCoreError, ClientError

from tools.dataplane.plane import PLANS, DataplaneError, down, publish_instructions, seed, up


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dataplane")
    parser.add_argument("command", choices=["up", "down", "seed"])
    parser.add_argument("--plan", choices=sorted(PLANS), default="make-up", help="names, ports, environment")
    parser.add_argument(
        "--demo", action="store_true", help="schedule a webcast, print how to publish and watch"
    )
    args = parser.parse_args(argv)
    plan = PLANS[args.plan]
    try:
        if args.command == "up":
            up(plan)
            print(
                publish_instructions(plan)
                if args.demo
                else f"data plane {plan.prefix} is up: {plan.instances}"
            )
        elif args.command == "down":
            removed = down(plan)
            print(f"removed {', '.join(removed)}" if removed else f"no data plane {plan.prefix} to remove")
        else:
            print("seeded" if seed(plan) else f"{plan.platform_prefix} already has runtime parameters: kept")
    except DataplaneError as error:
        print(f"dataplane: {error}", file=sys.stderr)
        return 1
    except (BotoCoreError, ClientError) as error:
        print(
            f"dataplane: the emulator at {plan.endpoint} answered no runtime configuration: {error}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

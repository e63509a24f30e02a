"""Run moto's server with the compatibility fixes applied (the process that tools/emulator starts)."""

from __future__ import annotations

import os
import sys

# IAM roles that attach AWS managed policies (AmazonSSMManagedInstanceCore, ...) need moto to
# know them; AWS always does. Set before moto is imported: it reads the variable at import time.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def main(argv: list[str]) -> None:
    from moto import server

    from tools.emulator import fixes

    fixes.apply_all()
    server.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])

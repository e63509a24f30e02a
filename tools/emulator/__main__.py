"""Start, stop, reset and query the local AWS emulator (moto's server with our fixes).

    python -m tools.emulator start|stop|status|reset [--port 4566]

State lives in .run/emulator-<port>/ at the project root: ``pid`` and ``server.log``. Only the
process recorded there is ever signalled, and only after its command line shows it is ours.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
DEFAULT_PORT = int(os.environ.get("WEBCAST_EMULATOR_PORT", "4566"))
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


def state_dir(port: int) -> Path:
    return ROOT / ".run" / f"emulator-{port}"


def url(port: int, path: str = "") -> str:
    return f"http://{HOST}:{port}{path}"


def answers(port: int) -> bool:
    """True when an emulator answers on the port (moto's own API, not any AWS service)."""
    try:
        with urllib.request.urlopen(url(port, "/moto-api/config"), timeout=2) as response:
            return 200 <= response.status < 300  # moto answers 201 here
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def recorded_pid(port: int) -> int | None:
    """The pid in our pid file, if that process is alive and is our emulator server."""
    pid_file = state_dir(port) / "pid"
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid if "tools.emulator.server" in cmdline else None


def start(port: int) -> int:
    if recorded_pid(port) and answers(port):
        print(f"emulator already running on {url(port)} (pid {recorded_pid(port)})")
        return 0
    if answers(port):
        print(
            f"something else already answers on {url(port)}; not starting a second emulator", file=sys.stderr
        )
        return 1
    directory = state_dir(port)
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "server.log"
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.emulator.server", "-H", HOST, "-p", str(port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives `make up`; stopped by `make down`
        )
    (directory / "pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if answers(port):
            print(f"emulator running on {url(port)} (pid {process.pid}, log {log})")
            return 0
        time.sleep(0.2)
    if process.poll() is None:
        process.terminate()
    print(
        f"emulator did not answer on {url(port)} within {START_TIMEOUT_S:.0f} s; last lines of {log}:",
        file=sys.stderr,
    )
    print("\n".join(log.read_text(errors="replace").splitlines()[-20:]), file=sys.stderr)
    return 1


def stop(port: int) -> int:
    pid = recorded_pid(port)
    pid_file = state_dir(port) / "pid"
    if pid is None:
        pid_file.unlink(missing_ok=True)
        print(f"emulator not running on port {port}")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline and recorded_pid(port) == pid:
        time.sleep(0.1)
    if recorded_pid(port) == pid:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    print(f"emulator stopped (pid {pid})")
    return 0


def status(port: int) -> int:
    pid = recorded_pid(port)
    if pid and answers(port):
        print(f"running on {url(port)} (pid {pid}, log {state_dir(port) / 'server.log'})")
        return 0
    print(f"not running on port {port}" + (f" (pid {pid} does not answer)" if pid else ""))
    return 3  # the LSB status code for "not running"


def reset(port: int) -> int:
    """Forget every resource in the emulator, as if it had just started."""
    if not answers(port):
        print(f"emulator not running on port {port}: nothing to reset", file=sys.stderr)
        return 1
    request = urllib.request.Request(url(port, "/moto-api/reset"), method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    print(f"emulator on {url(port)} reset: no resources left")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.emulator", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("start", "stop", "status", "reset"))
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"TCP port on {HOST} (default {DEFAULT_PORT}, or $WEBCAST_EMULATOR_PORT)",
    )
    args = parser.parse_args(argv)
    return {"start": start, "stop": stop, "status": status, "reset": reset}[args.action](args.port)


if __name__ == "__main__":
    sys.exit(main())

"""Measure the golden image: bake times, size, and boot-to-healthy against configure-at-boot.

    python tools/bench_image.py [--runs 5] [--slow-runs 1] [--quick] [--port 4569]

- cold bake: `tools/bake.sh --force` from the base image; incremental bake: `tools/bake.sh
  --incremental --force` from the last golden image. Both into the repository
  localhost/webcast-golden-bench (WEBCAST_GOLDEN_IMAGE), never the one `make up` runs, which is
  removed at the end; --quick skips them and measures the current golden image.
- image size: `podman image inspect`'s, of the golden image and of the base image.
- boot-to-healthy, golden: from `podman run` of the golden image to healthy.
- boot-to-healthy, configure-at-boot: from `podman run` of the base image, through
  playbooks/bake.yml applied to it at boot (as Packer applies it, but on the running instance), to
  healthy.

Both instances are booted alike (tools/local_instance.py): the same mounted identity and emulator,
the same runtime parameters in the emulator, the same MariaDB and Redis (run here on loopback, so the
app's health path can answer 200), and one definition of healthy (local_instance.is_healthy).
Runs on an emulator of its own (fresh, stopped at the end). Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools import local_instance  # noqa: E402  (run as a script, like the other benches)

BENCH_IMAGE = "localhost/webcast-golden-bench"
ENV = "bench"
NAME = "image-bench"


def run(*command: str, env: dict | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} does not listen on {port}")


@contextmanager
def data_services() -> Iterator[tuple[int, int]]:
    """MariaDB (database and user webcast) and Redis (with the token) on loopback: their ports."""
    base = Path(tempfile.mkdtemp(prefix="webcast-bench-image-", dir="/dev/shm"))
    db_port, redis_port = free_port(), free_port()
    as_root = ["--user=root"] if os.geteuid() == 0 else []
    run("mariadb-install-db", "--no-defaults", *as_root, f"--datadir={base / 'db'}", "--skip-test-db")
    socket_path = base / "db.sock"
    mariadb = subprocess.Popen(
        ["/usr/sbin/mariadbd", "--no-defaults", *as_root, f"--datadir={base / 'db'}", f"--port={db_port}",
         "--bind-address=127.0.0.1", f"--socket={socket_path}", "--skip-name-resolve", "--skip-log-bin",
         f"--log-error={base / 'db.log'}", "--innodb-buffer-pool-size=32M",
         "--innodb-flush-log-at-trx-commit=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(base), "--requirepass", local_instance.REDIS_TOKEN],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(db_port, mariadb, "mariadbd")
        wait_port(redis_port, redis, "redis-server")
        # Instances connect through slirp4netns, which reaches the host's loopback from 127.0.0.1.
        sql = (
            "CREATE DATABASE webcast; "
            f"CREATE USER 'webcast'@'127.0.0.1' IDENTIFIED BY '{local_instance.DB_PASSWORD}'; "
            "GRANT ALL ON webcast.* TO 'webcast'@'127.0.0.1';"
        )
        run("mariadb", "--no-defaults", f"--socket={socket_path}", "-uroot", "-e", sql)
        yield db_port, redis_port
    finally:
        for process in (mariadb, redis):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def bake(*flags: str, endpoint: str) -> float:
    env = dict(os.environ, WEBCAST_GOLDEN_IMAGE=BENCH_IMAGE, WEBCAST_AWS_ENDPOINT_URL=endpoint)
    start = time.monotonic()
    run("tools/bake.sh", *flags, env=env, timeout=3600)
    return time.monotonic() - start


def image_size_mb(image: str) -> float:
    return int(run("podman", "image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6


def remove(name: str) -> None:
    subprocess.run(["podman", "rm", "--force", "--time", "5", "--ignore", name], capture_output=True)


def boot_golden(image: str, directory: Path, endpoint: str) -> float:
    local_instance.write_config(directory, ENV, endpoint)
    start = time.monotonic()
    run(*local_instance.run_args(NAME, image, directory, publish=True))
    return (
        time.monotonic() - start + local_instance.wait_healthy(NAME, local_instance.published_port(NAME), 300)
    )


def boot_configure_at_boot(directory: Path, endpoint: str) -> float:
    """The base image, booted, then the bake's roles applied to it, then the services started."""
    if not list((ROOT / ".run/bake/app").glob("*.whl")):
        sys.exit("no app wheel in .run/bake/app: run tools/bake.sh once first")
    local_instance.write_config(directory, ENV, endpoint)
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_ROLES_PATH=str(ROOT / "roles"),
        ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3",
        ANSIBLE_NOCOLOR="1",
    )
    start = time.monotonic()
    run(*local_instance.run_args(NAME, local_instance.BASE, directory, publish=True))
    run("ansible-playbook", "-i", f"{NAME},", "-c", "containers.podman.podman", "playbooks/bake.yml",
        "-e", "bake_version=configure-at-boot", env=env, timeout=3600)  # fmt: skip
    # What the boot would have started had the units existed: the bootstrap, then what reads it. The
    # roles set the mount point's mode over the bind-mounted stand-in for EFS; the access point would
    # present it writable again (local_instance.py), so the same is done here.
    run("podman", "exec", NAME, "sh", "-c",
        "chmod 1777 /srv/media && "
        "systemctl start webcast-bootstrap.service && "
        "systemctl restart webcast-app.service nginx.service postfix@-.service && "
        "systemctl start multi-user.target")  # fmt: skip
    return (
        time.monotonic() - start + local_instance.wait_healthy(NAME, local_instance.published_port(NAME), 300)
    )


def median_line(label: str, values: list[float], unit: str = "s") -> str:
    runs = ", ".join(f"{v:.1f}" for v in values)
    return f"{label:32} median {statistics.median(values):7.1f} {unit}   (runs: {runs})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="golden image boots (default 5)")
    parser.add_argument(
        "--slow-runs", type=int, default=1, help="bakes and configure-at-boot runs (default 1)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="skip the bakes: measure the current golden image"
    )
    parser.add_argument("--port", type=int, default=4569, help="the bench emulator's port (default 4569)")
    args = parser.parse_args()
    if args.runs < 1 or args.slow_runs < 1:
        parser.error(f"--runs {args.runs} and --slow-runs {args.slow_runs}: allowed 1 or more")

    endpoint = f"http://127.0.0.1:{args.port}"
    emulator = [sys.executable, "-m", "tools.emulator"]
    run(*emulator, "start", "--port", str(args.port))
    run(*emulator, "reset", "--port", str(args.port))
    workdir = Path(tempfile.mkdtemp(prefix="webcast-bench-image-"))
    lines = []
    try:
        if args.quick:
            image = local_instance.GOLDEN
            if subprocess.run(["podman", "image", "exists", image]).returncode != 0:
                sys.exit(f"{image} does not exist: run `make bake` first")
        else:
            image = f"{BENCH_IMAGE}:latest"
            cold = [bake("--force", endpoint=endpoint) for _ in range(args.slow_runs)]
            print(median_line("cold bake", cold), flush=True)
            incremental = [bake("--incremental", "--force", endpoint=endpoint) for _ in range(args.slow_runs)]
            print(median_line("incremental bake", incremental), flush=True)
            lines += [median_line("cold bake", cold), median_line("incremental bake", incremental)]
        base_mb = image_size_mb(local_instance.BASE)
        sizes = f"image size: golden {image_size_mb(image):.0f} MB, base {base_mb:.0f} MB"
        print(sizes, flush=True)
        lines.append(sizes)

        with data_services() as (db_port, redis_port):
            local_instance.seed(
                endpoint,
                ENV,
                db=f"{local_instance.HOST_FROM_CONTAINER}:{db_port}",
                redis=f"{local_instance.HOST_FROM_CONTAINER}:{redis_port}",
            )
            golden, configured = [], []
            for i in range(args.runs):
                remove(NAME)
                golden.append(boot_golden(image, workdir / f"golden-{i}", endpoint))
                print(f"  golden boot-to-healthy {golden[-1]:.2f} s", flush=True)
            for i in range(args.slow_runs):
                remove(NAME)
                configured.append(boot_configure_at_boot(workdir / f"configure-{i}", endpoint))
                print(f"  configure-at-boot boot-to-healthy {configured[-1]:.1f} s", flush=True)
            remove(NAME)
        lines += [
            median_line("boot-to-healthy, golden", golden),
            median_line("boot-to-healthy, configure-at-boot", configured),
            f"configure-at-boot / golden: {statistics.median(configured) / statistics.median(golden):.1f}x",
        ]
    finally:
        remove(NAME)
        shutil.rmtree(workdir, ignore_errors=True)
        run(*emulator, "stop", "--port", str(args.port))
        if not args.quick:
            tags = subprocess.run(
                ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", BENCH_IMAGE],
                capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            if tags:
                subprocess.run(["podman", "rmi", "--force", *tags], capture_output=True)
    print("\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

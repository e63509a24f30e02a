"""The emulator's life cycle through its command line, on a port of its own."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from emulator_helpers import ROOT, emulator, emulator_running, free_port


@pytest.fixture(scope="module")
def running():
    with emulator_running() as port:
        yield port


def client(port: int):
    return boto3.client(
        "ec2",
        region_name="eu-west-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_start_waits_until_it_answers_and_records_its_pid(running):
    pid = int((ROOT / f".run/emulator-{running}/pid").read_text())
    assert b"tools.emulator.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    assert client(running).describe_vpcs()["Vpcs"] is not None


def test_start_twice_keeps_the_one_server(running):
    pid_before = (ROOT / f".run/emulator-{running}/pid").read_text()
    again = emulator("start", running)
    assert again.returncode == 0 and "already running" in again.stdout
    assert (ROOT / f".run/emulator-{running}/pid").read_text() == pid_before


def test_status_reports_running(running):
    status = emulator("status", running)
    assert status.returncode == 0 and f"127.0.0.1:{running}" in status.stdout


def test_the_server_carries_the_fixes(running):
    ec2 = client(running)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnet,
        AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"],
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["NatGateway"]["NatGatewayId"]
    tags = ec2.describe_tags(
        Filters=[
            {"Name": "resource-id", "Values": [nat]},
            {"Name": "resource-type", "Values": ["natgateway"]},
        ]
    )["Tags"]
    assert [t["Key"] for t in tags] == ["k"]


def test_reset_forgets_every_resource(running):
    ec2 = client(running)
    ec2.create_vpc(CidrBlock="10.9.0.0/16")
    assert emulator("reset", running).returncode == 0
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.9.0.0/16"] == []


def test_stop_ends_the_server_and_status_says_so():
    port = free_port()
    assert emulator("start", port).returncode == 0
    pid = int((ROOT / f".run/emulator-{port}/pid").read_text())
    assert emulator("stop", port).returncode == 0
    assert (
        not Path(f"/proc/{pid}").exists()
        or b"tools.emulator" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    status = emulator("status", port)
    assert status.returncode == 3 and "not running" in status.stdout
    shutil.rmtree(ROOT / f".run/emulator-{port}", ignore_errors=True)


def test_start_refuses_a_port_someone_else_answers_on(tmp_path):
    # Something that answers like an emulator but is not one we started: not ours to manage.
    (tmp_path / "moto-api").mkdir()
    (tmp_path / "moto-api/config").write_text("{}")
    port = free_port()
    stranger = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(tmp_path), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and emulator("status", port).returncode != 3:
            time.sleep(0.1)
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        started = emulator("start", port)
        assert started.returncode == 1 and "something else already answers" in started.stderr
        assert stranger.poll() is None, "the emulator CLI must never stop a process it did not start"
    finally:
        stranger.terminate()
        stranger.wait(timeout=10)
        shutil.rmtree(ROOT / f".run/emulator-{port}", ignore_errors=True)

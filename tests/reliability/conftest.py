"""The reliability suite: drift, crash and rerun, bad input, against a live emulator.

Opt-in: it needs an emulator holding the converged environment `molecule`, named by
WEBCAST_RELIABILITY_ENDPOINT_URL (tools/reliability.sh sets it up and runs the suite). Without the
variable nothing here is collected, so `pytest tests` (make unit) never starts a converge. Not
WEBCAST_AWS_ENDPOINT_URL: tests/conftest.py removes that one so that unit tests stay in process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = os.environ.get("WEBCAST_RELIABILITY_ENDPOINT_URL", "")
ENV = "molecule"  # the environment the platform scenario (or tools/reliability.sh) converged
REGION = "eu-west-1"  # the local inventory's webcast_aws_region
# Where the figures go for tools/reliability.sh to print (and docs/reliability.md to quote).
FIGURES = Path(os.environ.get("WEBCAST_RELIABILITY_FIGURES", ROOT / ".run/reliability-figures.json"))

if not ENDPOINT:
    collect_ignore_glob = ["test_*.py"]


def aws_client(service: str, region: str = REGION):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture(scope="session")
def aws():
    return aws_client


def emulator_log() -> Path:
    """The emulator's request log (tools/emulator writes one line per request into it)."""
    port = ENDPOINT.rsplit(":", 1)[-1].strip("/")
    return ROOT / ".run" / f"emulator-{port}" / "server.log"


def request_count() -> int:
    """Requests the emulator has answered so far: one werkzeug access line each."""
    text = emulator_log().read_text(errors="replace")
    return len(re.findall(r'^\S+ - - \[[^\]]+\] "[A-Z]+ ', text, re.MULTILINE))


def _baked(image: dict) -> bool:
    """An AMI the bake registered (tagged with the commit it was baked from), not a run under test.

    In make test the host lane bakes while the cloud lane runs this suite (docs/decisions/0028), so
    the bake's AMI can appear between two counts. The runs under test make only the stand-in
    (playbooks/emulator_image.yml, GitSha=standin) and, killed mid-copy, an untagged copy: those are
    the AMIs a rerun could double, and they are counted.
    """
    tags = {tag["Key"]: tag["Value"] for tag in image.get("Tags", [])}
    return tags.get("GitSha", "standin") != "standin"


def resource_counts(env_name: str) -> dict[str, int]:
    """How many of each resource that a rerun could double the environment holds, plus the
    account-wide ones a run creates untagged or shares (elastic IPs, KMS keys, AMIs)."""
    ec2, s3, kms = aws_client("ec2"), aws_client("s3"), aws_client("kms")
    tagged = [{"Name": "tag:Environment", "Values": [env_name]}]
    vpc_ids = [v["VpcId"] for v in ec2.describe_vpcs(Filters=tagged)["Vpcs"]]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids or ["none"]}]
    prefix = f"webcast-{env_name}-"
    templates = [
        t
        for t in ec2.describe_launch_templates()["LaunchTemplates"]
        if t["LaunchTemplateName"].startswith(prefix)
    ]
    return {
        "VPCs": len(vpc_ids),
        "subnets": len(ec2.describe_subnets(Filters=in_vpcs)["Subnets"]),
        "internet gateways": len(
            ec2.describe_internet_gateways(
                Filters=[{"Name": "attachment.vpc-id", "Values": vpc_ids or ["none"]}]
            )["InternetGateways"]
        ),
        "NAT gateways": len(
            [n for n in ec2.describe_nat_gateways(Filters=in_vpcs)["NatGateways"] if n["State"] != "deleted"]
        ),
        "elastic IPs (account)": len(ec2.describe_addresses()["Addresses"]),
        "route tables": len(ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"]),
        "security groups": len(ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"]),
        "VPC endpoints": len(ec2.describe_vpc_endpoints(Filters=in_vpcs)["VpcEndpoints"]),
        "flow logs": len(
            ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": vpc_ids or ["none"]}])[
                "FlowLogs"
            ]
        ),
        "AMIs (account)": len([i for i in ec2.describe_images(Owners=["self"])["Images"] if not _baked(i)]),
        "launch templates": len(templates),
        "launch template versions": sum(t["LatestVersionNumber"] for t in templates),
        "buckets": len([b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)]),
        "KMS keys (account)": len(kms.list_keys()["Keys"]),
        "secrets": len(
            aws_client("secretsmanager").list_secrets(
                Filters=[{"Key": "name", "Values": [f"/webcast/{env_name}/"]}]
            )["SecretList"]
        ),
        "DB instances": len(
            [
                d
                for d in aws_client("rds").describe_db_instances()["DBInstances"]
                if d["DBInstanceIdentifier"].startswith(prefix)
            ]
        ),
        "alarms": len(aws_client("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]),
    }


@dataclass
class Run:
    returncode: int
    stdout: str
    seconds: float
    signal_sent: str = ""

    @property
    def changed_tasks(self) -> list[str]:
        """'TASK [role : name] => host' for every task that reported changed (once per task)."""
        found: list[str] = []
        task = ""
        for line in self.stdout.splitlines():
            header = re.match(r"^TASK \[(.+?)\] \*+", line)
            if header:
                task = header.group(1)
            elif line.startswith("changed:") and task not in found:
                found.append(task)
        return found

    @property
    def recap_changed(self) -> list[int]:
        return [int(n) for n in re.findall(r"^\S+\s+:\s+ok=\d+\s+changed=(\d+)", self.stdout, re.MULTILINE)]

    def tail(self, chars: int = 3000) -> str:
        return self.stdout[-chars:]


def playbook_command(playbook: str, env_name: str, *extra: str) -> list[str]:
    return ["ansible-playbook", "-i", "inventories/local", playbook, "-e", f"webcast_env={env_name}", *extra]


def playbook_env() -> dict[str, str]:
    # Unbuffered: the crash test reads task headers as they are printed, to kill at the right task.
    return dict(
        os.environ,
        WEBCAST_AWS_ENDPOINT_URL=ENDPOINT,
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        PYTHONUNBUFFERED="1",
    )


def run_playbook(playbook: str, env_name: str = ENV, *extra: str, timeout: int = 3600) -> Run:
    start = time.monotonic()
    result = subprocess.run(
        playbook_command(playbook, env_name, *extra),
        cwd=ROOT,
        env=playbook_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return Run(result.returncode, result.stdout, time.monotonic() - start)


def process_tree(root: int) -> list[int]:
    """root and every process below it, parents first (from /proc: each process's parent)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop(0)
        tree.append(pid)
        queue.extend(children.get(pid, []))
    return tree


def kill_tree(root: int) -> None:
    """Stop the whole tree (the root first, then what is below it, until no new process turns up:
    a worker forked while /proc was read would escape), then kill every process of it."""
    seen: list[int] = []
    while True:
        tree = process_tree(root)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
        if tree == seen:
            break
        seen = tree
    for pid in seen:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def run_and_kill(
    playbook: str,
    env_name: str,
    task: str,
    requests: int,
    sig: signal.Signals,
    *extra: str,
    timeout: int = 900,
) -> Run:
    """Run a playbook and send `sig` once `task` has started and the emulator has answered
    `requests` calls since, so the kill lands with that task's AWS calls under way.

    SIGKILL goes to ansible-playbook and every process under it (its forked worker, which
    ansible-core puts in a session of its own, and the module's Python): a machine or container
    that dies takes all of them, the module's AWS calls half done. SIGTERM goes to
    ansible-playbook alone, as a CI runner cancelling a job sends it; ansible-core passes it on to
    its workers.
    """
    start = time.monotonic()
    process = subprocess.Popen(
        playbook_command(playbook, env_name, *extra),
        cwd=ROOT,
        # The default callback holds a task's banner back until its first result when skipped
        # hosts are hidden (ansible.cfg): shown, the banner is printed as the task starts.
        env=dict(playbook_env(), ANSIBLE_DISPLAY_SKIPPED_HOSTS="true"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    sent = ""
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if line.startswith(f"TASK [{task}"):
            baseline = request_count()
            deadline = time.monotonic() + 120
            while requests and request_count() < baseline + requests and time.monotonic() < deadline:
                if process.poll() is not None:
                    break
                time.sleep(0.05)
            if process.poll() is None:
                if sig == signal.SIGKILL:
                    kill_tree(process.pid)
                else:
                    process.send_signal(sig)
                sent = f"{sig.name} after {request_count() - baseline} requests of [{task}]"
            break
        if time.monotonic() - start > timeout:
            break
    try:
        rest, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        rest, _ = process.communicate()
    # Nothing of this run may outlive it (a worker still finishing its module).
    kill_tree(process.pid)
    return Run(process.returncode, "".join(lines) + (rest or ""), time.monotonic() - start, sent)


@dataclass
class Figures:
    values: dict = field(default_factory=dict)

    def record(self, key: str, value) -> None:
        self.values[key] = value
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps(self.values, indent=2, sort_keys=True) + "\n")


_FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Figures:
    if FIGURES.exists():
        FIGURES.unlink()
    _FIGURES.values.clear()
    return _FIGURES


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES.values:
        terminalreporter.section("reliability figures")
        for key, value in sorted(_FIGURES.values.items()):
            terminalreporter.write_line(f"{key}: {value}")

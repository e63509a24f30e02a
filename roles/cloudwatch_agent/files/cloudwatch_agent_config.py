#!/usr/bin/python3
# Managed by Ansible (role cloudwatch_agent): local changes are overwritten
"""Render the CloudWatch agent's configuration at boot, or check a template of it.

  cloudwatch_agent_config.py render TEMPLATE OUTPUT [ENV_DIR]
      Reads KEY=VALUE lines from ENV_DIR/*.env (default /etc/webcast, written at boot), fills
      ${WEBCAST_PROJECT}, ${WEBCAST_ENV} and ${WEBCAST_AWS_REGION} in TEMPLATE, checks the result
      and writes it to OUTPUT. Fails, naming the variable, if one is missing.
  cloudwatch_agent_config.py check TEMPLATE
      Fills the template with sample values and checks the result (used before a template is put
      in place).

The check refuses a key the agent does not know, at any depth: the agent ignores or refuses
unknown keys only when it starts, on an instance, long after the image was baked.
"""

from __future__ import annotations

import json
import os
import re
import string
import sys
from pathlib import Path

REQUIRED = ("WEBCAST_PROJECT", "WEBCAST_ENV", "WEBCAST_AWS_REGION")
SAMPLE = {"WEBCAST_PROJECT": "webcast", "WEBCAST_ENV": "staging", "WEBCAST_AWS_REGION": "eu-west-1"}
LOG_GROUP = re.compile(r"^/[a-z0-9-]+/[a-z0-9-]+/(nginx|app|postfix)$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")

# The keys of the agent's configuration file that this project uses or may use, after the
# agent's documented schema ("Manually create or edit the CloudWatch agent configuration
# file"). A dict is an object's keys; a list holds the schema of its elements; a type is a leaf.
DIMENSIONS = {"InstanceId": str, "ImageId": str, "InstanceType": str, "AutoScalingGroupName": str}
MEASURED = {
    "measurement": [str],
    "metrics_collection_interval": int,
    "append_dimensions": dict,
    "resources": [str],
    "ignore_file_system_types": [str],
    "drop_device": bool,
    "totalcpu": bool,
}
PROCSTAT = {
    "pid_file": str,
    "exe": str,
    "pattern": str,
    "measurement": [str],
    "metrics_collection_interval": int,
}
SCHEMA = {
    "agent": {
        "metrics_collection_interval": int,
        "region": str,
        "logfile": str,
        "debug": bool,
        "run_as_user": str,
        "omit_hostname": bool,
    },
    "metrics": {
        "namespace": str,
        "append_dimensions": DIMENSIONS,
        "aggregation_dimensions": [[str]],
        "force_flush_interval": int,
        "metrics_collected": {
            "cpu": MEASURED,
            "mem": MEASURED,
            "swap": MEASURED,
            "disk": MEASURED,
            "diskio": MEASURED,
            "net": MEASURED,
            "netstat": MEASURED,
            "processes": MEASURED,
            "procstat": [PROCSTAT],
            "statsd": {
                "service_address": str,
                "metrics_collection_interval": int,
                "metrics_aggregation_interval": int,
                "allowed_pending_messages": int,
            },
        },
    },
    "logs": {
        "log_stream_name": str,
        "force_flush_interval": int,
        "logs_collected": {
            "files": {
                "collect_list": [
                    {
                        "file_path": str,
                        "log_group_name": str,
                        "log_stream_name": str,
                        "log_group_class": str,
                        "timezone": str,
                        "timestamp_format": str,
                        "multi_line_start_pattern": str,
                        "encoding": str,
                        "retention_in_days": int,
                        "auto_removal": bool,
                    }
                ]
            }
        },
    },
}


def problems(value: object, schema: object, where: str) -> list[str]:
    """What in value does not fit schema, each as 'path: problem'."""
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            return [f"{where}: an object expected, found {type(value).__name__}"]
        found = []
        for key, item in value.items():
            if key not in schema:
                found.append(f"{where}.{key}: not a key the agent knows here (known: {', '.join(schema)})")
            else:
                found += problems(item, schema[key], f"{where}.{key}")
        return found
    if isinstance(schema, list):
        if not isinstance(value, list):
            return [f"{where}: a list expected, found {type(value).__name__}"]
        return [p for i, item in enumerate(value) for p in problems(item, schema[0], f"{where}[{i}]")]
    if schema is int and (isinstance(value, bool) or not isinstance(value, int)):
        return [f"{where}: a whole number expected, found {value!r}"]
    if not isinstance(value, schema):
        return [f"{where}: {schema.__name__} expected, found {value!r}"]
    return []


def check(config: dict) -> list[str]:
    found = problems(config, SCHEMA, "$")
    region = config.get("agent", {}).get("region", "")
    if not REGION.match(region):
        found.append(f"$.agent.region: not an AWS region: {region!r}")
    files = config.get("logs", {}).get("logs_collected", {}).get("files", {}).get("collect_list", [])
    for i, entry in enumerate(files):
        for key in ("file_path", "log_group_name"):
            if key not in entry:
                found.append(f"$.logs.logs_collected.files.collect_list[{i}]: {key} is required")
        if not LOG_GROUP.match(entry.get("log_group_name", "/")):
            found.append(
                f"$.logs.logs_collected.files.collect_list[{i}].log_group_name: "
                f"{entry.get('log_group_name')!r} is not /<project>/<env>/(nginx|app|postfix)"
            )
    return found


def read_env(env_dir: Path) -> dict[str, str]:
    """KEY=VALUE lines of every *.env file, in name order (a later file wins)."""
    values: dict[str, str] = {}
    for path in sorted(env_dir.glob("*.env")):
        for line in path.read_text().splitlines():
            line = line.strip().removeprefix("export ").strip()
            key, sep, value = line.partition("=")
            if sep and not line.startswith("#") and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key):
                values[key] = value.strip().strip("'\"")
    return values


def fill(template: str, values: dict[str, str]) -> dict:
    missing = [name for name in REQUIRED if not values.get(name)]
    if missing:
        raise SystemExit(f"missing from the environment files: {', '.join(missing)}")
    # JSON-escaped, so that a value can never break out of its string.
    escaped = {name: json.dumps(values[name])[1:-1] for name in REQUIRED}
    return json.loads(string.Template(template).substitute(escaped))


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "check":
        config = fill(Path(argv[1]).read_text(), SAMPLE)
    elif len(argv) in (3, 4) and argv[0] == "render":
        env_dir = Path(argv[3] if len(argv) == 4 else "/etc/webcast")
        config = fill(Path(argv[1]).read_text(), read_env(env_dir))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    found = check(config)
    if found:
        print("the CloudWatch agent configuration is not valid:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    if argv[0] == "render":
        output = Path(argv[2])
        partial = output.with_suffix(".partial")
        partial.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
        os.chmod(partial, 0o644)
        partial.replace(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

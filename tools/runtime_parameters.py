"""The runtime parameters of an environment the tools make up, as aws_runtime_config would write them.

One list for every tool that seeds an environment the platform did not provision in the emulator
(tools/local_instance.py, tools/dataplane, tools/bench_webcast.py): each name the bootstrap reads
(roles/bootstrap/files/webcast-bootstrap.py, REQUIRED and OPTIONAL), with throwaway values and the
secrets they point to. A tool overrides what it needs (endpoints it runs, its secrets' values).
The services behind these environments are the local plain MariaDB and Redis (or none), so db/tls
and redis/tls are "false" here; aws_runtime_config publishes "true".
"""

from __future__ import annotations

import ast
import contextlib
import json
from pathlib import Path

BOOTSTRAP = Path(__file__).resolve().parents[1] / "roles/bootstrap/files/webcast-bootstrap.py"
# The bootstrap's units that call AWS (roles/bootstrap): a local instance gives each the emulator's
# dummy credentials in a drop-in (on EC2 boto3 takes the instance role's).
AWS_UNITS = ("webcast-bootstrap.service", "webcast-db-password.service")
# The secrets the parameters point to, and the keys the bootstrap reads from each.
SECRET_PARAMETERS = {
    "db": "db/secret_arn",
    "redis": "redis/token_secret_arn",
    "smtp": "smtp/credentials_secret_arn",
}


def bootstrap_names(which: str = "REQUIRED") -> tuple[str, ...]:
    """The bootstrap program's own REQUIRED (or OPTIONAL) tuple, read from its source."""
    for node in ast.parse(BOOTSTRAP.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [which]:
            return ast.literal_eval(node.value)
    raise LookupError(f"no {which} tuple in {BOOTSTRAP}")


def put_secret(secretsmanager, name: str, value: dict, replace: bool = True) -> str:
    """The secret's ARN; created, or its value replaced when it exists (kept when replace is False)."""
    try:
        return secretsmanager.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    except secretsmanager.exceptions.ResourceExistsException:
        if replace:
            secretsmanager.put_secret_value(SecretId=name, SecretString=json.dumps(value))
        return secretsmanager.describe_secret(SecretId=name)["ARN"]


def values(project: str, env: str, region: str, secret_arns: dict[str, str], **overrides: str) -> dict:
    """Every runtime parameter, by name under /<project>/<env>/; overrides by name with / as __."""
    found = {
        "env/name": env,
        "env/region": region,
        "db/endpoint": "db.invalid",
        "db/port": "3306",
        "db/name": project,
        "db/user": project,
        "db/tls": "false",
        "redis/endpoint": "redis.invalid",
        "redis/port": "6379",
        "redis/tls": "false",
        "efs/file_system_id": "fs-0123456789abcdef0",
        "efs/access_point_id": "fsap-0123456789abcdef0",
        "s3/media_bucket": f"{project}-{env}-media",
        "smtp/host": f"email-smtp.{region}.amazonaws.com",
        "smtp/port": "587",
        "urls/public": f"https://{env}.{project}.test",
        "urls/cdn": f"https://{env}.{project}.test",
        "media/hls_fragment_s": "2",
        **{parameter: secret_arns[kind] for kind, parameter in SECRET_PARAMETERS.items()},
    }
    for key, value in overrides.items():
        name = key.replace("__", "/")
        if name not in found:
            raise KeyError(f"{name}: not a runtime parameter ({sorted(found)})")
        found[name] = str(value)
    return found


def seed(
    ssm,
    secretsmanager,
    project: str,
    env: str,
    region: str,
    secrets: dict[str, dict],
    secret_prefix: str | None = None,
    overwrite: bool = True,
    **overrides: str,
) -> dict[str, str]:
    """Write the secrets (db, redis, smtp: their values) and every parameter; the values written.

    secret_prefix names the secrets (<prefix>/<kind>; default <project>/<env>). With overwrite False,
    existing parameters and secrets are kept as they are.
    """
    prefix = secret_prefix or f"{project}/{env}"
    arns = {
        kind: put_secret(secretsmanager, f"{prefix}/{kind}", secrets[kind], overwrite)
        for kind in SECRET_PARAMETERS
    }
    written = values(project, env, region, arns, **overrides)
    for name, value in written.items():
        with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
            ssm.put_parameter(
                Name=f"/{project}/{env}/{name}", Value=value, Type="String", Overwrite=overwrite
            )
    return written

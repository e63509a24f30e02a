"""What a bake produced: find its AMI, make it IMDSv2-only, and print the manifest.

python -m tools.bake_manifest --emulator URL --version V MANIFEST
    exit 1 when the emulator has no AMI of that version (tools/bake.sh then registers it),
    else print the local image and the AMI.
python -m tools.bake_manifest --require-imdsv2 MANIFEST
    set ImdsSupport=v2.0 on the AMIs of the manifest's last AWS build (Packer 1.6.6 cannot).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

PROJECT = "webcast"
IMAGE = "localhost/webcast-golden"


def last_build(manifest: dict[str, Any], builder_type: str) -> dict[str, Any] | None:
    """The newest build of a builder type in a Packer manifest (builds are appended)."""
    builds = [b for b in manifest.get("builds", []) if b.get("builder_type") == builder_type]
    return builds[-1] if builds else None


def ami_ids(artifact_id: str) -> dict[str, str]:
    """Packer's amazon-ebs artifact id, 'region:ami-1,region2:ami-2', as {region: ami id}."""
    return dict(part.split(":", 1) for part in artifact_id.split(",") if ":" in part)


def emulator_ami(endpoint: str, region: str, version: str) -> dict[str, Any] | None:
    ec2 = boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    images = ec2.describe_images(
        Owners=["self"],
        Filters=[
            {"Name": "tag:Project", "Values": [PROJECT]},
            {"Name": "tag:Version", "Values": [version]},
        ],
    )["Images"]
    return images[0] if images else None


def image_id(version: str) -> str:
    result = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Id}}", f"{IMAGE}:{version}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip()[:12] or "(not found)"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bake_manifest")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--emulator", metavar="URL")
    parser.add_argument("--version")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--require-imdsv2", action="store_true")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text()) if args.manifest.exists() else {"builds": []}

    if args.require_imdsv2:
        build = last_build(manifest, "amazon-ebs")
        if build is None:
            print(f"{args.manifest}: no amazon-ebs build recorded", file=sys.stderr)
            return 1
        for region, ami in ami_ids(build["artifact_id"]).items():
            boto3.client("ec2", region_name=region).modify_image_attribute(
                ImageId=ami, ImdsSupport={"Value": "v2.0"}
            )
            print(f"{region}: {ami} answers IMDSv2 only")
        return 0

    ami = emulator_ami(args.emulator, args.region, args.version)
    if ami is None:
        print(f"the emulator at {args.emulator} has no {PROJECT} AMI of version {args.version}")
        return 1
    tags = {t["Key"]: t["Value"] for t in ami.get("Tags", [])}
    print(
        f"golden image {args.version}\n"
        f"  container  {IMAGE}:{args.version}  ({image_id(args.version)})\n"
        f"  emulator   {ami['ImageId']}  {ami['Name']}  Approved={tags.get('Approved')}"
        f"  GitSha={tags.get('GitSha')}\n"
        f"  manifest   {args.manifest}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

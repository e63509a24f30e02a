"""tools.bake_manifest: reading Packer's manifest, and finding the bake's AMI in the emulator."""

from __future__ import annotations

import boto3

from tests.tools.emulator_helpers import REGION, emulator_running
from tools import bake_manifest

MANIFEST = {
    "builds": [
        {"name": "local", "builder_type": "docker", "artifact_id": "sha256:aaa"},
        {"name": "aws", "builder_type": "amazon-ebs", "artifact_id": "eu-west-1:ami-1,eu-central-1:ami-2"},
        {"name": "aws", "builder_type": "amazon-ebs", "artifact_id": "eu-west-1:ami-3"},
    ]
}


def test_the_last_build_of_a_builder_is_the_newest_one_appended():
    assert bake_manifest.last_build(MANIFEST, "amazon-ebs")["artifact_id"] == "eu-west-1:ami-3"
    assert bake_manifest.last_build(MANIFEST, "qemu") is None


def test_an_amazon_artifact_id_names_the_ami_of_every_region():
    assert bake_manifest.ami_ids("eu-west-1:ami-1,eu-central-1:ami-2") == {
        "eu-west-1": "ami-1",
        "eu-central-1": "ami-2",
    }


def test_the_emulator_check_finds_only_the_version_asked_for(tmp_path, capsys):
    with emulator_running() as port:
        endpoint = f"http://127.0.0.1:{port}"
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=endpoint)
        ami = ec2.register_image(Name="webcast-golden-webcast-1", RootDeviceName="/dev/xvda")["ImageId"]
        ec2.create_tags(
            Resources=[ami], Tags=[{"Key": "Project", "Value": "webcast"}, {"Key": "Version", "Value": "1"}]
        )
        manifest = tmp_path / "manifest.json"
        found = bake_manifest.main(["--emulator", endpoint, "--version", "1", str(manifest)])
        missing = bake_manifest.main(["--emulator", endpoint, "--version", "2", str(manifest)])
    assert (found, missing) == (0, 1)
    assert ami in capsys.readouterr().out

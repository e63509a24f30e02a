"""The compute tier, as AWS (the emulator) reports it after converge: the promises of aws_compute.

The last test registers a newer approved and a newer unapproved golden image and converges again:
the environment stays converged afterwards (on the newer approved image), so tests after it hold.
"""

from __future__ import annotations

import pytest
from conftest import ENV, ROOT
from playbook_run import run_playbook

NAME = f"webcast-{ENV}-app"


def tags(resource: dict, key: str = "Key", value: str = "Value") -> dict:
    return {tag[key]: tag[value] for tag in resource.get("Tags", [])}


@pytest.fixture(scope="module")
def ec2(aws):
    return aws("ec2")


@pytest.fixture(scope="module")
def autoscaling(aws):
    return aws("autoscaling")


def latest_template_data(ec2) -> dict:
    template = ec2.describe_launch_templates(LaunchTemplateNames=[NAME])["LaunchTemplates"][0]
    version = ec2.describe_launch_template_versions(
        LaunchTemplateId=template["LaunchTemplateId"], Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]
    return version["LaunchTemplateData"] | {
        "_version": version["VersionNumber"],
        "_id": template["LaunchTemplateId"],
    }


def group(autoscaling) -> dict:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[NAME])["AutoScalingGroups"]
    assert len(groups) == 1, f"expected one Auto Scaling group {NAME}, found {len(groups)}"
    return groups[0]


def newest_approved_image(ec2) -> dict:
    images = ec2.describe_images(
        Owners=["self"],
        Filters=[
            {"Name": "tag:Project", "Values": ["webcast"]},
            {"Name": "tag:Role", "Values": ["webcast"]},
            {"Name": "tag:Approved", "Values": ["true"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Images"]
    assert images, "no approved golden image in the emulator"
    return max(images, key=lambda image: (image["CreationDate"], image["Name"]))


def test_instances_require_imdsv2_tokens_within_one_hop(ec2):
    options = latest_template_data(ec2)["MetadataOptions"]
    assert options["HttpTokens"] == "required", options
    assert options["HttpPutResponseHopLimit"] == 1, options
    assert options.get("HttpEndpoint", "enabled") == "enabled", options


def test_the_launch_template_runs_the_newest_approved_golden_image(ec2):
    assert latest_template_data(ec2)["ImageId"] == newest_approved_image(ec2)["ImageId"]


def test_the_root_volume_is_encrypted_gp3_with_the_set_performance(ec2):
    data = latest_template_data(ec2)
    image = ec2.describe_images(ImageIds=[data["ImageId"]])["Images"][0]
    mappings = {m["DeviceName"]: m.get("Ebs", {}) for m in data["BlockDeviceMappings"]}
    ebs = mappings.get(image["RootDeviceName"])
    assert ebs, f"no mapping for the image's root device {image['RootDeviceName']}: {mappings}"
    found = {key: ebs.get(key) for key in ("VolumeType", "Encrypted", "VolumeSize", "Iops", "Throughput")}
    assert found == {
        "VolumeType": "gp3",
        "Encrypted": True,
        "VolumeSize": 20,
        "Iops": 3000,
        "Throughput": 125,
    }


def test_instances_have_no_key_pair_no_user_data_but_the_profile_and_one_group(ec2):
    data = latest_template_data(ec2)
    assert "KeyName" not in data, data.get("KeyName")
    assert "UserData" not in data, "the launch template carries user data"
    assert data["IamInstanceProfile"].get("Arn", "").startswith("arn:aws:iam:"), data["IamInstanceProfile"]
    assert len(data["SecurityGroupIds"]) == 1, data["SecurityGroupIds"]


def test_instances_and_volumes_are_tagged_with_the_environment_and_role(ec2):
    specs = {s["ResourceType"]: tags(s) for s in latest_template_data(ec2)["TagSpecifications"]}
    assert set(specs) == {"instance", "volume"}, specs
    for resource, found in specs.items():
        wanted = {"Project": "webcast", "Environment": ENV, "Role": "webcast", "ManagedBy": "ansible"}
        assert {k: found.get(k) for k in wanted} == wanted, f"{resource}: {found}"


def test_the_group_spans_exactly_the_app_subnets(ec2, autoscaling):
    subnet_ids = group(autoscaling)["VPCZoneIdentifier"].split(",")
    app = ec2.describe_subnets(
        Filters=[
            {"Name": "tag:Environment", "Values": [ENV]},
            {"Name": "tag:Tier", "Values": ["app"]},
        ]
    )["Subnets"]
    assert sorted(subnet_ids) == sorted(s["SubnetId"] for s in app)


def test_the_group_serves_the_albs_target_group_with_elb_health_checks(aws, autoscaling):
    found = group(autoscaling)
    target_group = aws("elbv2").describe_target_groups(Names=[NAME])["TargetGroups"][0]
    assert found["TargetGroupARNs"] == [target_group["TargetGroupArn"]]
    assert (found["HealthCheckType"], found["HealthCheckGracePeriod"]) == ("ELB", 120)


def test_the_group_size_follows_the_environment_and_metrics_are_collected(autoscaling, settings):
    found = group(autoscaling)
    assert (found["MinSize"], found["MaxSize"]) == (
        settings["webcast_asg_min_size"],
        settings["webcast_asg_max_size"],
    )
    assert found["EnabledMetrics"], "group metrics are not collected"


def test_the_group_runs_the_launch_templates_newest_version(ec2, autoscaling):
    data = latest_template_data(ec2)
    template = group(autoscaling)["LaunchTemplate"]
    assert (template["LaunchTemplateId"], template["Version"]) == (data["_id"], str(data["_version"]))


def test_target_tracking_scales_on_cpu_and_on_requests_per_target(aws, autoscaling):
    policies = autoscaling.describe_policies(AutoScalingGroupName=NAME)["ScalingPolicies"]
    tracking = {
        p["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]: p
        for p in policies
        if p["PolicyType"] == "TargetTrackingScaling"
    }
    assert set(tracking) == {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"}, sorted(tracking)
    assert tracking["ASGAverageCPUUtilization"]["TargetTrackingConfiguration"]["TargetValue"] == 50.0
    elbv2 = aws("elbv2")
    alb = elbv2.describe_load_balancers(Names=[f"webcast-{ENV}-alb"])["LoadBalancers"][0]
    target_group = elbv2.describe_target_groups(Names=[NAME])["TargetGroups"][0]
    label = "/".join(
        (alb["LoadBalancerArn"].split(":loadbalancer/")[1], target_group["TargetGroupArn"].split(":")[5])
    )
    requests = tracking["ALBRequestCountPerTarget"]["TargetTrackingConfiguration"]
    assert requests["PredefinedMetricSpecification"]["ResourceLabel"] == label
    assert requests["TargetValue"] == 1000.0


def test_the_group_scales_in_at_night_and_back_in_the_morning(autoscaling, settings):
    actions = autoscaling.describe_scheduled_actions(AutoScalingGroupName=NAME)["ScheduledUpdateGroupActions"]
    found = {a["ScheduledActionName"]: (a["Recurrence"], a["MinSize"], a["DesiredCapacity"]) for a in actions}
    assert found == {
        "night-scale-in": ("0 22 * * *", 0, 0),
        "morning-scale-out": (
            "0 6 * * *",
            settings["webcast_asg_min_size"],
            settings["webcast_asg_min_size"],
        ),
    }


def copy_image(ec2, source: str, name: str, approved: bool) -> str:
    image_id = ec2.copy_image(SourceImageId=source, SourceRegion="eu-west-1", Name=name)["ImageId"]
    ec2.create_tags(
        Resources=[image_id],
        Tags=[
            {"Key": "Project", "Value": "webcast"},
            {"Key": "Role", "Value": "webcast"},
            {"Key": "Version", "Value": name.rsplit("-", 1)[1]},
            {"Key": "Approved", "Value": "true" if approved else "false"},
        ],
    )
    return image_id


def test_a_rerun_moves_to_a_newer_approved_image_never_an_unapproved_one_and_refreshes(ec2, autoscaling):
    before = latest_template_data(ec2)
    # Created after the approved one, so it is the newest image of all: the lookup must skip it.
    approved = copy_image(ec2, before["ImageId"], "webcast-webcast-9.0.0", approved=True)
    unapproved = copy_image(ec2, before["ImageId"], "webcast-webcast-9.0.1", approved=False)
    try:
        run = run_playbook(
            ["-i", "inventories/local", "playbooks/site.yml", "-e", f"webcast_env={ENV}"], ROOT
        )
        assert run.returncode == 0, run.tail()
    finally:
        ec2.deregister_image(ImageId=unapproved)
    after = latest_template_data(ec2)
    assert after["ImageId"] == approved, f"the launch template runs {after['ImageId']}, not {approved}"
    assert after["_version"] == before["_version"] + 1
    assert group(autoscaling)["LaunchTemplate"]["Version"] == str(after["_version"])
    refreshes = autoscaling.describe_instance_refreshes(AutoScalingGroupName=NAME)["InstanceRefreshes"]
    assert refreshes, "no instance refresh started after the new image"
    assert refreshes[0]["Preferences"]["MinHealthyPercentage"] == 100

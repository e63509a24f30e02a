"""The EFS file-system tag API (DescribeTags, CreateTags, DeleteTags) that community.aws.efs uses.

botocore's model (and so AWS) serves GET /2015-02-01/tags/{FileSystemId}/ (200, {"Tags": [...]}),
POST /2015-02-01/create-tags/{FileSystemId} and POST /2015-02-01/delete-tags/{FileSystemId} (204);
an unknown file system is FileSystemNotFound (404). moto 5.2.5 has neither the routes nor the handlers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from ansible_collections.community.aws.plugins.modules import efs as efs_module
from emulator_helpers import REGION, fix, free_port, run_module
from moto import mock_aws
from moto.efs import urls as efs_urls
from moto.efs.responses import EFSResponse
from moto.server import ThreadedMotoServer


def efs_tags_fix():
    return fix("efs_file_system_tag_api").patch()


def client(endpoint_url: str | None = None):
    return boto3.client("efs", region_name=REGION, endpoint_url=endpoint_url)


@pytest.fixture
def efs() -> Iterator[Any]:
    with mock_aws():
        yield client()


@pytest.fixture
def moto_server() -> Iterator[str]:
    """moto's own server in a thread of this process: it sees whatever fix the test has started."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def file_system(efs, token: str = "media") -> str:
    return efs.create_file_system(CreationToken=token, Tags=[{"Key": "Name", "Value": token}])["FileSystemId"]


# --- what moto answers without the fix ---------------------------------------------------------


def test_without_the_fix_moto_has_no_efs_tag_handlers_in_process(efs):
    fs_id = file_system(efs)
    for call in (
        lambda: efs.describe_tags(FileSystemId=fs_id),
        lambda: efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: efs.delete_tags(FileSystemId=fs_id, TagKeys=["Name"]),
    ):
        with pytest.raises(NotImplementedError):
            call()


def test_without_the_fix_moto_server_answers_404_to_the_efs_tag_routes(moto_server):
    efs = client(moto_server)
    fs_id = file_system(efs, "no-fix")
    assert efs.list_tags_for_resource(ResourceId=fs_id)["Tags"] == [{"Key": "Name", "Value": "no-fix"}]
    for call in (
        lambda: efs.describe_tags(FileSystemId=fs_id),
        lambda: efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: efs.delete_tags(FileSystemId=fs_id, TagKeys=["Name"]),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as error:
            call()
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert "Not Found" in error.value.response["Error"]["Message"]  # Flask's page: no route at all


def test_without_the_fix_the_efs_module_fails_on_a_tagged_file_system(efs, capsys):
    with pytest.raises(NotImplementedError, match="describe_tags"):
        run_module(capsys, efs_module, name="media", tags={"Name": "media"})


# --- what the fix restores ---------------------------------------------------------------------


def test_with_the_fix_efs_tags_are_described_created_and_deleted_as_on_aws(efs):
    fs_id = file_system(efs)
    with efs_tags_fix():
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "Name", "Value": "media"}]
        created = efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "env", "Value": "test"}])
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 204
        deleted = efs.delete_tags(FileSystemId=fs_id, TagKeys=["Name"])
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "env", "Value": "test"}]
        # One tag store: community.aws.efs_tag (ListTagsForResource) sees what efs wrote.
        assert efs.list_tags_for_resource(ResourceId=fs_id)["Tags"] == [{"Key": "env", "Value": "test"}]


def test_with_the_fix_an_unknown_file_system_is_file_system_not_found(efs):
    with efs_tags_fix(), pytest.raises(efs.exceptions.FileSystemNotFound):
        efs.describe_tags(FileSystemId="fs-00000000")


def test_with_the_fix_moto_server_routes_the_efs_tag_calls(moto_server):
    with efs_tags_fix():
        efs = client(moto_server)
        fs_id = file_system(efs, "with-fix")
        efs.create_tags(FileSystemId=fs_id, Tags=[{"Key": "env", "Value": "test"}])
        efs.delete_tags(FileSystemId=fs_id, TagKeys=["Name"])
        assert efs.describe_tags(FileSystemId=fs_id)["Tags"] == [{"Key": "env", "Value": "test"}]


def test_the_fix_must_be_started_before_the_server_builds_its_efs_routes(moto_server):
    # The server reads moto.efs.urls.url_paths once, at its first EFS request: a route added
    # later is never served. So apply_all() runs before moto.server.main, not lazily.
    efs = client(moto_server)
    fs_id = file_system(efs, "late-fix")
    with efs_tags_fix(), pytest.raises(botocore.exceptions.ClientError) as error:
        efs.describe_tags(FileSystemId=fs_id)
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_with_the_fix_the_efs_module_finds_its_tags_and_a_second_run_reports_no_change(efs, capsys):
    wanted = {"name": "media", "tags": {"Name": "media", "env": "test"}}
    with efs_tags_fix():
        first = run_module(capsys, efs_module, **wanted)
        second = run_module(capsys, efs_module, **wanted)
        fewer_tags = run_module(capsys, efs_module, name="media", tags={"Name": "media"})
    assert first["changed"] is True, first
    assert second["changed"] is False, second
    assert {t["key"]: t["value"] for t in second["efs"]["tags"]} == wanted["tags"]
    assert fewer_tags["changed"] is True, fewer_tags  # purge_tags: env deleted with DeleteTags
    assert efs.list_tags_for_resource(ResourceId=second["efs"]["file_system_id"])["Tags"] == [
        {"Key": "Name", "Value": "media"}
    ]


def test_the_efs_fix_is_reversible():
    routes_before = dict(efs_urls.url_paths)
    with efs_tags_fix():
        assert "/2015-02-01/tags/<file_system_id>/" in efs_urls.url_paths
        assert hasattr(EFSResponse, "describe_tags")
    assert efs_urls.url_paths == routes_before
    for handler in ("describe_tags", "create_tags", "delete_tags"):
        assert not hasattr(EFSResponse, handler)

"""What our AWS modules share: retrying clients, AWS-shaped results, and waiting.

Built on amazon.aws's module_utils (AnsibleAWSModule, AWSRetry); only what they lack is here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

T = TypeVar("T")

# Throttling and eventual consistency: up to ten tries, backing off to 30 s between them.
RETRY = AWSRetry.jittered_backoff(retries=10, delay=1, max_delay=30)


def retrying_client(module: Any, service: str) -> Any:
    """A boto3 client from the module's connection settings; pass aws_retry=True to retry a call."""
    return module.client(service, retry_decorator=RETRY)


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Items in lists of at most `size`: for API parameters that take a bounded number of values
    (200 values per EC2 filter, 50 Auto Scaling group names per call)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def snake_result(resource: dict[str, Any] | None, tags_key: str = "Tags") -> dict[str, Any]:
    """An API resource as a module returns it: snake_case keys, tags as a plain dict."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict({k: v for k, v in resource.items() if k != tags_key})
    result["tags"] = boto3_tag_list_to_ansible_dict(resource.get(tags_key) or [])
    return result


def wanted_tags(existing_tags: dict[str, str], params: dict[str, Any]) -> dict[str, str]:
    """The tags a resource should end with: unchanged without O(tags), else purged or merged."""
    if params.get("tags") is None:
        return dict(existing_tags)
    if params["purge_tags"]:
        return dict(params["tags"])
    return {**existing_tags, **params["tags"]}


def wait_for(check: Callable[[], T | None], *, what: str, timeout_s: float, delay_s: float = 5.0) -> T:
    """Call check() until it returns something truthy, and return that; TimeoutError names what."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() + delay_s > deadline:
            raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {what}")
        time.sleep(delay_s)


def without_account_label(client: Any) -> Any:
    """An S3 Control client that reaches an endpoint given as an address.

    S3 Control's endpoint rules put the account id in front of the host
    ({account}.s3-control.{region}.amazonaws.com, and {account}.{host} for a given endpoint); an
    endpoint given as an address (an emulator, a proxy) has no such names, so the account label is
    taken off again before the request is signed. `client` is a boto3 client or amazon.aws's
    retrying wrapper of one.
    """
    raw = getattr(client, "client", client)
    raw.meta.events.register("before-sign.s3-control.*", _drop_account_label)
    return client


def _drop_account_label(request: Any, **kwargs: Any) -> None:
    account = request.context.get("signing", {}).get("account_id") or request.headers.get("x-amz-account-id")
    if account:
        request.url = request.url.replace(f"//{account}.", "//", 1)

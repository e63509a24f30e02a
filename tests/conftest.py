"""Shared set-up of the unit tests: the collection on sys.path, and AWS credentials that go nowhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# .collections/ansible_collections/webcast/platform links to the project root, so the plugins
# import under their collection name (ansible_collections.webcast.platform.plugins...).
COLLECTIONS = Path(__file__).resolve().parent.parent / ".collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))

# Set before any test module imports boto3, so no client in these tests can sign a request with
# real credentials or follow a profile, an endpoint or a config file to a real account. moto's
# mock_aws intercepts the calls; these values only have to exist.
for name in (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_URL",
    "EC2_URL",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_SECURITY_TOKEN",
    # The local inventories follow this to an emulator (tools/test.sh exports it for molecule); a
    # test that wants an emulator starts its own and says so, and the rest must reach moto in process.
    "WEBCAST_AWS_ENDPOINT_URL",
):
    os.environ.pop(name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        # amazon.aws reads AWS_REGION before AWS_DEFAULT_REGION: pin both.
        "AWS_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)

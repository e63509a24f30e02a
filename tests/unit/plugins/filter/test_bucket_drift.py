"""bucket_drift: what check mode reports about a bucket changed behind Ansible's back."""

from __future__ import annotations

from ansible_collections.webcast.platform.plugins.filter.bucket_drift import bucket_drift

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXPECTED = {
    "encryption": "aws:kms",
    "key_id": KEY,
    "versioning": "Enabled",
    "public_access_block": True,
    "tags": {"Project": "webcast", "Tier": "media"},
}


def bucket(**changes) -> dict:
    """A bucket as s3_bucket_info returns it, as the role leaves it, with `changes` applied."""
    read = {
        "name": "webcast-test-media-123456789012",
        "bucket_encryption": {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": KEY,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            }
        },
        "bucket_versioning": {"Status": "Enabled"},
        "public_access_block": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            }
        },
        "bucket_tagging": {"Project": "webcast", "Tier": "media"},
    }
    read.update(changes)
    return read


def test_a_bucket_as_the_role_leaves_it_has_no_drift() -> None:
    assert bucket_drift(bucket(), EXPECTED) == []


def test_encryption_switched_to_s3_managed_keys_is_drift() -> None:
    switched = {
        "ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        }
    }
    assert bucket_drift(bucket(bucket_encryption=switched), EXPECTED) == [
        "encryption is AES256, not aws:kms",
        f"encryption key is none, not {KEY}",
    ]


def test_encryption_with_another_key_is_drift() -> None:
    other = {
        "ServerSideEncryptionConfiguration": {
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "other"}}
            ]
        }
    }
    assert bucket_drift(bucket(bucket_encryption=other), EXPECTED) == [f"encryption key is other, not {KEY}"]


def test_suspended_or_missing_versioning_is_drift() -> None:
    assert bucket_drift(bucket(bucket_versioning={"Status": "Suspended"}), EXPECTED) == [
        "versioning is Suspended, not Enabled"
    ]
    assert bucket_drift(bucket(bucket_versioning={}), EXPECTED) == [
        "versioning is never enabled, not Enabled"
    ]


def test_a_removed_or_partial_public_access_block_is_drift() -> None:
    assert bucket_drift(bucket(public_access_block={}), EXPECTED) == [
        "public access block is off for "
        "BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets"
    ]
    partial = {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": True,
        }
    }
    assert bucket_drift(bucket(public_access_block=partial), EXPECTED) == [
        "public access block is off for BlockPublicPolicy"
    ]


def test_a_tag_edited_added_or_removed_is_drift_and_named() -> None:
    edited = bucket(bucket_tagging={"Project": "webcast", "Tier": "edited", "Owner": "someone"})
    assert bucket_drift(edited, EXPECTED) == ["tags differ: Owner, Tier"]
    assert bucket_drift(bucket(bucket_tagging={}), EXPECTED) == ["tags differ: Project, Tier"]


def test_an_unencrypted_bucket_is_drift() -> None:
    assert bucket_drift(bucket(bucket_encryption={}), {"encryption": "AES256"}) == [
        "encryption is off, not AES256"
    ]


def test_only_the_expected_properties_are_compared() -> None:
    assert bucket_drift(bucket(bucket_versioning={}, bucket_tagging={}), {"encryption": "aws:kms"}) == []

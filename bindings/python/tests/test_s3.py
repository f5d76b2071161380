"""Processing into S3 (a moto server): the manifest lands under sessions/<id>/."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from session_monitor import S3Settings, SessionProcessor


# moto checks no signatures, but answers 403 to anonymous reads: any AWS-style header will do.
FAKE_AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def _request(method: str, url: str) -> bytes:
    request = urllib.request.Request(url, method=method, headers={"Authorization": FAKE_AUTH})
    with urllib.request.urlopen(request, timeout=30) as r:
        return bytes(r.read())


def test_process_into_s3(s3_endpoint: str, clean_mp4: Path) -> None:
    _request("PUT", f"{s3_endpoint}/py-results")
    settings = S3Settings(
        endpoint=s3_endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test-secret",
        force_path_style=True,
    )
    assert "test-secret" not in repr(settings)
    processor = SessionProcessor("s3://py-results/tenant-a", s3=settings, transcribe=False)

    result = processor.process("RM_s3", clean_mp4)

    assert result.status == "complete"
    assert result.output == "s3://py-results/tenant-a/sessions/RM_s3"
    manifest = json.loads(
        _request("GET", f"{s3_endpoint}/py-results/tenant-a/sessions/RM_s3/manifest.json")
    )
    assert manifest["status"] == "complete" and manifest["session_id"] == "RM_s3"
    quality = json.loads(
        _request("GET", f"{s3_endpoint}/py-results/tenant-a/sessions/RM_s3/quality.json")
    )
    assert quality["score"] == result.quality["score"]  # type: ignore[index]

    # The recording stored there is itself a valid S3 input.
    stored = "s3://py-results/tenant-a/sessions/RM_s3/recording.mp4"
    again = processor.process("RM_s3_again", stored)
    assert again.status == "complete"

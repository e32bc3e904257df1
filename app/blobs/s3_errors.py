"""How S3 answers become carbonms errors: a missing object is the store's own business (`BlobNotFound`), anything
else that goes wrong (endpoint down or timing out, bucket missing, credentials refused, a broken response stream) is
`BlobStoreUnavailable`, a 503 for the user."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from app.blobs.store import BlobStoreUnavailable

# A missing object (HEAD answers a bare 404). A missing bucket on GET/PUT (NoSuchBucket) is not a missing blob: the
# store is misconfigured or its bucket was removed, so it is `BlobStoreUnavailable` like a refused credential.
_MISSING = {"404", "NoSuchKey", "NotFound"}
# Answers the store's own code handles; every other refusal or transport failure means the store is unavailable.
_HANDLED = _MISSING | {"BucketAlreadyOwnedByYou", "BucketAlreadyExists", "NoSuchUpload"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def missing(exc: ClientError) -> bool:
    return _code(exc) in _MISSING


@contextmanager
def unavailable_on_failure(what: str) -> Iterator[None]:
    """Turn an unreachable endpoint, a missing bucket or refused credentials into `BlobStoreUnavailable` (503)."""
    try:
        yield
    except ClientError as exc:
        if _code(exc) in _HANDLED:
            raise
        raise BlobStoreUnavailable(f"{what}: {exc}") from exc
    except BotoCoreError as exc:  # connection refused or timed out, no credentials, a broken response stream
        raise BlobStoreUnavailable(f"{what}: {exc}") from exc


class GuardedClient:
    """The boto3 client with every call under `unavailable_on_failure` (paginators are guarded where iterated)."""

    def __init__(self, client: Any, where: str) -> None:
        self._client = client
        self._where = where

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name == "get_paginator":
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            with unavailable_on_failure(f"{self._where} {name}"):
                return attribute(*args, **kwargs)

        return call

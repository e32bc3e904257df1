"""Streaming a multipart upload into part files under the data folder, and handing the parsed form to the route.

python-multipart's push parser is fed each chunk as it arrives; a file field goes straight into a `PartFile`
(`tmp_dir/upload-*.part`, counted and hashed), never into the system temporary directory; other fields are kept in
memory with a size bound. The route then reads the finished form through `StagedFormRoute`.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import python_multipart
from fastapi.routing import APIRoute
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from app.documents.storage import PartFile, StagingUpload
from app.errors import Invalid

FORM_SCOPE_KEY = "carbonms.upload_form"
MAX_FIELD_BYTES = 64 * 1024
MAX_FIELDS = 100
MAX_FILES = 1


def _bad_form(detail_en: str = "The upload is not a valid multipart form") -> Invalid:
    return Invalid("上传内容不是有效的表单（multipart/form-data）", detail_en)


class FormCollector:
    """Callbacks for python-multipart: text fields into memory, the file field into a part file.

    `before_file(fields)` runs when the first file part begins (the CSRF check of a web form: its token field comes
    first) and may raise to refuse before any file byte is written.
    """

    def __init__(
        self,
        content_type: str,
        *,
        tmp_dir: Path,
        max_file_bytes: int,
        before_file: Callable[[list[tuple[str, str | UploadFile]]], None],
    ) -> None:
        _, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if not boundary:
            raise _bad_form("The multipart form has no boundary")
        charset = params.get(b"charset", b"utf-8")
        try:
            self._charset = codecs.lookup(charset.decode("latin-1")).name
        except LookupError:
            self._charset = "latin-1"
        self.tmp_dir = tmp_dir
        self.max_file_bytes = max_file_bytes
        self.before_file = before_file
        self.items: list[tuple[str, str | UploadFile]] = []
        self.parts: list[PartFile] = []
        self._header_name = b""
        self._header_value = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._disposition = b""
        self._field_name = ""
        self._data = bytearray()
        self._part: PartFile | None = None
        self._file_name: str | None = None
        self._parser = python_multipart.MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )

    def _decode(self, value: bytes) -> str:
        return value.decode(self._charset, errors="replace")

    def _on_part_begin(self) -> None:
        self._headers, self._disposition, self._data, self._part = [], b"", bytearray(), None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.lower()
        if name == b"content-disposition":
            self._disposition = self._header_value
        self._headers.append((name, self._header_value))
        self._header_name, self._header_value = b"", b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if b"name" not in options:
            raise _bad_form("A form field has no name")
        self._field_name = self._decode(options[b"name"])
        if b"filename" in options:
            if len(self.parts) >= MAX_FILES:
                raise Invalid("一次只能上传一个文件", "Upload one file at a time")
            self.before_file(self.items)
            self._file_name = self._decode(options[b"filename"])
            self._part = PartFile(self.tmp_dir, self.max_file_bytes)
            self.parts.append(self._part)
        elif len(self.items) >= MAX_FIELDS:
            raise _bad_form("The form has too many fields")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part is not None:
            self._part.write(data[start:end])  # raises TooLarge the moment the limit is passed
            return
        self._data += data[start:end]
        if len(self._data) > MAX_FIELD_BYTES:
            raise Invalid("表单字段过长", "A form field is too long")

    def _on_part_end(self) -> None:
        if self._part is None:
            self.items.append((self._field_name, self._decode(bytes(self._data))))
            self._data = bytearray()  # taken: a text field after the file (browsers send DOM order) ends the form
            return
        upload = StagingUpload(self._part, filename=self._file_name, headers=Headers(raw=self._headers))
        self.items.append((self._field_name, upload))
        self._part = None

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise _bad_form() from exc

    def finish(self) -> FormData:
        try:
            self._parser.finalize()
        except FormParserError as exc:
            raise _bad_form() from exc
        if self._part is not None or self._data:
            raise _bad_form("The multipart form ended in the middle of a field")
        return FormData(self.items)

    def abort(self) -> None:
        """Remove every part file (a file stored in the blob store meanwhile is no longer at its part path)."""
        for part in self.parts:
            part.abort()


class _StagedRequest(Request):
    def __init__(self, request: Request, form: FormData) -> None:
        super().__init__(request.scope, request.receive)
        self._form = form  # Starlette's request.form() returns the cached form: the body was read by the guard


class StagedFormRoute(APIRoute):
    """Routes whose form the upload guard already received: FastAPI (and the CSRF dependency) read it from there."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def staged_handler(request: Request) -> Response:
            form = request.scope.get(FORM_SCOPE_KEY)
            if isinstance(form, FormData):
                request = _StagedRequest(request, form)
            return await handler(request)

        return staged_handler

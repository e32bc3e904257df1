"""A browser sends a form's fields in page order: on the document page the file comes before the change reason. A
text field after the file must end the form cleanly (it was refused as "ended in the middle of a field", so no
revision of an effective document, whose change reason is required, could be uploaded from the page)."""

from pathlib import Path

from starlette.datastructures import UploadFile

from app.uploads.form import FormCollector

BOUNDARY = "order-boundary"


def _body(*parts: tuple[str, str | None, bytes]) -> bytes:
    body = b""
    for name, file_name, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{file_name}"' if file_name else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def test_a_text_field_after_the_file_ends_the_form(tmp_path: Path) -> None:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    collector = FormCollector(content_type, tmp_dir=tmp_path, max_file_bytes=1 << 20, before_file=lambda _: None)
    try:
        collector.feed(
            _body(
                ("csrf_token", None, b"token"),
                ("file", "领导小组文件.pdf", b"%PDF-1.4 scanned"),
                ("change_reason", None, "增加准确性要求".encode()),
            )
        )
        form = collector.finish()
        assert form["csrf_token"] == "token"
        assert form["change_reason"] == "增加准确性要求"
        upload = form["file"]
        assert isinstance(upload, UploadFile) and upload.filename == "领导小组文件.pdf"
    finally:
        collector.abort()

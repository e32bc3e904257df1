"""Turn a stored file into page images and a thumbnail (no database here: files in, PNG files out).

PDF: poppler's `pdftoppm -png -r 80` for the first pages. DOCX/XLSX: LibreOffice headless converts to PDF first, in
a private profile directory (parallel runs otherwise fail) and its own process group (killed whole on a timeout).
PNG/JPEG: a downscaled copy (Pillow). The thumbnail is page 1 scaled to THUMBNAIL_WIDTH.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.documents.extract import DOCX, JPEG, PDF, PNG, XLSX

RESOLUTION_DPI = 80
THUMBNAIL_WIDTH = 160
IMAGE_MAX_SIDE = 1600  # an uploaded photo or scan is shown at most this wide or high
MAX_IMAGE_PIXELS = 60_000_000  # beyond this an uploaded image is not decoded (decompression bombs)
_OUTPUT_CHARS = 2000
_SOFFICE_SUFFIX = {DOCX: ".docx", XLSX: ".xlsx"}


@dataclass
class Rendered:
    pages: list[tuple[Path, int, int]]  # (file, width, height), page 1 first
    thumbnail: tuple[Path, int, int]
    pages_total: int | None


class RenderError(Exception):
    """The file could not be rendered: `code` is a `preview_reason` label, `detail` the converter's words."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class ConverterMissing(RenderError):
    """No converter for the type, or the one it needs is not installed (state `unavailable`)."""


def find_converter(name: str) -> str | None:
    """The path of a converter program (`pdftoppm`, `soffice`), None when it is not installed."""
    return shutil.which(name)


def render(source: Path, media_type: str, workdir: Path, *, max_pages: int, timeout: float) -> Rendered:
    """Render `source` (of `media_type`) into `workdir`; raises RenderError / ConverterMissing."""
    if media_type in (PNG, JPEG):
        page = _image_page(source, workdir / "page-1.png")
        return Rendered([page], _thumbnail(page[0], workdir / "thumbnail.png"), 1)
    if media_type == PDF:
        pdf = source
    elif media_type in _SOFFICE_SUFFIX:
        pdf = _to_pdf(source, media_type, workdir, timeout=timeout)
    else:
        raise ConverterMissing("no_converter", media_type)
    pages = _pdf_pages(pdf, workdir / "pages", max_pages=max_pages, timeout=timeout)
    return Rendered(pages, _thumbnail(pages[0][0], workdir / "thumbnail.png"), _page_count(pdf))


def _run(command: list[str], *, timeout: float, code: str, cwd: Path) -> None:
    """Run a converter in its own process group; a timeout kills the whole group (soffice forks)."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, "HOME": str(cwd)},
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RenderError("timeout", f"{Path(command[0]).name} took more than {timeout:g} s") from exc
    if process.returncode != 0:
        text = output.decode("utf-8", "replace")[-_OUTPUT_CHARS:].strip()
        raise RenderError(code, f"{Path(command[0]).name} exited with {process.returncode}: {text}")


def _to_pdf(source: Path, media_type: str, workdir: Path, *, timeout: float) -> Path:
    soffice = find_converter("soffice")
    if soffice is None:
        raise ConverterMissing("no_soffice")
    # LibreOffice picks its import filter by the extension: give the blob one.
    named = workdir / f"source{_SOFFICE_SUFFIX[media_type]}"
    shutil.copyfile(source, named)
    profile = workdir / "profile"
    out_dir = workdir / "pdf"
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        str(named),
    ]
    _run(command, timeout=timeout, code="convert_failed", cwd=workdir)
    pdf = out_dir / "source.pdf"
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise RenderError("convert_failed", "LibreOffice wrote no PDF")
    return pdf


def _pdf_pages(pdf: Path, out_dir: Path, *, max_pages: int, timeout: float) -> list[tuple[Path, int, int]]:
    pdftoppm = find_converter("pdftoppm")
    if pdftoppm is None:
        raise ConverterMissing("no_pdftoppm")
    out_dir.mkdir()
    command = [pdftoppm, "-png", "-r", str(RESOLUTION_DPI), "-f", "1", "-l", str(max_pages), str(pdf), "page"]
    _run(command, timeout=timeout, code="render_failed", cwd=out_dir)
    # pdftoppm names pages page-1.png … or page-01.png … (zero-padded to the page count's width).
    files = sorted(out_dir.glob("page-*.png"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))
    if not files:
        raise RenderError("render_failed", "pdftoppm wrote no page")
    return [(path, *_size(path)) for path in files]


def _page_count(pdf: Path) -> int | None:
    try:
        from pypdf import PdfReader

        return len(PdfReader(str(pdf)).pages)
    except Exception:  # the pages were rendered; the total is only informative
        return None


def _size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def _image_page(source: Path, target: Path) -> tuple[Path, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(source) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise RenderError("image_too_large", f"{width}×{height} pixels")
            if image.format == "JPEG":
                image.draft("RGB", (IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))  # decode at a reduced scale when it can
            image.load()
            converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            converted.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            converted.save(target, "PNG", optimize=True)
            return target, converted.width, converted.height
    except RenderError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise RenderError("render_failed", f"{type(exc).__name__}: {exc}") from exc


def _thumbnail(page: Path, target: Path) -> tuple[Path, int, int]:
    from PIL import Image

    with Image.open(page) as image:
        height = max(1, round(image.height * THUMBNAIL_WIDTH / image.width))
        small = image.convert("RGBA" if "A" in image.getbands() else "RGB").resize(
            (THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS
        )
        small.save(target, "PNG", optimize=True)
        return target, small.width, small.height

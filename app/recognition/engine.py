"""Tesseract and poppler, called as programs: is the engine installed, and the text of a scanned file.

No database here. A PDF's pages are rendered one at a time at 300 dpi with poppler's `pdftoppm` into a temporary
folder (removed afterwards) and read by `tesseract … -l chi_sim+eng`; an image is read as it is. The stored file is
only ever read: its bytes never change.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.documents.extract import JPEG, PDF, PNG, normalize_text

logger = logging.getLogger("carbonms.recognition")

LANGUAGES = "chi_sim+eng"
REQUIRED_LANGUAGES = ("chi_sim", "eng")
DPI = 300
PAGE_TIMEOUT_SECONDS = 300  # one page of Tesseract; a page that takes longer fails the recognition
_PROBE_TIMEOUT_SECONDS = 20
# Debian package that provides each program, for the message that says what to install.
PACKAGES = {"tesseract": "tesseract-ocr", "chi_sim": "tesseract-ocr-chi-sim", "pdftoppm": "poppler-utils"}

MISSING_ZH = "未安装 Tesseract 中文识别组件"
MISSING_EN = "Tesseract with chi_sim is not installed"


class RecognitionError(Exception):
    """Recognition could not be done; carries the words shown on the revision (Chinese, English)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class SystemCheck:
    """What the machine has for recognition: the programs, Tesseract's version and its languages."""

    tesseract: str | None
    pdftoppm: str | None
    version: str = ""
    languages: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())  # Debian packages to install

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def engine(self) -> str:
        return f"tesseract {self.version}".strip()

    def message(self) -> tuple[str, str]:
        """The clear words for a machine that lacks something (empty when nothing is missing)."""
        if self.ok:
            return "", ""
        packages = " ".join(self.missing)
        return (
            f"{MISSING_ZH}（请安装 Debian 软件包：{packages}；可运行 scripts/system-packages.sh）",
            f"{MISSING_EN} (install the Debian packages: {packages}; scripts/system-packages.sh does it)",
        )


def _run(arguments: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    # One thread per Tesseract: the server has few cores, shared with the requests.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(arguments, capture_output=True, text=True, timeout=timeout, env=env, check=False)


def check_system() -> SystemCheck:
    """Look for `tesseract` (with the chi_sim and eng models) and `pdftoppm` on PATH."""
    tesseract = shutil.which("tesseract")
    pdftoppm = shutil.which("pdftoppm")
    version = ""
    languages: tuple[str, ...] = ()
    if tesseract:
        try:
            listed = _run([tesseract, "--list-langs"], _PROBE_TIMEOUT_SECONDS)
            languages = tuple(
                line.strip() for line in listed.stdout.splitlines()[1:] if line.strip() and " " not in line.strip()
            )
            shown = _run([tesseract, "--version"], _PROBE_TIMEOUT_SECONDS)
            first = (shown.stdout or shown.stderr).splitlines()
            version = first[0].removeprefix("tesseract").strip() if first else ""
        except (OSError, subprocess.SubprocessError):
            tesseract = None
    missing: list[str] = []
    if not tesseract:
        missing.append(PACKAGES["tesseract"])
    if not tesseract or "chi_sim" not in languages:
        missing.append(PACKAGES["chi_sim"])
    if not pdftoppm:
        missing.append(PACKAGES["pdftoppm"])
    return SystemCheck(tesseract, pdftoppm, version, languages, tuple(missing))


def log_system_check() -> SystemCheck:
    """Said once at start-up: recognition works, or what to install."""
    check = check_system()
    if check.ok:
        logger.info("text recognition: %s with %s; poppler's pdftoppm at %s", check.engine, LANGUAGES, check.pdftoppm)
    else:
        logger.warning("text recognition unavailable: %s", " / ".join(check.message()))
    return check


# --------------------------------------------------------------------------- recognising

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
# Tesseract's chi_sim output puts a space between characters: remove whitespace between Han characters and
# full-width punctuation (it would split phrases in search and in comparisons).
_CJK_GAP = re.compile(rf"(?<=[{_HAN}{_CJK_PUNCT}])[^\S\n]+(?=[{_HAN}{_CJK_PUNCT}])")


@dataclass(frozen=True)
class Recognised:
    text: str
    pages: int


def clean_text(raw: str) -> str:
    """Tesseract's text tidied like extracted text: no gaps between Han characters, PDF-style lines joined."""
    return normalize_text(_CJK_GAP.sub("", raw), join_han_lines=True)


def _tesseract(check: SystemCheck, image: Path) -> str:
    assert check.tesseract is not None
    try:
        done = _run([check.tesseract, str(image), "stdout", "-l", LANGUAGES, "--psm", "3"], PAGE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        raise RecognitionError(
            f"识别一页超过 {PAGE_TIMEOUT_SECONDS} 秒，已停止", f"A page took over {PAGE_TIMEOUT_SECONDS} s; stopped"
        ) from exc
    if done.returncode != 0:
        detail = (done.stderr or "").strip().splitlines()[-1:] or [""]
        logger.warning("tesseract failed on %s: %s", image.name, done.stderr[-2000:])
        raise RecognitionError(
            f"Tesseract 无法识别该文件（{detail[0][:200]}）", f"Tesseract could not read the file ({detail[0][:200]})"
        )
    return done.stdout


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(str(path)).pages)
    except (PyPdfError, OSError, ValueError) as exc:
        raise RecognitionError("PDF 文件无法读取页面", "The PDF's pages cannot be read") from exc


def _render_page(check: SystemCheck, pdf: Path, page: int, folder: Path) -> Path:
    assert check.pdftoppm is not None
    target = folder / f"page-{page}"
    try:
        done = _run(
            [
                check.pdftoppm,
                "-r",
                str(DPI),
                "-gray",  # a PGM: raw bytes, checked for ink before Tesseract spends seconds on a blank page
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                *(str(pdf), str(target)),
            ],
            PAGE_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise RecognitionError(f"第 {page} 页渲染超时", f"Rendering page {page} timed out") from exc
    image = target.with_suffix(".pgm")
    if done.returncode != 0 or not image.is_file():
        logger.warning("pdftoppm failed on page %s: %s", page, (done.stderr or "")[-2000:])
        raise RecognitionError(f"第 {page} 页无法渲染为图像", f"Page {page} could not be rendered as an image")
    return image


_PGM_HEADER = re.compile(rb"P5\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s")
INK_LEVEL = 128  # a page with no pixel darker than mid-grey holds nothing legible


def has_ink(pgm: Path) -> bool:
    """Whether a rendered page (8-bit PGM) has any pixel darker than INK_LEVEL; unreadable → True (let Tesseract
    decide)."""
    data = pgm.read_bytes()
    header = _PGM_HEADER.match(data)
    if header is None or int(header[3]) != 255:
        return True
    pixels = data[header.end() :]
    return bool(pixels) and min(pixels) < INK_LEVEL


def recognise_file(path: Path, media_type: str, *, check: SystemCheck, max_pages: int, tmp_dir: Path) -> Recognised:
    """The recognised text of a stored file (read only), page by page. Raises `RecognitionError`."""
    if not check.ok:
        raise RecognitionError(*check.message())
    if media_type in (PNG, JPEG):
        return Recognised(clean_text(_tesseract(check, path)), 1)
    if media_type != PDF:
        raise RecognitionError("该类型的文件无需识别", f"Files of type {media_type} are not recognised")
    pages = pdf_pages(path)
    if pages > max_pages:
        raise RecognitionError(
            f"PDF 共 {pages} 页，超过识别上限 {max_pages} 页",
            f"The PDF has {pages} pages, over the recognition limit of {max_pages}",
        )
    tmp_dir.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ocr-", dir=tmp_dir) as folder:
        for page in range(1, pages + 1):
            image = _render_page(check, path, page, Path(folder))
            try:
                if has_ink(image):  # a blank page (the back of a sheet) is skipped
                    texts.append(_tesseract(check, image))
            finally:
                image.unlink(missing_ok=True)  # one page on disk at a time
    return Recognised(clean_text("\n\n".join(texts)), pages)

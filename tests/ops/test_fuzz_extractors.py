"""Fuzz the upload pipeline (`storage.stage_file`: detection + extraction) with mutated real files.

Every input must end as text (or None for types without text) or a clean 4xx `Invalid`/`Unsupported`, within a time
and memory bound, leaving no temporary file behind. Reproducible: `derandomize=True`, a fixed number of examples.
"""

import io
import resource
import shutil
import struct
import tempfile
import time
import tracemalloc
import zipfile
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.documents import storage
from app.errors import AppError, Invalid, Unsupported
from tests.factories import SAMPLES
from tests.support.office_samples import NS, ofd_bytes, xlsx_bytes

pytestmark = pytest.mark.slow  # ~1,000 hypothesis cases, several minutes

EXAMPLES = 150
TIME_LIMIT_S = 5.0
MEMORY_LIMIT = 300 * 1024 * 1024
MAX_BYTES = 50 * 1024 * 1024

# long_zh.pdf (61 pages, ~2 s per extraction) is left out to keep the run short; the small samples cover the parsers.
SEEDS = {name: (SAMPLES / name).read_bytes() for name in ("sample_zh.docx", "sample_zh.pdf", "cid_stsong.pdf")}
# A ledger (.xlsx) and an e-invoice-shaped OFD, rendered by tests/support/office_samples.py.
SEEDS |= {"ledger_zh.xlsx": xlsx_bytes(), "invoice_zh.ofd": ofd_bytes()}
DOCX_SEED = SEEDS["sample_zh.docx"]
XLSX_SEED = SEEDS["ledger_zh.xlsx"]
OFD_SEED = SEEDS["invoice_zh.ofd"]

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

OUTCOMES: Counter = Counter()


class Harness:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging = root / "staging"
        self.staging.mkdir()
        self.cases = 0
        self.slowest = 0.0
        self.peak = 0
        self.rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def run(self, data: bytes, name: str) -> str:
        self.cases += 1
        source = self.root / "input.bin"
        source.write_bytes(data)
        tracemalloc.start()
        started = time.perf_counter()
        try:
            staged = storage.stage_file(source, name, max_bytes=MAX_BYTES, tmp_dir=self.staging)
        except AppError as exc:
            assert isinstance(exc, Invalid | Unsupported) and 400 <= exc.status_code < 500, repr(exc)
            assert exc.message_zh and exc.message_en
            outcome = type(exc).__name__
        else:
            assert staged.text is None or isinstance(staged.text, str)
            outcome = "text" if staged.text else "accepted"
            storage.discard(staged)
        finally:
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        self.slowest = max(self.slowest, elapsed)
        self.peak = max(self.peak, peak)
        assert elapsed < TIME_LIMIT_S, f"{elapsed:.1f} s"
        assert peak < MEMORY_LIMIT, f"{peak / 2**20:.0f} MiB"
        assert list(self.staging.iterdir()) == [], "a temporary file was left behind"
        OUTCOMES[outcome] += 1
        return outcome

    def report(self, label: str) -> str:
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self.rss_before
        assert rss_growth < MEMORY_LIMIT, f"process peak RSS grew by {rss_growth / 2**20:.0f} MiB"
        return (
            f"[fuzz {label}] cases={self.cases} slowest={self.slowest:.2f}s "
            f"tracemalloc peak={self.peak / 2**20:.1f} MiB, peak RSS growth={rss_growth / 2**20:.0f} MiB; "
            f"outcomes so far {dict(OUTCOMES)}"
        )


@pytest.fixture()
def harness():
    root = Path(tempfile.mkdtemp(prefix="carbonms-fuzz-"))
    try:
        yield Harness(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


seed_names = st.sampled_from(sorted(SEEDS))


# --------------------------------------------------------------------------- zip helpers


def _rezip(
    replacements: dict[str, bytes], *, base: bytes = DOCX_SEED, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replacements.get(info.filename, src.read(info.filename)))
        for name, content in replacements.items():
            if name not in src.namelist():
                dst.writestr(name, content)
    return out.getvalue()


def _document_xml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()


def _nested_xml(kind: str, depth: int) -> bytes:
    if kind == "tables":  # tables inside table cells, deeper than any real document
        inner = "<w:p><w:r><w:t>深</w:t></w:r></w:p>"
        for _ in range(depth):
            inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl><w:p/>"
        return _document_xml(inner)
    if kind == "elements":
        return _document_xml("<w:p>" + "<w:r>" * depth + "</w:r>" * depth + "</w:p>")
    if kind == "entities":  # billion laughs
        lol = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
            f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
        )
        return (
            f'<?xml version="1.0"?><!DOCTYPE w:document [{lol}]>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>"
        ).encode()
    return _document_xml("<w:p><w:r><w:t>" + "碳" * depth * 100 + "</w:t></w:r></w:p>")  # long text


def _declare_size(data: bytes, entry: str, size: int, *, central: bool, local: bool) -> bytes:
    """Rewrite the uncompressed size of `entry` in the central directory and/or its local header."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(entry)
    if local:
        struct.pack_into("<I", buf, info.header_offset + 22, size)
    if central:
        name = entry.encode()
        pos = 0
        while (pos := buf.find(b"PK\x01\x02", pos)) >= 0:
            name_len = struct.unpack_from("<H", buf, pos + 28)[0]
            if bytes(buf[pos + 46 : pos + 46 + name_len]) == name:
                struct.pack_into("<I", buf, pos + 24, size)
                break
            pos += 4
    return bytes(buf)


@lru_cache(maxsize=8)
def _zip_bomb(megabytes: int, entries: int) -> bytes:
    """A docx whose document.xml inflates to `megabytes` of spaces, or with `entries` entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX_SEED)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open("word/document.xml", "w", force_zip64=megabytes > 1000) as fh:
            fh.write(_document_xml("<w:p><w:r><w:t>")[: -len("</w:body></w:document>")])
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</w:t></w:r></w:p></w:body></w:document>")
        for number in range(entries):
            dst.writestr(f"customXml/fuzz{number}.xml", b"<a/>")
    return out.getvalue()


@lru_cache(maxsize=4)
def _pdf_bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to `megabytes` of zeros-like content."""
    stream = zlib.compress(b"0 0 m " * (megabytes * (1 << 20) // 6), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------- strategies


@st.composite
def byte_flips(draw) -> tuple[bytes, str]:
    name = draw(seed_names)
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 24))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] ^= draw(st.integers(1, 255))
    return bytes(data), name


@st.composite
def truncations(draw) -> tuple[bytes, str]:
    name = draw(seed_names)
    data = SEEDS[name]
    return data[: draw(st.integers(0, len(data) - 1))], name


@st.composite
def insertions(draw) -> tuple[bytes, str]:
    name = draw(seed_names)
    data = SEEDS[name]
    position = draw(st.integers(0, len(data)))
    chunk = draw(
        st.one_of(
            st.binary(min_size=1, max_size=64),
            st.sampled_from(
                [
                    b"PK\x03\x04",
                    b"PK\x05\x06",
                    b"%%EOF",
                    b"stream\n",
                    b"endobj",
                    b"<w:p>",
                    b"\x00" * 512,
                    b"obj << /Length 999999999 >>",
                ]
            ),
        )
    )
    return data[:position] + chunk * draw(st.integers(1, 8)) + data[position:], name


@st.composite
def replaced_zip_entries(draw) -> tuple[bytes, str]:
    entry = draw(
        st.sampled_from(
            [
                "word/document.xml",
                "[Content_Types].xml",
                "word/_rels/document.xml.rels",
                "word/styles.xml",
                "_rels/.rels",
            ]
        )
    )
    kind = draw(st.sampled_from(["tables", "elements", "entities", "text", "garbage"]))
    if kind == "garbage":
        content = draw(st.binary(max_size=256))
    else:
        content = _nested_xml(
            kind, draw(st.sampled_from([1, 40, 300, 5_000, 100_000])) if kind != "tables" else draw(st.integers(1, 120))
        )
    compression = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    return _rezip({entry: content}, compression=compression), "nested.docx"


@st.composite
def declared_sizes(draw) -> tuple[bytes, str]:
    entry = draw(st.sampled_from(["word/document.xml", "[Content_Types].xml", "word/styles.xml"]))
    size = draw(st.sampled_from([0, 1, 10, 2**20, 2**31 - 1, 2**32 - 1, 0xFFFFFFFF - 16]))
    central, local = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    return _declare_size(DOCX_SEED, entry, size, central=central, local=local), "sizes.docx"


MAGICS = [
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"GIF89a",
    b"\x7fELF",
    b"MZ",
    b"\xef\xbb\xbf",
    b"<html><script>alert(1)</script>",
    b"\x00\x00\x00\x00",
    b"Rar!\x1a\x07",
]


@st.composite
def wrong_magic(draw) -> tuple[bytes, str]:
    name = draw(seed_names)
    data = SEEDS[name]
    magic = draw(st.sampled_from(MAGICS))
    if draw(st.booleans()):
        return magic + data[len(magic) :], name  # overwrite the real signature
    return magic + data, name  # prepend to it


@st.composite
def bombs(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["zip-size", "zip-entries", "pdf-flate", "ofd-size"]))
    if kind == "ofd-size":
        return _ofd_bomb(draw(st.sampled_from([2, 30, 210]))), "bomb.ofd"
    if kind == "zip-size":
        return _zip_bomb(draw(st.sampled_from([2, 30, 210])), 0), "bomb.docx"
    if kind == "zip-entries":
        return _zip_bomb(0, draw(st.sampled_from([1_990, 2_100]))), "entries.docx"
    return _pdf_bomb(draw(st.sampled_from([1, 100]))), "bomb.pdf"


def _nested_part(kind: str, root: str, namespace: str, inner: str, depth: int) -> bytes:
    """An XML part of another package (xlsx sheet, OFD page) built like `_nested_xml`'s docx bodies."""
    if kind == "elements":
        body = f"<{inner}>" * depth + f"</{inner}>" * depth
    elif kind == "entities":
        lol = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
            f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
        )
        return f'<?xml version="1.0"?><!DOCTYPE x [{lol}]><{root} xmlns="{namespace}">&a9;</{root}>'.encode()
    else:
        body = f"<{inner}>" + "碳" * depth * 100 + f"</{inner}>"
    return f'<?xml version="1.0"?><{root} xmlns="{namespace}">{body}</{root}>'.encode()


_SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PACKAGE_ENTRIES = {
    "ledger.xlsx": (
        XLSX_SEED,
        {
            "xl/worksheets/sheet1.xml": ("worksheet", _SHEET_NS, "sheetData"),
            "xl/workbook.xml": ("workbook", _SHEET_NS, "sheets"),
            "xl/styles.xml": ("styleSheet", _SHEET_NS, "numFmts"),
            "xl/_rels/workbook.xml.rels": (
                "Relationships",
                "http://schemas.openxmlformats.org/package/2006/relationships",
                "Relationship",
            ),
        },
    ),
    "invoice.ofd": (
        OFD_SEED,
        {
            "OFD.xml": ("OFD", NS, "DocBody"),
            "Doc_0/Document.xml": ("Document", NS, "Pages"),
            "Doc_0/Pages/Page_0/Content.xml": ("Page", NS, "TextObject"),
            "Doc_0/Tpls/Tpl_0/Content.xml": ("Page", NS, "TextCode"),
        },
    ),
}


@st.composite
def package_entries(draw) -> tuple[bytes, str]:
    """An entry of the xlsx or OFD seed replaced by deep, entity-laden, long or garbage XML (or removed)."""
    name = draw(st.sampled_from(sorted(_PACKAGE_ENTRIES)))
    base, entries = _PACKAGE_ENTRIES[name]
    entry = draw(st.sampled_from(sorted(entries)))
    kind = draw(st.sampled_from(["elements", "entities", "text", "garbage", "empty"]))
    if kind == "garbage":
        content = draw(st.binary(max_size=256))
    elif kind == "empty":
        content = b""
    else:
        content = _nested_part(kind, *entries[entry], draw(st.sampled_from([1, 40, 300, 5_000, 100_000])))
    compression = draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    return _rezip({entry: content}, base=base, compression=compression), name


@lru_cache(maxsize=4)
def _ofd_bomb(megabytes: int) -> bytes:
    """An OFD whose first page inflates to `megabytes` of spaces inside one TextCode."""
    out = io.BytesIO()
    page = "Doc_0/Pages/Page_0/Content.xml"
    with zipfile.ZipFile(io.BytesIO(OFD_SEED)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != page:
                dst.writestr(info.filename, src.read(info.filename))
        with dst.open(page, "w") as fh:
            fh.write(f'<ofd:Page xmlns:ofd="{NS}"><ofd:Content><ofd:Layer><ofd:TextObject><ofd:TextCode>'.encode())
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                fh.write(chunk)
            fh.write(b"</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>")
    return out.getvalue()


STRATEGIES = {
    "byte-flips": byte_flips(),
    "truncations": truncations(),
    "insertions": insertions(),
    "nested-xml-entries": replaced_zip_entries(),
    "declared-sizes": declared_sizes(),
    "wrong-magic": wrong_magic(),
    "bombs": bombs(),
    "xlsx-ofd-entries": package_entries(),
}


@pytest.mark.parametrize("label", list(STRATEGIES))
def test_fuzzed_files_end_as_text_or_a_clean_4xx(harness, label, figure):
    @FUZZ
    @given(case=STRATEGIES[label])
    def run(case: tuple[bytes, str]) -> None:
        data, name = case
        harness.run(data, name)

    run()
    figure(harness.report(label))
    assert harness.cases >= 5  # "bombs" has few distinct cases: Hypothesis stops once it has tried them all


def test_the_unmutated_samples_give_text(harness):
    assert [harness.run(data, name) for name, data in SEEDS.items()] == ["text"] * len(SEEDS)

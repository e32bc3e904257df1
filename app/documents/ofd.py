"""A small reader of OFD (GB/T 33190) text: the format of Chinese e-invoices and official documents.

An OFD file is a zip: `OFD.xml` at its root names one or more `DocBody`s, each with a `DocRoot` (the document's
`Document.xml`), whose `Pages` list each page's content file; a page's text is in `TextObject/TextCode` elements,
and a page may draw template pages (`Template/@TemplateID` → `CommonData/TemplatePage/@BaseLoc`) beneath it.

No PyPI library fits (easyofd renders through PyMuPDF and reportlab: large, native, not built for hostile input), so
this reader parses only what text needs, with lxml set up for untrusted input: no DTD loading, no entity expansion,
no network, no huge trees; each part is size-checked before it is read. The caller checks the archive as a whole
(`extract.check_zip_safety`) first. Every problem is an `Invalid` (422) with a bilingual message.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from app.errors import Invalid

OFD_ROOT = "OFD.xml"
MAX_PART_BYTES = 32 * 1024 * 1024  # one XML part; a real page is a few KB
MAX_PAGES = 5_000
MAX_TEXT_CHARS = 2_000_000

OFD_BROKEN = (
    "OFD 文件已损坏或格式不正确，无法读取文字，请重新导出后上传",
    "The OFD file is damaged or malformed and its text cannot be read; please export it again and upload it",
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def _local(tag: object) -> str:
    """The element's name without its namespace ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    for child in element:
        if _local(child.tag) == name:
            yield child


def _child_text(element: etree._Element, name: str) -> str:
    for child in _children(element, name):
        return (child.text or "").strip()
    return ""


def _parse(zf: zipfile.ZipFile, name: str) -> etree._Element:
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        raise Invalid(*OFD_BROKEN) from exc
    if info.file_size > MAX_PART_BYTES:
        raise Invalid(*OFD_BROKEN)
    try:
        data = zf.read(info)
        root = etree.fromstring(data, _parser())
    except (etree.LxmlError, zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError) as exc:
        raise Invalid(*OFD_BROKEN) from exc
    if root is None:
        raise Invalid(*OFD_BROKEN)
    return root


def _resolve(base: str, location: str) -> str:
    """A location inside the package: absolute ('/Doc_0/…') from the root, otherwise relative to `base`'s folder."""
    location = location.strip().replace("\\", "/")
    joined = location.lstrip("/") if location.startswith("/") else posixpath.join(posixpath.dirname(base), location)
    normal = posixpath.normpath(joined)
    if normal.startswith("../") or normal in ("..", "."):
        raise Invalid(*OFD_BROKEN)
    return normal


def _resolve_existing(names: set[str], base: str, location: str) -> str:
    """Like `_resolve`; a producer that wrote a root-relative path without its slash is accepted too."""
    path = _resolve(base, location)
    if path not in names:
        alternative = posixpath.normpath(location.strip().replace("\\", "/").lstrip("/"))
        if alternative in names:
            return alternative
    return path


def doc_roots(zf: zipfile.ZipFile) -> list[str]:
    """The `DocRoot` of every `DocBody` named by OFD.xml; `Invalid` when there is none (not an OFD document)."""
    root = _parse(zf, OFD_ROOT)
    if _local(root.tag) != "OFD":
        raise Invalid(*OFD_BROKEN)
    names = set(zf.namelist())
    roots = []
    for body in _children(root, "DocBody"):
        location = _child_text(body, "DocRoot")
        if location:
            roots.append(_resolve_existing(names, OFD_ROOT, location))
    if not roots:
        raise Invalid(*OFD_BROKEN)
    return roots


def is_ofd(names: set[str]) -> bool:
    """Whether a zip's entry names make it an OFD candidate (its OFD.xml is checked by `doc_roots`)."""
    return OFD_ROOT in names


def _templates(document: etree._Element, names: set[str], doc_path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for common in _children(document, "CommonData"):
        for template in _children(common, "TemplatePage"):
            template_id, location = template.get("ID"), template.get("BaseLoc")
            if template_id and location:
                out[template_id] = _resolve_existing(names, doc_path, location)
    return out


def _text(element: etree._Element) -> str:
    """An element's own text and its children's tails; entity references (never expanded) add nothing."""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child, etree._Entity) and _local(child.tag) != "TextCode":
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _page_text(content: etree._Element) -> Iterator[str]:
    """One line per TextObject (its TextCodes joined), in document order (layers and page blocks included)."""
    for element in content.iter():
        if _local(element.tag) != "TextObject":
            continue
        text = "".join(_text(code) for code in element.iter() if _local(code.tag) == "TextCode")
        if text.strip():
            yield text


def _document_lines(zf: zipfile.ZipFile, doc_path: str, names: set[str]) -> Iterator[str]:
    document = _parse(zf, doc_path)
    templates = _templates(document, names, doc_path)
    pages = [page for group in _children(document, "Pages") for page in _children(group, "Page")]
    if len(pages) > MAX_PAGES:
        raise Invalid(
            f"OFD 共 {len(pages)} 页，超过 {MAX_PAGES} 页的上限，请拆分后分别上传",
            f"The OFD has {len(pages)} pages, more than the limit of {MAX_PAGES}; please split it and upload the parts",
        )
    for page in pages:
        location = page.get("BaseLoc")
        if not location:
            raise Invalid(*OFD_BROKEN)
        page_path = _resolve_existing(names, doc_path, location)
        content = _parse(zf, page_path)
        for template in _children(content, "Template"):
            template_path = templates.get(template.get("TemplateID") or "")
            if template_path and template_path in names:
                yield from _page_text(_parse(zf, template_path))
        yield from _page_text(content)
        yield ""  # a blank line between pages


def ofd_text(path: Path) -> str:
    """The text of every page of every document in the OFD at `path`, in page order (at most MAX_TEXT_CHARS)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            lines: list[str] = []
            length = 0
            for doc_path in doc_roots(zf):
                for line in _document_lines(zf, doc_path, names):
                    lines.append(line)
                    length += len(line) + 1
                    if length > MAX_TEXT_CHARS:
                        return "\n".join(lines)
            return "\n".join(lines)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        raise Invalid(*OFD_BROKEN) from exc

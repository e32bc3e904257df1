"""External relationships of a .docx: links to templates, images, frames or objects outside the file.

A Word file may point at `TargetMode="External"` targets (an attached template on a file share, a linked image on
a web server, a sub-document); opening it fetches them, so a copy handed out as controlled would show (and leak to)
whatever lives there. Controlled copies have them removed (`strip_external_relationships`); the stored original
keeps its bytes. Hyperlinks count too: a controlled copy keeps their text, not their target.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from app.errors import Invalid

PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Elements that are meaningless without their relationship (the schema requires the reference): removed whole.
_DROP_WITH_LINK = frozenset({"attachedTemplate", "subDoc", "sourceFileName", "dataSource", "headerSource", "src"})
MAX_LISTED_TARGETS = 20

# No DTDs, no entities, no network: the parts come from an uploaded file.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass(frozen=True)
class ExternalLink:
    rels_part: str  # e.g. word/_rels/settings.xml.rels
    rel_id: str
    rel_type: str  # the last segment of the relationship type: attachedTemplate, image, hyperlink, …
    target: str


def _source_part(rels_name: str) -> str | None:
    """`word/_rels/document.xml.rels` → `word/document.xml`; the package's own `_rels/.rels` has none."""
    folder, name = posixpath.split(rels_name)
    parent = posixpath.dirname(folder)
    part = name.removesuffix(".rels")
    return posixpath.join(parent, part) if part else None


def _external(root: etree._Element) -> list[etree._Element]:
    return [
        element
        for element in root.iter(f"{{{PACKAGE_RELS}}}Relationship")
        if (element.get("TargetMode") or "").lower() == "external"
    ]


def external_links(path: Path) -> list[ExternalLink]:
    """Every external relationship in the .docx at `path` (its zip was checked for size before)."""
    links: list[ExternalLink] = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".rels"):
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
                # A part Word never reached, so python-docx did not read it either: the file is still damaged.
                raise Invalid(
                    "文件已损坏或不完整，无法读取，请重新导出后上传",
                    "The file is damaged or incomplete and cannot be read; please export it again and upload it",
                ) from exc
            try:
                root = etree.fromstring(data, _PARSER)
            except etree.XMLSyntaxError:
                continue  # not XML: it relates nothing, and the copy keeps it as it is
            for element in _external(root):
                links.append(
                    ExternalLink(
                        rels_part=info.filename,
                        rel_id=element.get("Id") or "",
                        rel_type=(element.get("Type") or "").rsplit("/", 1)[-1],
                        target=element.get("Target") or "",
                    )
                )
    return links


def _unlink_references(xml: bytes, rel_ids: set[str]) -> bytes:
    """Remove every reference (an attribute in the relationships namespace) to a removed relationship."""
    root = etree.fromstring(xml, _PARSER)
    doomed: list[etree._Element] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        for name, value in list(element.attrib.items()):
            if name.startswith(f"{{{OFFICE_RELS}}}") and value in rel_ids:
                if etree.QName(element).localname in _DROP_WITH_LINK:
                    doomed.append(element)
                else:
                    del element.attrib[name]
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def strip_external_relationships(path: Path) -> list[ExternalLink]:
    """Rewrite the .docx at `path` (a copy, never a stored blob) without its external relationships and the
    references to them; returns what was removed (nothing rewritten when there is nothing to remove)."""
    links = external_links(path)
    if not links:
        return []
    removed: dict[str, set[str]] = {}
    for link in links:
        removed.setdefault(link.rels_part, set()).add(link.rel_id)
    by_source = {_source_part(name): ids for name, ids in removed.items()}
    side = path.with_name(path.name + ".stripping")
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(side, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename in removed:
                    root = etree.fromstring(data, _PARSER)
                    for element in _external(root):
                        if element.get("Id") in removed[info.filename]:
                            root.remove(element)
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                elif info.filename in by_source:
                    data = _unlink_references(data, by_source[info.filename])
                target.writestr(info, data, compress_type=info.compress_type)
        Path(side).replace(path)
    finally:
        side.unlink(missing_ok=True)
    return links


def describe(links: list[ExternalLink]) -> dict[str, object]:
    """What the document's history says about them (the first few targets, and how many there are)."""
    return {
        "count": len(links),
        "targets": [f"{link.rel_type}: {link.target}" for link in links[:MAX_LISTED_TARGETS]],
        "controlled_copies": "removed",
    }

"""Ingest: files → documents, facts, stored in one transaction, and the search index.

The orchestration above the stages: it reads and validates files, parses them
(:mod:`zhengce.corpus.parse`), extracts facts (:mod:`zhengce.extract.pipeline`),
stores everything (:mod:`zhengce.store.sqlite`) with versions, and rebuilds the
search index. The stages never import this module, so the data flows one way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from zhengce import places
from zhengce.corpus.parse import TEXT_SUFFIXES, ParsedDocument, bundled_corpus, parse_source
from zhengce.corpus.structure import Node
from zhengce.corpus.text import InputError, SourceText, read_source
from zhengce.extract.pipeline import extract_document
from zhengce.search.index import rebuild_index
from zhengce.store import sqlite as store

__all__ = ["ParsedDocument", "bundled_corpus", "parse_source", "discover", "ingest_paths", "reextract", "resolve_jurisdiction"]


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their text files; a missing path is an error."""
    files: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(f"{p}: no such file or directory")
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES)
            if not found:
                raise InputError(f"{p}: folder holds no .txt files")
            files.extend(found)
        else:
            files.append(p)
    return files


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # new files
    updated: list[str] = field(default_factory=list)  # changed bytes → new version
    unchanged: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one-line errors
    documents: int = 0
    warnings: list[str] = field(default_factory=list)  # e.g. the text states another jurisdiction than given
    places_recorded: list[str] = field(default_factory=list)  # new places, as 中国/省/市/… chains
    relabelled: int = 0  # documents of unchanged files given the jurisdiction


def ingest_paths(
    conn: sqlite3.Connection,
    paths: Iterable[Path],
    *,
    skip_bad: bool = False,
    extract: bool = True,
    index: bool = True,
    progress: Callable[[str, int], None] | None = None,
    jurisdiction: str | None = None,
) -> IngestReport:
    """Ingest files into the database, all in one transaction.

    Every file is read and validated before anything is written. With
    ``skip_bad`` bad files are reported and the rest ingested; otherwise the
    first bad file aborts the command with the database untouched.
    Facts are extracted and stored with their documents unless ``extract`` is off,
    and the search index is rebuilt unless ``index`` is off.
    ``jurisdiction`` (any place name, or a chain such as 湖北省/武汉市/武汉临空港经济技术开发区 for a new
    place, which is recorded) is given to documents whose text does not state one, including those
    of unchanged files; an unknown place is an :class:`InputError` before anything is written.
    """
    report = IngestReport()
    given, new_places = resolve_jurisdiction(conn, jurisdiction)
    sources: list[SourceText] = []
    for f in discover(paths):
        try:
            sources.append(read_source(f))
        except InputError as exc:
            if not skip_bad:
                raise
            report.rejected.append(str(exc))
    names = [s.name for s in sources]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise InputError(f"two input files share the name {sorted(dupes)[0]}; documents are keyed by file name")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    try:
        with store.transaction(conn):
            _ingest_sources(
                conn, sources, report, now, given, new_places, extract=extract, index=index, progress=progress
            )
    except BaseException:
        places.load_from_db(conn)  # forget places stated for a run that wrote nothing
        raise
    return report


def resolve_jurisdiction(conn: sqlite3.Connection, jurisdiction: str | None) -> tuple[str | None, list[places.Place]]:
    """The canonical place given to ingest, and the new places it states; InputError if unknown."""
    recorded = places.load_from_db(conn)
    if jurisdiction is None:
        return None, []
    try:
        given, new_places = places.parse_jurisdiction(jurisdiction)
    except places.PlaceError as exc:
        raise InputError(f"--jurisdiction: {exc}") from None
    if new_places:
        places.use_places([*recorded, *new_places])  # known while this run reads its texts
    return given, new_places


def _ingest_sources(
    conn: sqlite3.Connection,
    sources: list[SourceText],
    report: IngestReport,
    now: str,
    given: str | None,
    new_places: list[places.Place],
    *,
    extract: bool,
    index: bool,
    progress: Callable[[str, int], None] | None,
) -> None:
    if new_places:
        places.record(conn, new_places, now)
        report.places_recorded = ["/".join(places.chain(p.name)) for p in new_places]
    if conn.execute("SELECT 1 FROM meta WHERE key = 'recheck_jurisdiction'").fetchone():
        # a database from before jurisdictions were read from the text: v2 gave every document a default place
        inputs = {s.name for s in sources}
        for f in store.current_files(conn):
            if f["name"] not in inputs:
                src = SourceText.from_text(
                    f["name"], f["text"], path=f["path"], sha256=f["sha256"], encoding=f["encoding"]
                )
                report.relabelled += _relabel_stored(conn, src, given, report)
        conn.execute("DELETE FROM meta WHERE key = 'recheck_jurisdiction'")
        recheck = True
    else:
        recheck = False
    for src in sources:
        prev = store.current_file(conn, src.name)
        if prev is not None and prev["sha256"] == src.sha256:
            report.unchanged.append(src.name)
            if given is not None or recheck:
                report.relabelled += _relabel_stored(conn, src, given, report)
            if progress:
                progress(src.name, len(src.text))
            continue
        parsed = parse_source(src, jurisdiction=given)
        _warn_jurisdiction(src, parsed, given, report)
        if not parsed:
            raise InputError(f"{src.name}: no documents found")
        file_id = store.insert_file(
            conn, name=src.name, path=src.path, sha256=src.sha256, encoding=src.encoding,
            ingested_at=now, line_count=src.line_count, text=src.text,
        )  # fmt: skip
        version = conn.execute("SELECT version FROM files WHERE id = ?", (file_id,)).fetchone()[0]
        _store_documents(conn, src, parsed, file_id, version, extract=extract)
        report.documents += len(parsed)
        (report.updated if prev is not None else report.added).append(src.name)
        if progress:
            progress(src.name, len(src.text))
    if extract and index and (report.added or report.updated):

        rebuild_index(conn)


def _warn_jurisdiction(src: SourceText, parsed: list[ParsedDocument], given: str | None, report: IngestReport) -> None:
    for doc in parsed:
        md = doc.metadata
        if given is not None and md.jurisdiction != given:
            report.warnings.append(
                f"{src.name}:{doc.span.start_line} {doc.span.title or ''}: the text states jurisdiction "
                f"{md.jurisdiction} ({md.jurisdiction_basis}), kept instead of --jurisdiction {given}"
            )


def _relabel_stored(conn: sqlite3.Connection, src: SourceText, given: str | None, report: IngestReport) -> int:
    """Re-read the jurisdiction of an unchanged file's stored documents (text first, then ``given``)."""
    parsed = parse_source(src, jurisdiction=given)
    _warn_jurisdiction(src, parsed, given, report)
    changed = 0
    for doc in parsed:
        row = store.get_document(conn, doc.doc_id(src.name))
        if row is None or row["jurisdiction"] == doc.metadata.jurisdiction:
            continue
        conn.execute(
            "UPDATE documents SET jurisdiction = ?, notes = ? WHERE rowid = ?",
            (doc.metadata.jurisdiction, json.dumps(doc.metadata.notes, ensure_ascii=False), row["rowid"]),
        )
        changed += 1
    return changed


def _store_documents(
    conn: sqlite3.Connection,
    src: SourceText,
    parsed: list[ParsedDocument],
    file_id: int,
    version: int,
    *,
    extract: bool = True,
) -> None:
    for doc in parsed:
        span, md = doc.span, doc.metadata
        dup = parsed[span.duplicate_of].doc_id(src.name) if span.duplicate_of is not None else None
        rowid = store.insert_document(
            conn,
            {
                "id": doc.doc_id(src.name),
                "version": version,
                "is_current": 1,
                "file_id": file_id,
                "file": src.name,
                "ordinal": doc.ordinal,
                "start_offset": span.start,
                "end_offset": span.end,
                "start_line": span.start_line,
                "end_line": span.end_line,
                "title": span.title,
                "title_inferred": int(span.title_inferred),
                "issuer": md.issuer,
                "doc_number": md.doc_number,
                "issued": md.issued.isoformat() if md.issued else None,
                "effective": md.effective.isoformat() if md.effective else None,
                "expires": md.expires.isoformat() if md.expires else None,
                "effective_relative": md.effective_relative,
                "validity_years": md.validity_years,
                "validity_quote": md.validity_quote,
                "jurisdiction": md.jurisdiction,
                "kind": md.kind,
                "duplicate_of": dup,
                "interpretation_line": src.line_of(span.interpretation_start) if span.interpretation_start is not None else None,
                "attachments": span.attachments,
                "notes": md.notes,
                "text": src.text[span.start : span.end],
            },
        )
        _store_tree(conn, src, rowid, doc.tree)
        if extract:
            store_facts(conn, src, doc, rowid)


def store_facts(conn: sqlite3.Connection, src: SourceText, doc: ParsedDocument, document_rowid: int) -> int:
    """Extract and store one document's facts; returns how many."""

    facts = [f.model_dump(mode="json") for f in extract_document(src, doc)]
    store.insert_facts(conn, document_rowid, facts)
    return len(facts)


def reextract(conn: sqlite3.Connection, progress: Callable[[str, int], None] | None = None) -> int:
    """Re-run extraction over every current document, replacing its facts, in one transaction."""
    total = 0
    with store.transaction(conn):
        store.delete_current_facts(conn)
        for f in store.current_files(conn):
            src = SourceText.from_text(f["name"], f["text"], path=f["path"], sha256=f["sha256"], encoding=f["encoding"])
            rows = {r["ordinal"]: r["rowid"] for r in store.current_documents_of(conn, f["id"])}
            for doc in parse_source(src):
                if doc.ordinal in rows:
                    total += store_facts(conn, src, doc, rows[doc.ordinal])
            if progress:
                progress(f["name"], len(f["text"]))

        rebuild_index(conn)
    return total


def _store_tree(conn: sqlite3.Connection, src: SourceText, document_rowid: int, root: Node) -> None:
    def visit(node: Node, parent: int | None, depth: int, ordinal: int) -> None:
        nid = store.insert_node(
            conn,
            {
                "document_rowid": document_rowid,
                "parent_id": parent,
                "ordinal": ordinal,
                "depth": depth,
                "kind": node.kind,
                "label": node.label,
                "number": node.number,
                "heading": node.heading,
                "start_offset": node.start,
                "end_offset": node.end,
                "start_line": node.start_line,
                "end_line": node.end_line,
                "columns": node.columns,
                "text": src.text[node.start : node.end],
            },
        )
        for k, child in enumerate(node.children, 1):
            visit(child, nid, depth + 1, k)

    visit(root, None, 0, 1)

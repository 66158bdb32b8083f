"""Ingest: files → documents with metadata and structure, stored in one transaction.

``parse_source`` is pure (text in, documents out); ``ingest_paths`` adds file
discovery, validation, versioning and storage.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

from zhengce.corpus.metadata import Metadata, extract_metadata
from zhengce.corpus.segment import DocumentSpan, segment
from zhengce.corpus.structure import Node, build_tree
from zhengce.corpus.text import InputError, SourceText, clean, is_noise_line, read_source
from zhengce.store import sqlite as store

TEXT_SUFFIXES = {".txt", ".text", ".md"}


def bundled_corpus() -> Path:
    """The embedded default corpus (a verbatim copy of shared/corpus/suzhou)."""
    return Path(str(resources.files("zhengce") / "data" / "corpus" / "suzhou"))


@dataclass
class ParsedDocument:
    ordinal: int
    span: DocumentSpan
    metadata: Metadata
    tree: Node

    def doc_id(self, file_name: str) -> str:
        return f"{Path(file_name).stem}:{self.ordinal:02d}"


def parse_source(src: SourceText) -> list[ParsedDocument]:
    """Segment a file and read each document's metadata and structure."""
    out = []
    for k, span in enumerate(segment(src), 1):
        rule_end = span.interpretation_start if span.interpretation_start is not None else span.end
        body = src.text[span.start : span.end]
        lines = [clean(x) for x in body.split("\n") if not is_noise_line(x)]
        md = extract_metadata(span.title, lines, src.text[span.start : rule_end])
        tree = build_tree(
            src, span.start, span.end, title_spans=span.title_spans, interpretation_start=span.interpretation_start
        )
        out.append(ParsedDocument(k, span, md, tree))
    return out


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


def ingest_paths(
    conn: sqlite3.Connection,
    paths: Iterable[Path],
    *,
    skip_bad: bool = False,
    extract: bool = True,
    index: bool = True,
    progress: Callable[[str, int], None] | None = None,
) -> IngestReport:
    """Ingest files into the database, all in one transaction.

    Every file is read and validated before anything is written. With
    ``skip_bad`` bad files are reported and the rest ingested; otherwise the
    first bad file aborts the command with the database untouched.
    Facts are extracted and stored with their documents unless ``extract`` is off,
    and the search index is rebuilt unless ``index`` is off.
    """
    report = IngestReport()
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
    with store.transaction(conn):
        for src in sources:
            prev = store.current_file(conn, src.name)
            if prev is not None and prev["sha256"] == src.sha256:
                report.unchanged.append(src.name)
                if progress:
                    progress(src.name, len(src.text))
                continue
            parsed = parse_source(src)
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
            from zhengce.search.index import rebuild_index  # search sits downstream of ingestion

            rebuild_index(conn)
    return report


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
    from zhengce.extract.pipeline import extract_document  # extraction sits downstream of ingestion

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
        from zhengce.search.index import rebuild_index

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

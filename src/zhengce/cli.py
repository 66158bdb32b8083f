"""The ``zhengce`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from rich.tree import Tree

from zhengce.corpus.ingest import bundled_corpus, discover, ingest_paths, reextract
from zhengce.corpus.text import InputError
from zhengce.corpus.views import document_detail, document_summary
from zhengce.store import sqlite as store

app = typer.Typer(
    help="zhengce (政策引擎): policy documents → structured, searchable, computable knowledge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Path,
    typer.Option("--db", help="SQLite database file (env ZHENGCE_DB).", envvar="ZHENGCE_DB"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (see README for the shape).")]


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def open_db(db: Path, *, create: bool = False):
    try:
        return store.connect(db, create=create)
    except InputError as exc:
        fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders; default: the bundled Suzhou corpus.")] = None,
    db: DbOption = Path(store.DEFAULT_DB),
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Report bad files and ingest the rest.")] = False,
) -> None:
    """Ingest policy text files: segment into documents, read metadata and structure."""
    targets = paths or [bundled_corpus()]
    try:
        files = discover(targets)
    except InputError as exc:
        fail(str(exc))
    total = sum(f.stat().st_size for f in files)
    conn = open_db(db, create=True)
    try:
        with Progress(
            TextColumn("[bold]ingest[/]"), BarColumn(), TextColumn("{task.fields[name]}"),
            TransferSpeedColumn(), TimeRemainingColumn(), console=err, transient=True,
            disable=not err.is_terminal,
        ) as bar:  # fmt: skip
            task = bar.add_task("ingest", total=total, name="")

            def progress(name: str, _chars: int) -> None:
                size = next((f.stat().st_size for f in files if f.name == name), 0)
                bar.update(task, advance=size, name=name)

            report = ingest_paths(conn, files, skip_bad=skip_bad, progress=progress)
    except InputError as exc:
        fail(str(exc))
    finally:
        conn.close()
    for line in report.rejected:
        err.print(f"[yellow]skipped:[/] {line}", highlight=False)
    console.print(
        f"ingested {len(report.added)} new and {len(report.updated)} changed file(s), "
        f"{report.documents} document(s); {len(report.unchanged)} unchanged; {len(report.rejected)} rejected → {db}",
        highlight=False,
    )
    if report.rejected:
        raise typer.Exit(1)


@app.command()
def docs(
    db: DbOption = Path(store.DEFAULT_DB),
    as_json: JsonOption = False,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Include superseded versions.")] = False,
) -> None:
    """List documents."""
    conn = open_db(db)
    rows = [document_summary(r) for r in store.list_documents(conn, all_versions=all_versions)]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} documents", show_lines=False)
    for col in ("id", "line", "title", "kind", "issued", "effective", "expires", "juris.", "dup of"):
        table.add_column(col, overflow="fold")
    for r in rows:
        title = ("~" if r["title_inferred"] else "") + (r["title"] or "（无标题）")
        table.add_row(
            r["id"] + (f" v{r['version']}" if all_versions else ""), str(r["start_line"]), title, r["kind"] or "",
            r["issued"] or "", r["effective"] or (r["effective_relative"] or ""), r["expires"] or "",
            r["jurisdiction"], r["duplicate_of"] or "",
        )  # fmt: skip
    console.print(table)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id, e.g. 003_984d27a47f4e90c5:03 (see `zhengce docs`).")],
    db: DbOption = Path(store.DEFAULT_DB),
    version: Annotated[int | None, typer.Option(help="An older version of the document.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show one document's metadata and structure tree."""
    conn = open_db(db)
    row = store.get_document(conn, doc_id, version)
    if row is None:
        fail(f"no document {doc_id!r}" + (f" version {version}" if version else "") + "; list them with `zhengce docs`")
    detail = document_detail(conn, row)
    if as_json:
        print_json(detail)
        return
    meta = Table.grid(padding=(0, 2))
    for key in ("id", "version", "title", "file", "issuer", "doc_number", "issued", "effective", "effective_relative",
                "expires", "validity_years", "jurisdiction", "kind", "duplicate_of", "interpretation_line"):  # fmt: skip
        if detail.get(key) not in (None, ""):
            meta.add_row(f"[bold]{key}[/]", str(detail[key]))
    meta.add_row("[bold]lines[/]", f"{detail['start_line']}–{detail['end_line']}")
    console.print(meta)
    tree = Tree(f"[bold]{detail['title'] or detail['id']}[/]")

    def add(branch: Tree, node: dict[str, Any]) -> None:
        for child in node["children"]:
            label = child["label"] or child["kind"]
            text = child["heading"] or (child.get("text", "")[:40].replace("\n", " ") if child["kind"] != "table" else "")
            if child.get("columns"):
                text = " | ".join(v[:20] for v in child["columns"].values())
            sub = branch.add(f"[cyan]L{child['start_line']}[/] [bold]{label}[/] {text}", highlight=False)
            add(sub, child)

    add(tree, detail["tree"])
    console.print(tree)


@app.command()
def extract(db: DbOption = Path(store.DEFAULT_DB)) -> None:
    """Re-run fact extraction over every current document (replaces their facts)."""
    conn = open_db(db)
    with Progress(TextColumn("[bold]extract[/]"), BarColumn(), TextColumn("{task.fields[name]}"),
                  console=err, transient=True, disable=not err.is_terminal) as bar:  # fmt: skip
        files = store.current_files(conn)
        task = bar.add_task("extract", total=len(files), name="")
        n = reextract(conn, progress=lambda name, _n: bar.update(task, advance=1, name=name))
    console.print(f"extracted {n} facts from {len(files)} file(s) → {db}", highlight=False)


def _fact_summary(f: dict[str, Any]) -> str:
    kind = f["fact_kind"]
    if kind == "benefit":
        parts = [f["kind"]]
        if f.get("amount_yuan") is not None:
            parts.append(("≤" if f.get("amount_is_cap") else "") + f"{f['amount_yuan']:,}元")
        if f.get("rate") is not None:
            parts.append(f"{f['rate']:.4g}" + (f"–{f['rate_max']:.4g}" if f.get("rate_max") else "") + (f" × {f['base']}" if f.get("base") else ""))
        for key in ("cap_total_yuan", "period", "max_years", "unknown_reason"):
            if f.get(key) is not None:
                parts.append(f"{key}={f[key]}")
        return " ".join(parts)
    if kind == "condition":
        return f"{f['kind']} {f['name']}" + (f" {f['operator']} {f['value']:g}{f['unit'] or ''}" if f.get("operator") else "")
    if kind == "target":
        return f"{f['indicator']} → {f.get('target_value')} ({f.get('target_year')})"
    if kind == "task":
        return f"{f['title'][:40]}"
    if kind == "penalty":
        return f"罚款 {f.get('min_yuan')}–{f.get('max_yuan')}元 {f.get('refers_to') or ''}"
    if kind == "deadline":
        return f"{f['kind']} {f['text']}"
    return f"{f['kind']} {f.get('scope') or ''} {f.get('cap_total_yuan') or ''}"


@app.command()
def facts(
    kind: Annotated[str | None, typer.Option("--kind", help="benefit, condition, stacking, target, task, deadline or penalty.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only facts of this document id.")] = None,
    db: DbOption = Path(store.DEFAULT_DB),
    as_json: JsonOption = False,
) -> None:
    """List extracted facts, each with its citation (file, line, quote)."""
    from zhengce.extract.model import FACT_KINDS

    if kind is not None and kind not in FACT_KINDS:
        fail(f"unknown fact kind {kind!r}; choose one of {', '.join(FACT_KINDS)}")
    conn = open_db(db)
    if doc is not None and store.get_document(conn, doc) is None:
        fail(f"no document {doc!r}; list them with `zhengce docs`")
    rows = [{"id": r["id"], **json.loads(r["data"])} for r in store.list_facts(conn, fact_kind=kind, doc_id=doc)]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} facts")
    for col in ("id", "fact", "where", "value", "departments", "quote"):
        table.add_column(col, overflow="fold")
    for f in rows:
        table.add_row(
            str(f["id"]), f["fact_kind"], f"{f['file'][:3]}:L{f['line']}", _fact_summary(f),
            "、".join(f.get("departments") or []), f["quote"][:60],
        )  # fmt: skip
    console.print(table)


def main() -> None:  # pragma: no cover - entry point
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``zhengce`` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table
from rich.tree import Tree

from zhengce.ingest import bundled_corpus, discover, ingest_paths, reextract
from zhengce.corpus.text import InputError
from zhengce.corpus.views import document_detail
from zhengce.store import sqlite as store

app = typer.Typer(
    help="zhengce (政策引擎): policy documents → structured, searchable, computable knowledge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(width=None if sys.stdout.isatty() else 160)  # piped output: wide tables, not 80 columns
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
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction",
            help="The place documents are for when their text does not say (苏州市, 常熟, 广州市南沙区); a place not "
            "in data/places.json is given with its parent chain (湖北省/武汉市/武汉临空港经济技术开发区) and recorded. "
            "A text that states its place keeps it (a warning says so).",
        ),
    ] = None,
) -> None:
    """Ingest policy text files: segment into documents, read metadata and structure."""
    targets = paths or [bundled_corpus()]
    try:
        files = discover(targets)
    except InputError as exc:
        fail(str(exc))
    if jurisdiction is not None:
        check_jurisdiction(db, jurisdiction)  # an unknown place stops here, before the database is opened for writing
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

            report = ingest_paths(conn, files, skip_bad=skip_bad, progress=progress, jurisdiction=jurisdiction)
    except InputError as exc:
        fail(str(exc))
    finally:
        conn.close()
    for line in report.rejected:
        err.print(f"[yellow]skipped:[/] {line}", highlight=False)
    for line in report.places_recorded:
        sys.stderr.write(f"recorded new place: {line}\n")
    for line in report.warnings:  # one line each, never wrapped
        sys.stderr.write(f"warning: {' '.join(line.split())}\n")
    if report.relabelled:
        sys.stderr.write(f"jurisdiction updated on {report.relabelled} stored document(s) of unchanged files\n")
    console.print(
        f"ingested {len(report.added)} new and {len(report.updated)} changed file(s), "
        f"{report.documents} document(s); {len(report.unchanged)} unchanged; {len(report.rejected)} rejected → {db}",
        highlight=False,
    )
    if report.rejected:
        raise typer.Exit(1)


def check_jurisdiction(db: Path, jurisdiction: str) -> None:
    """Fail (exit 2) on a place ingest cannot use, reading only the places the database already records."""
    from zhengce import places
    from zhengce.ingest import resolve_jurisdiction

    try:
        conn = store.connect(db, create=False) if db.is_file() else None
    except InputError:
        conn = None  # a database ingest cannot use either: ingest says why
    try:
        if conn is not None:
            resolve_jurisdiction(conn, jurisdiction)
        else:
            places.use_places([])
            places.parse_jurisdiction(jurisdiction)
    except places.PlaceError as exc:
        fail(f"--jurisdiction: {exc}")
    except InputError as exc:
        fail(str(exc))
    finally:
        if conn is not None:
            conn.close()


@app.command()
def docs(
    db: DbOption = Path(store.DEFAULT_DB),
    as_json: JsonOption = False,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Include superseded versions.")] = False,
) -> None:
    """List documents."""
    from zhengce import services

    conn = open_db(db)
    rows = services.list_documents(conn, all_versions=all_versions)
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


def _fact_kind(kind: str | None) -> str | None:
    from zhengce.extract.model import check_fact_kind

    try:
        return check_fact_kind(kind)
    except ValueError as exc:
        fail(str(exc))


@app.command()
def facts(
    kind: Annotated[str | None, typer.Option("--kind", help="benefit, condition, stacking, target, task, deadline or penalty.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only facts of this document id.")] = None,
    db: DbOption = Path(store.DEFAULT_DB),
    as_json: JsonOption = False,
) -> None:
    """List extracted facts, each with its citation (file, line, quote)."""
    kind = _fact_kind(kind)
    conn = open_db(db)
    if doc is not None and store.get_document(conn, doc) is None:
        fail(f"no document {doc!r}; list them with `zhengce docs`")
    from zhengce import services

    rows = services.list_facts(conn, kind, doc)
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


RulesOption = Annotated[
    Path | None, typer.Option("--rules", help="Folder of rule files (default: the bundled rules).")
]


def _load_rules(folder: Path | None):
    from pydantic import ValidationError

    from zhengce.rules.model import load_rules

    if folder is not None and not folder.is_dir():
        fail(f"{folder}: no such rules folder")
    try:
        rules = load_rules(folder)
    except (ValidationError, ValueError) as exc:
        fail(f"bad rule file: {str(exc).splitlines()[0]}")
    if not rules:
        fail(f"no rules found in {folder}")
    return rules


def _as_of(value: str | None):
    from datetime import date

    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of {value!r}: not a date (YYYY-MM-DD)")


def _load_profile(path: Path):
    from pydantic import ValidationError

    from zhengce.rules.profile import EnterpriseProfile, profile_error

    if not path.is_file():
        fail(f"{path}: no such profile file")
    raw = path.read_bytes()
    if not raw.strip():
        fail(f"{path}: profile file is empty")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        fail(f"{path}: profile is not UTF-8 JSON")
    except json.JSONDecodeError as exc:
        fail(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    if not isinstance(data, dict):
        fail(f"{path}: a profile is a JSON object")
    try:
        return EnterpriseProfile.model_validate(data)
    except ValidationError as exc:
        fail(f"{path}: {profile_error(exc)}")


def _yuan(v: int | None) -> str:
    from zhengce.display import yuan

    return yuan(v, unknown="?")


@app.command()
def match(
    profile: Annotated[Path, typer.Argument(help="Enterprise profile JSON (see examples/profile.json).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate as of this date (default: today).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list rules the enterprise does not qualify for.")] = False,
    include_expired: Annotated[bool, typer.Option("--include-expired", help="Show rules of expired documents.")] = False,
    rules_dir: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """政策计算器: which benefits one enterprise qualifies for, how much, and what is missing."""
    from zhengce.rules.engine import match_report

    prof = _load_profile(profile)
    day = _as_of(as_of)
    rules = _load_rules(rules_dir)
    report = match_report(prof, rules, day, include_expired=include_expired, show_all=show_all)
    if as_json:
        print_json(report)
        return
    by_id = {r.rule_id: r for r in rules}
    order = {"eligible": 0, "superseded": 1, "needs-info": 2, "not-eligible": 3}
    table = Table(title=f"{prof.name} · 截至 {day.isoformat()}", show_lines=True)
    for col in ("状态", "金额", "政策条款", "出处", "说明"):
        table.add_column(col, overflow="fold")
    for r in sorted(report["results"], key=lambda r: (order[r["status"]], -(r["amount_max_yuan"] or 0))):
        amount = ""
        if r["status"] in ("eligible", "superseded"):
            lo, hi = r["amount_min_yuan"], r["amount_max_yuan"]
            amount = _yuan(hi) if lo == hi else f"{_yuan(lo) if lo is not None else '0'}–{_yuan(hi)}"
        review = "" if by_id[r["rule_id"]].status == "reviewed" else "（未人工复核）"
        table.add_row(
            r["status"], amount, f"{r['quote'][:80]}{review}", f"{r['doc_title'] or r['doc_id']} {r['path']}\n{r['file']}:{r['line']}",
            r["reason"] + ("\n责任单位：" + "、".join(r["departments"]) if r["departments"] else "")
            + (f"\n有效期：{r['validity_note']}" if r["validity_note"] else ""),
        )  # fmt: skip
    console.print(table)
    open_ended, expired = report["open_ended_count"], report["excluded_expired_rules"]
    console.print(
        f"合计（可享受）：{_yuan(report['total_min_yuan'])} – {_yuan(report['total_max_yuan'])}"
        + (f"，另有 {open_ended} 项金额未定" if open_ended else "")
        + (f"；已排除 {expired} 条已失效或未施行的规则" if expired else ""),
        highlight=False,
    )


@app.command()
def screen(
    registry: Annotated[Path, typer.Argument(help="Enterprise registry, .csv or .parquet (README: registry format).")],
    out: Annotated[Path, typer.Option("--out", help="Results file (.parquet): one row per (enterprise, rule).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluate as of this date (default: today).")] = None,
    departments_dir: Annotated[Path | None, typer.Option("--departments", help="Folder for per-department CSVs (default: <out>_departments/).")] = None,
    keep_all: Annotated[bool, typer.Option("--all", help="Also write not-eligible pairs (large).")] = False,
    include_expired: Annotated[bool, typer.Option("--include-expired", help="Also evaluate rules of expired documents (never paid).")] = False,
    rules_dir: RulesOption = None,
    rejects_out: Annotated[Path | None, typer.Option("--rejects", help="Write rejected rows here (CSV: row, reason).")] = None,
) -> None:
    """免申即享: screen a whole registry; write results and what each department would pay."""
    from zhengce.rules.screen import RegistryError, read_registry, screen_registry

    if out.suffix.lower() != ".parquet":
        fail(f"--out {out}: results are written as .parquet")
    day = _as_of(as_of)
    rules = _load_rules(rules_dir)
    try:
        reg = read_registry(registry)
    except RegistryError as exc:
        fail(str(exc))
    for row, reason in reg.rejects[:20]:
        err.print(f"[yellow]rejected row {row}:[/] {reason}", highlight=False)
    if len(reg.rejects) > 20:
        err.print(f"… and {len(reg.rejects) - 20} more rejected rows" + (f" (all in {rejects_out})" if rejects_out else " (use --rejects FILE)"))
    if rejects_out:
        import polars as pl

        pl.DataFrame(reg.rejects, schema=["row", "reason"], orient="row").write_csv(rejects_out)
    with Progress(TextColumn("[bold]screen[/]"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} enterprises"),
                  TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:  # fmt: skip
        task = bar.add_task("screen", total=reg.frame.height)
        report = screen_registry(
            reg, rules, day, out, departments_dir=departments_dir, keep_not_eligible=keep_all,
            include_expired=include_expired, progress=lambda n: bar.update(task, advance=n),
        )  # fmt: skip
    console.print(
        f"{report.rows_in:,} rows in = {report.screened:,} screened + {len(report.rejects):,} rejected; "
        f"{report.pairs_written:,} (enterprise, rule) results, {report.eligible_pairs:,} eligible → {out}",
        highlight=False,
    )
    for dept, firms, lo, hi in sorted(report.departments, key=lambda d: -d[3])[:10]:
        console.print(f"  {dept}: {firms:,} firms, {_yuan(lo)} – {_yuan(hi)}", highlight=False)
    if reg.rejects:
        raise typer.Exit(1)


@app.command()
def synth(
    n: Annotated[int, typer.Option("--n", min=1, max=50_000_000, help="Number of enterprises.")],
    out: Annotated[Path, typer.Option("--out", help="Registry file to write (.parquet or .csv).")],
    seed: Annotated[int, typer.Option(help="Random seed.")] = 20261124,
    rules_dir: RulesOption = None,
) -> None:
    """Generate a realistic synthetic Suzhou registry (skewed sizes, honour rates, industries, districts)."""
    import polars as pl

    from zhengce.rules.synth import synth_registry

    if out.suffix.lower() not in (".parquet", ".csv"):
        fail(f"--out {out}: write .parquet or .csv")
    df = synth_registry(n, _load_rules(rules_dir), seed=seed)
    if out.suffix.lower() == ".csv":
        df = df.with_columns(
            pl.when(pl.col(c).is_null()).then(None).when(pl.col(c).list.len() == 0).then(pl.lit("-"))
            .otherwise(pl.col(c).list.join(";")).alias(c)
            for c in ("industries", "honours", "qualifications")
        )  # fmt: skip
        df.write_csv(out)
    else:
        df.write_parquet(out)
    console.print(f"wrote {n:,} synthetic enterprises → {out}", highlight=False)


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find, e.g. \"算力券 补贴\".")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Number of hits.")] = 10,
    department: Annotated[str | None, typer.Option("--department", help="Only clauses of this department (any alias).")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document id.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Only clauses holding a fact of this kind.")] = None,
    in_force: Annotated[str | None, typer.Option("--in-force", help="Only documents in force on this date.")] = None,
    min_amount: Annotated[int | None, typer.Option("--min-amount", min=0, help="Only clauses granting at least this many yuan.")] = None,
    db: DbOption = Path(store.DEFAULT_DB),
    as_json: JsonOption = False,
) -> None:
    """Chinese full-text search over clauses and facts (BM25), with cited, highlighted hits."""
    from zhengce import services

    kind = _fact_kind(kind)
    conn = open_db(db)
    hits = _service(services.search_clauses, conn, query, limit=limit, department=department, doc=doc, kind=kind,
                    in_force=_as_of(in_force) if in_force else None, min_amount=min_amount)  # fmt: skip
    if as_json:
        print_json([h.to_json() for h in hits])
        return
    if not hits:
        console.print("no hits")
    for i, h in enumerate(hits, 1):
        snippet = rich_escape(h.snippet).replace("【", "[bold yellow]").replace("】", "[/]")
        console.print(f"[bold]{i}.[/] {rich_escape(h.title or h.doc_id)} [dim]{rich_escape(h.path)}[/]  [cyan]{h.file}:{h.line}[/]  score {h.score:.2f}")
        console.print(f"   {snippet}")


@app.command()
def serve(
    db: DbOption = Path(store.DEFAULT_DB),
    host: Annotated[str, typer.Option(help="Interface to bind; the default serves this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes.")] = 1,
    registry: Annotated[Path | None, typer.Option("--registry", help="Registry whose money at stake ranks the review queue (default: 20,000 synthetic firms).")] = None,
) -> None:
    """Start the web app and JSON API (read-only; admin endpoints need ZHENGCE_ADMIN_TOKEN)."""
    import uvicorn

    open_db(db).close()  # a clear error now rather than on the first request
    os.environ["ZHENGCE_DB"] = str(db.resolve())
    if registry is not None:
        if not registry.is_file():
            fail(f"--registry {registry}: no such file")
        os.environ["ZHENGCE_REGISTRY"] = str(registry.resolve())
    try:
        sock = listening_socket(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    console.print(f"政策引擎 at http://{host}:{port}/  (API docs at /docs; database {db})", highlight=False)
    uvicorn.run("zhengce.web.app:create_app", factory=True, fd=sock.fileno(), workers=workers, log_level="warning")


def listening_socket(host: str, port: int):
    """A listening socket whose connections skip Nagle's algorithm.

    Accepted sockets inherit TCP_NODELAY from the listener. Without it, uvicorn's worker processes
    answered keep-alive requests only after the client's ~40 ms delayed ACK.
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


rules_app = typer.Typer(help="Rules as data: build, list and check the rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@rules_app.command("build")
def rules_build(
    corpus: Annotated[Path | None, typer.Argument(help="Corpus folder (default: the bundled corpus).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Rules folder to write (default: the bundled rules).")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="Place of documents whose text does not say (as ingest --jurisdiction).")] = None,
) -> None:
    """Regenerate rule files from benefit facts, keeping reviewed rules untouched."""
    from zhengce import places
    from zhengce.rules.generate import build_rules

    if corpus is not None and not corpus.is_dir():
        fail(f"{corpus}: no such corpus folder")
    place = None
    if jurisdiction is not None:
        place = places.resolve(jurisdiction)
        if place is None:
            close = places.suggest(jurisdiction)
            fail(f"unknown place {jurisdiction!r}" + (f"; did you mean {', '.join(close)}?" if close else ""))
    paths = build_rules(corpus, out, jurisdiction=place)
    console.print(f"wrote {len(paths)} rule files", highlight=False)


@rules_app.command("list")
def rules_list(
    rules_dir: RulesOption = None,
    as_json: JsonOption = False,
    qualifications: Annotated[bool, typer.Option("--qualifications", help="List the statuses a profile may declare, with labels.")] = False,
) -> None:
    """List rules with their review status."""
    if qualifications:  # the vocabulary a profile's qualifications must come from
        from zhengce.rules.profile import qualification_vocab

        vocab = sorted(qualification_vocab().values(), key=lambda q: q["name"])
        if as_json:
            print_json([{"name": q["name"], "label": q["label"], "rules": q.get("rules", [])} for q in vocab])
        else:
            table = Table(title=f"{len(vocab)} qualifications (profile field `qualifications`)")
            for col in ("name", "label", "rules"):
                table.add_column(col, overflow="fold")
            for q in vocab:
                table.add_row(q["name"], q["label"], str(len(q.get("rules", []))))
            console.print(table)
        return
    rules = _load_rules(rules_dir)
    if as_json:
        print_json([r.model_dump(mode="json", exclude_none=True) for r in rules])
        return
    table = Table(title=f"{len(rules)} rules, {sum(r.status == 'reviewed' for r in rules)} reviewed")
    for col in ("rule", "status", "formula", "conditions", "quote"):
        table.add_column(col, overflow="fold")
    for r in rules:
        table.add_row(r.rule_id, r.status, r.formula.type, "; ".join(c.type for c in r.conditions), r.citation.quote[:50])
    console.print(table)


review_app = typer.Typer(
    help="The review queue: rules a person still has to check, most money at stake first; decisions are logged.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")

ReviewRulesOption = Annotated[
    Path | None,
    typer.Option("--rules", help="Rules folder (env ZHENGCE_RULES; default: the bundled rules).", envvar="ZHENGCE_RULES"),
]
RegistryOption = Annotated[
    Path | None,
    typer.Option("--registry", help="Registry (.csv/.parquet) whose money at stake ranks the queue (default: 20,000 synthetic firms)."),
]
ReviewerOption = Annotated[str, typer.Option("--reviewer", help="Who decides (recorded with the time).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (recorded on the rule and in the log).")]
MARK_STYLE = {"amount": "bold green", "rate": "bold cyan", "condition": "bold yellow", "term": "magenta"}


def _ruleset(folder: Path | None):
    from pydantic import ValidationError

    from zhengce.rules.review import RuleSet, rules_folder

    path = rules_folder(folder)
    if not path.is_dir():
        fail(f"{path}: no such rules folder")
    try:
        return RuleSet(path)
    except (ValidationError, ValueError) as exc:
        fail(f"bad rule file: {str(exc).splitlines()[0]}")


def _service(call, *args, **kwargs):
    from zhengce.services import ServiceError

    try:
        return call(*args, **kwargs)
    except ServiceError as exc:
        fail(str(exc))


def _marked_quote(segments: list[dict]) -> str:
    return "".join(f"[{MARK_STYLE[s['mark']]}]{rich_escape(s['text'])}[/]" if s["mark"] else rich_escape(s["text"]) for s in segments)


def _stake_words(r: dict) -> str:
    amount = _yuan(r["stake_yuan"]) if r["amount_known"] else "金额未定"
    return f"{amount}\n可享受 {r['eligible_firms']:,} 家\n待补充 {r['needs_info_firms']:,} 家"


@review_app.command("queue")
def review_queue_cmd(
    rules_dir: ReviewRulesOption = None,
    registry: RegistryOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Screen as of this date (default: today).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rules to list.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Unreviewed rules ranked by the money they decide across a registry (unknown amounts: by firms reached)."""
    from zhengce import services

    ruleset = _ruleset(rules_dir)
    day = _as_of(as_of)
    q = _service(services.review_queue, ruleset, source=services.RegistrySource(registry), as_of=day, limit=limit)
    if as_json:
        print_json(q)
        return
    reg = q["registry"]
    table = Table(title=f"{q['unreviewed']} unreviewed of {q['rules']} rules · {reg['source']} {reg['firms']:,} firms · {q['as_of']}",
                  show_lines=True)  # fmt: skip
    for col in ("#", "rule", "at stake", "machine's reading", "quote"):
        table.add_column(col, overflow="fold")
    for r in q["items"]:
        table.add_row(str(r["rank"]), rich_escape(r["rule_id"]), _stake_words(r), rich_escape(r["description"]), _marked_quote(r["quote_segments"]))
    console.print(table)


@review_app.command("show")
def review_show_cmd(
    rule_id: Annotated[str, typer.Argument(help="Rule id, e.g. 003_984d27a47f4e90c5:03/L131/2.")],
    rules_dir: ReviewRulesOption = None,
    registry: RegistryOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Screen as of this date (default: today).")] = None,
    as_json: JsonOption = False,
) -> None:
    """One rule: the quote (what the machine read is highlighted) beside its reading, the stake and the history."""
    from zhengce import services

    ruleset = _ruleset(rules_dir)
    item = _service(services.review_show, ruleset, rule_id, source=services.RegistrySource(registry), as_of=_as_of(as_of))
    if as_json:
        print_json(item)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_row("[bold]rule[/]", rich_escape(item["rule_id"]))
    grid.add_row("[bold]status[/]", item["status"] + (f" ({rich_escape(item['reviewed_by'])} {item['reviewed_at']})" if item["reviewed_by"] else ""))
    grid.add_row("[bold]at stake[/]", _stake_words(item).replace("\n", " · ") + (f" · queue #{item['rank']}" if item["rank"] else ""))
    grid.add_row("[bold]quote[/]", _marked_quote(item["quote_segments"]))
    grid.add_row("[bold]reading[/]", rich_escape(item["description"]))
    grid.add_row("[bold]cited[/]", rich_escape(f"{item['doc_title'] or item['doc_id']} {item['path']} · {item['file']}:{item['line']}"))
    for h in item["history"]:
        grid.add_row("[bold]history[/]", rich_escape(f"{h['at']} {h['reviewer']} {h['decision']} {json.dumps(h['changes'], ensure_ascii=False) if h['changes'] else ''} {h.get('note') or ''}"))
    console.print(grid)


def _decide(decision: str, rule_id: str, reviewer: str, note: str | None, rules_dir: Path | None,
            changes: dict[str, Any] | None = None, as_json: bool = False) -> None:  # fmt: skip
    from zhengce import services
    from zhengce.rules.review import rules_folder

    folder = rules_folder(rules_dir)
    if not folder.is_dir():
        fail(f"{folder}: no such rules folder")
    out = _service(services.review_decide, folder, rule_id, decision, reviewer, note=note, changes=changes)
    if as_json:
        print_json(out)
        return
    entry = out["log"]
    console.print(f"{rich_escape(rule_id)}: {out['rule']['status']} by {rich_escape(entry['reviewer'])} at {entry['at']}", highlight=False)
    for path, change in entry["changes"].items():
        console.print(f"  {rich_escape(path)}: {rich_escape(json.dumps(change['from'], ensure_ascii=False))} → "
                      f"{rich_escape(json.dumps(change['to'], ensure_ascii=False))}", highlight=False)  # fmt: skip
    console.print(f"  {rich_escape(out['description'])}", highlight=False)


@review_app.command("approve")
def review_approve(rule_id: Annotated[str, typer.Argument(help="Rule id.")], reviewer: ReviewerOption,
                   note: NoteOption = None, rules_dir: ReviewRulesOption = None, as_json: JsonOption = False) -> None:  # fmt: skip
    """The machine read the rule right: mark it reviewed."""
    _decide("approve", rule_id, reviewer, note, rules_dir, as_json=as_json)


@review_app.command("reject")
def review_reject(rule_id: Annotated[str, typer.Argument(help="Rule id.")], reviewer: ReviewerOption,
                  note: NoteOption = None, rules_dir: ReviewRulesOption = None, as_json: JsonOption = False) -> None:  # fmt: skip
    """The rule is not a benefit (or not one we can compute): mark it rejected; it is never offered again."""
    _decide("reject", rule_id, reviewer, note, rules_dir, as_json=as_json)


@review_app.command("correct")
def review_correct(
    rule_id: Annotated[str, typer.Argument(help="Rule id.")],
    assignments: Annotated[list[str], typer.Option("--set", help="field=value (JSON or text), e.g. formula.amount=5000000, period=one_off; repeatable.")],
    reviewer: ReviewerOption,
    note: NoteOption = None,
    rules_dir: ReviewRulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """Correct fields of a rule (validated; an invalid correction writes nothing) and mark it reviewed."""
    from zhengce.rules.review import ReviewError, parse_assignment

    changes: dict[str, Any] = {}
    for text in assignments:
        try:
            key, value = parse_assignment(text)
        except ReviewError as exc:
            fail(str(exc))
        changes[key] = value
    _decide("correct", rule_id, reviewer, note, rules_dir, changes, as_json)


def main() -> None:  # pragma: no cover - entry point
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()

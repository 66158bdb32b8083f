"""Search latency and API throughput.

Usage: .venv/bin/python bench/web.py [--rounds 50] [--seconds 10] [--workers 2] [--clients 4]

1. In-process search latency over the gold queries (../shared/gold/queries.tsv,
   or a built-in list when gold is absent): p50 and p99 over all rounds, against
   a baseline measured in the same run: the same queries as a plain SQL
   `LIKE '%word%'` scan over clause text, ranked by words matched (no index).
2. API throughput: `zhengce serve --workers N` on 127.0.0.1, and a
   local load generator (threads with keep-alive connections, in another
   process) calling /api/search and POST /api/match for a fixed time. Server
   and load generator share the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from zhengce.ingest import bundled_corpus, ingest_paths
from zhengce.search.index import search, tokens
from zhengce.store import sqlite as store

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "gold" / "queries.tsv"
FALLBACK = ["算力券 补贴比例", "出租汽车 拒载", "企业上市 奖励", "容缺受理", "燃气管道 保护范围"]


def queries() -> list[str]:
    if GOLD.exists():
        return [r["query"] for r in csv.DictReader(GOLD.open(encoding="utf-8"), delimiter="\t")]
    return FALLBACK


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def like_baseline(conn, q: str) -> list:
    """The same job without an index: scan every clause with LIKE, rank by words matched, keep 10."""
    words = tokens(q)
    sql = "SELECT n.id, n.text FROM nodes n JOIN documents d ON d.rowid = n.document_rowid WHERE d.is_current = 1 AND (" + " OR ".join(
        "n.text LIKE ?" for _ in words
    ) + ")"
    rows = conn.execute(sql, [f"%{w}%" for w in words]).fetchall()
    return sorted(rows, key=lambda r: -sum(r[1].count(w) for w in words))[:10]


def latency(db: Path, rounds: int) -> None:
    conn = store.connect(db, create=False)
    qs = queries()
    for q in qs:  # warm caches and jieba
        search(conn, q, limit=10)
    ours, base = [], []
    for _ in range(rounds):
        for q in qs:
            t0 = time.perf_counter()
            search(conn, q, limit=10)
            ours.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            like_baseline(conn, q)
            base.append((time.perf_counter() - t0) * 1000)
    print(f"search latency, {len(qs)} queries × {rounds} rounds: p50 {pct(ours, 50):.2f} ms, p99 {pct(ours, 99):.2f} ms "
          f"(targets < 20 ms, < 100 ms); LIKE-scan baseline p50 {pct(base, 50):.2f} ms, p99 {pct(base, 99):.2f} ms "
          f"→ median ratio {statistics.median(base) / statistics.median(ours):.1f}×")  # fmt: skip


def load(port: int, method: str, path: str, body: bytes | None, seconds: float, clients: int) -> tuple[float, float, int]:
    counts, lat, errors = [0] * clients, [[] for _ in range(clients)], [0] * clients
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle/delayed-ACK stalls
        headers = {"Content-Type": "application/json"} if body else {}
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors[i] += 1
            counts[i] += 1
            lat[i].append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    all_lat = [x for xs in lat for x in xs]
    return sum(counts) / seconds, pct(all_lat, 50), sum(errors)


def client_main(port: int, seconds: float, clients: int) -> None:
    """Run in a separate process: the load generator."""
    q = urllib.parse.quote("算力券 补贴")
    profile = (ROOT / "examples" / "profile.json").read_bytes()
    for name, method, path, body in [
        ("GET /api/search", "GET", f"/api/search?q={q}&limit=10", None),
        ("POST /api/match", "POST", "/api/match?as_of=2025-09-01", profile),
    ]:
        load(port, method, path, body, 1.0, clients)  # warm-up
        rps, p50, errs = load(port, method, path, body, seconds, clients)
        print(f"{name}: {rps:,.0f} requests/s, p50 {p50:.1f} ms, {errs} errors ({clients} keep-alive clients, {seconds:.0f} s)", flush=True)


def throughput(db: Path, seconds: float, workers: int, clients: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    zhengce = Path(sys.executable).with_name("zhengce")
    server = subprocess.Popen(
        [str(zhengce), "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
    )  # the product's own `zhengce serve`
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/api/departments")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)
        print(f"API throughput: {workers} uvicorn workers on 127.0.0.1", flush=True)
        subprocess.run([sys.executable, __file__, "--client", str(port), "--seconds", str(seconds), "--clients", str(clients)], check=True)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client:
        client_main(args.client, args.seconds, args.clients)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "web.db"
        conn = store.connect(db)
        ingest_paths(conn, [bundled_corpus()])
        conn.close()
        latency(db, args.rounds)
        throughput(db, args.seconds, args.workers, args.clients)


if __name__ == "__main__":
    main()

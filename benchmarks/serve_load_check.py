"""Load check of `bpr serve`: N concurrent audit jobs against a real server on 127.0.0.1.

    python benchmarks/serve_load_check.py                    # 20 clients, the sample catalogue
    python benchmarks/serve_load_check.py --clients 20 --workers 2 --file samples/catalogue_template.xlsx

1. Starts `bpr serve --host 127.0.0.1 --port P --data TMP` as a child process (the installed CLI,
   this checkout first on PYTHONPATH) and waits until it answers.
2. Computes the expected result once, in this process, with the library the CLI calls
   (bpr.runs.run_audit on the same file).
3. N client threads, released at once by a barrier, each POST /api/audit the file (each under
   its own name, half of them into one shared workspace, the rest one workspace each) and poll
   GET /api/jobs/ID until the job ends (bounded by --timeout).
4. Checks, for every client: 202 with a job id, distinct ids, status done, the stored upload
   byte-identical to the file sent (sha256 of DATA/<ws>/jobs/<id>/in/file/*: no lost or swapped
   upload), result.json indicators and finding count equal to the expected ones, and each
   workspace lists exactly its own jobs.
5. Prints the wall time, upload (202) latency and job latency (median, max) and jobs per minute;
   exits 1 when any check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _expected(path: Path) -> dict:
    from bpr.runs import run_audit

    with tempfile.TemporaryDirectory() as tmp:
        run_audit(path, Path(tmp) / "out")
        return json.loads((Path(tmp) / "out" / "result.json").read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="the server's --workers (jobs at once)")
    parser.add_argument("--file", type=Path, default=ROOT / "samples" / "catalogue_template.xlsx")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for all jobs to end")
    args = parser.parse_args()

    content = args.file.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    expected = _expected(args.file)
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        server = subprocess.Popen(
            [sys.executable, "-c", "from bpr.cli import main; main()", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--data", str(data), "--workers", str(args.workers)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    print("server did not start:", server.stdout.read() if server.poll() is not None else "")
                    return 1
                time.sleep(0.2)
            return _run(args, base, data, content, digest, expected)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def _run(args, base: str, data: Path, content: bytes, digest: str, expected: dict) -> int:
    n = args.clients
    barrier = threading.Barrier(n)
    outcome: list[dict] = [{} for _ in range(n)]

    def client(i: int) -> None:
        workspace = "shared" if i % 2 == 0 else f"user{i}"
        record = outcome[i]
        record["workspace"] = workspace
        with httpx.Client(base_url=base, timeout=120) as http:
            barrier.wait()
            t0 = time.monotonic()
            try:
                r = http.post("/api/audit", files={"file": (f"清单-{i}.xlsx", content)}, data={"workspace": workspace})
            except httpx.HTTPError as exc:
                record["error"] = f"upload: {exc}"
                return
            record["upload_s"] = time.monotonic() - t0
            if r.status_code != 202:
                record["error"] = f"upload: HTTP {r.status_code} {r.text[:200]}"
                return
            job = record["job"] = r.json()["job"]
            end = time.monotonic() + args.timeout
            while time.monotonic() < end:
                status = http.get(f"/api/jobs/{job}").json()
                if status["status"] in ("done", "failed"):
                    record["job_s"] = time.monotonic() - t0
                    record["status"] = status
                    return
                time.sleep(0.5)
            record["error"] = "timed out"

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start

    problems = []
    ids = [r.get("job") for r in outcome]
    if len(set(ids)) != n or None in ids:
        problems.append(f"job ids not distinct or missing: {ids}")
    for i, r in enumerate(outcome):
        if "error" in r:
            problems.append(f"client {i}: {r['error']}")
            continue
        status = r["status"]
        if status["status"] != "done":
            problems.append(f"client {i}: job {status['status']}: {status.get('error')}")
            continue
        stored = list((data / r["workspace"] / "jobs" / r["job"] / "in" / "file").iterdir())
        if len(stored) != 1 or hashlib.sha256(stored[0].read_bytes()).hexdigest() != digest:
            problems.append(f"client {i}: stored upload differs from the file sent ({stored})")
        result = status["result"]
        if result["indicators"] != expected["indicators"]:
            problems.append(f"client {i}: indicators differ from the library's")
        if len(result["findings"]) != len(expected["findings"]):
            problems.append(f"client {i}: {len(result['findings'])} findings, expected {len(expected['findings'])}")
    with httpx.Client(base_url=base) as http:
        for workspace in sorted({r["workspace"] for r in outcome}):
            listed = {j["id"] for j in http.get(f"/api/workspaces/{workspace}/jobs").json()}
            mine = {r.get("job") for r in outcome if r["workspace"] == workspace}
            if listed != mine:
                problems.append(f"workspace {workspace}: lists {len(listed)} jobs, {len(mine)} were sent there")

    uploads = [r["upload_s"] for r in outcome if "upload_s" in r]
    jobs = [r["job_s"] for r in outcome if "job_s" in r]
    done = sum(1 for r in outcome if r.get("status", {}).get("status") == "done")
    print(f"bpr serve load check: {n} concurrent audit jobs of {args.file.name} ({len(content):,} bytes), "
          f"server --workers {args.workers}, {os.cpu_count()} CPUs")
    print(f"  done {done}/{n}; wall {wall:.1f} s; {done / wall * 60:.1f} jobs/min")
    if uploads:
        print(f"  upload (202) latency: median {statistics.median(uploads):.2f} s, max {max(uploads):.2f} s")
    if jobs:
        print(f"  job latency (upload to done): median {statistics.median(jobs):.1f} s, max {max(jobs):.1f} s")
    print(f"  expected: {expected['indicators'].get('matters')} matters, {len(expected['findings'])} findings "
          f"(bpr.runs.run_audit in this process)")
    if problems:
        print("FAILED:")
        for p in problems:
            print("  " + p)
        return 1
    print("  all results equal the library's, every stored upload byte-identical, workspaces list their own jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

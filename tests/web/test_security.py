"""`bpr serve`'s guards: upload size limit, file names that cannot leave their folder, CSRF on form
posts, the content-security policy, the access token off localhost, the Host check, escaping, and
two workspaces that never see or overwrite each other's files."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from bpr.web.app import create_app  # noqa: E402
from bpr.web.jobs import Job, JobStore  # noqa: E402
from bpr.web.security import CSRF_COOKIE, PAGE_CSP, stored_name  # noqa: E402


def _echo(job: Job, in_dir: Path, out: Path) -> None:
    """A stand-in command: its result is the uploaded file's bytes (to see whose file a job read)."""
    source = in_dir / job.files["file"]
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps({"kind": "catalogue", "text": source.read_text(encoding="utf-8"),
                                                 "stored": job.files["file"], "matters": 1, "materials": 0,
                                                 "steps": 0, "departments": [], "warnings": []}), encoding="utf-8")


def _store(data: Path, workers: int = 4) -> JobStore:
    return JobStore(data, workers=workers, runners={k: _echo for k in ("inspect", "audit")})


def _wait(client: TestClient, job: str, workspace: str | None = None) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job}", params={"workspace": workspace} if workspace else None).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError("job did not finish")


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(tmp_path, store=_store(tmp_path), max_upload=4096)) as c:
        yield c


def _csrf(client: TestClient) -> str:
    """Open a page as a browser would: it sets the CSRF cookie the forms repeat."""
    assert client.get("/").status_code == 200
    return client.cookies[CSRF_COOKIE]


def test_upload_over_the_limit_is_refused_and_leaves_nothing(client, tmp_path):
    r = client.post("/api/inspect", files={"file": ("big.csv", b"x" * 5000)}, data={"workspace": "w"})
    assert r.status_code == 413 and "MB" in r.json()["detail"]
    assert not list((tmp_path / "w" / "jobs").glob("*/in/file/*"))  # no half-stored upload
    token = _csrf(client)
    r = client.post("/w/w/upload", files={"file": ("big.csv", b"x" * 5000)}, data={"csrf": token})
    assert r.status_code == 413
    # within the limit it is taken
    assert client.post("/api/inspect", files={"file": ("ok.csv", b"x" * 100)},
                       headers={"x-csrf-token": token}).status_code == 202


def test_a_declared_length_over_the_limit_is_refused_before_reading(client):
    r = client.post("/api/inspect", content=b"x", headers={"content-length": str(10 << 20),
                                                             "content-type": "multipart/form-data; boundary=b"})
    assert r.status_code == 413


@pytest.mark.parametrize("name", ["../../../etc/passwd.csv", "..\\..\\win.ini.csv", "/abs/path/evil.csv",
                                  "a/../../b.csv", "....//x.csv", "con.csv", "\x00nul.csv", ".hidden.csv"])
def test_upload_names_cannot_leave_their_folder(client, tmp_path, name):
    job = client.post("/api/inspect", files={"file": (name, b"hello")}, data={"workspace": "w"}).json()["job"]
    status = _wait(client, job)
    assert status["status"] == "done" and status["result"]["text"] == "hello"
    stored = status["result"]["stored"]
    assert stored.startswith("file/") and "/" not in stored[5:] and ".." not in stored and "\\" not in stored
    path = (tmp_path / "w" / "jobs" / job / "in" / stored).resolve()
    assert path.is_file() and path.parent == (tmp_path / "w" / "jobs" / job / "in" / "file").resolve()
    # nothing was written anywhere else under the data folder
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and p.read_bytes() == b"hello"]
    assert outside == [path]


def test_stored_names_keep_the_extension_and_drop_the_path():
    assert stored_name("../../x/事项清单.xlsx").endswith("事项清单.xlsx")
    assert stored_name("C:\\Users\\a\\log.csv.gz") == "log.csv.gz"
    assert stored_name("") == "upload" and stored_name(None, "plan") == "plan"
    for name in ("..", ".", "../..", "/"):
        assert stored_name(name) not in ("", ".", "..")


@pytest.mark.parametrize("path", ["/w/..%2F..%2Fetc/", "/w/a%2Fb/", "/api/jobs/..%2F..%2Fjob.json",
                                  "/api/workspaces/..%2Fx/jobs", "/static/..%2F..%2Fjobs.py",
                                  "/static/../web/jobs.py"])
def test_no_path_traversal_in_urls(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404), (path, r.status_code)
    assert "JobStore" not in r.text


def test_bad_workspace_names_are_refused(client):
    for name in ("../x", "a/b", "..", "x" * 65, "a b", "a\x00b"):  # (an empty field is the default one)
        r = client.post("/api/inspect", files={"file": ("a.csv", b"1")}, data={"workspace": name})
        assert r.status_code in (400, 422), name


def test_form_posts_need_the_csrf_token(client):
    # no cookie and no token: a forged form post from elsewhere
    assert client.post("/workspaces", data={"name": "x"}).status_code == 403
    token = _csrf(client)
    assert client.post("/workspaces", data={"name": "x", "csrf": "wrong"}).status_code == 403
    assert client.post("/workspaces", data={"name": "x"}).status_code == 403  # cookie alone is not enough
    ok = client.post("/workspaces", data={"name": "x", "csrf": token}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/w/x/"
    r = client.post("/w/x/upload", files={"file": ("a.csv", b"1")}, follow_redirects=False)
    assert r.status_code == 403
    # with a browser's cookie the API wants the token too (in the X-CSRF-Token header)
    assert client.post("/api/inspect", files={"file": ("a.csv", b"1")}).status_code == 403
    assert client.post("/api/inspect", files={"file": ("a.csv", b"1")},
                       headers={"x-csrf-token": token}).status_code == 202


def test_cross_site_posts_are_refused(client):
    token = _csrf(client)
    for headers in ({"origin": "http://evil.example"}, {"origin": "null"}, {"sec-fetch-site": "cross-site"}):
        r = client.post("/workspaces", data={"name": "y", "csrf": token}, headers=headers)
        assert r.status_code == 403, headers


def test_every_response_has_the_content_security_policy(client):
    for path in ("/", "/w/x/", "/api/openapi.json", "/static/app.js", "/nowhere"):
        r = client.get(path)
        assert r.headers["content-security-policy"] == PAGE_CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"
    directives = dict(d.strip().split(" ", 1) for d in PAGE_CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src-elem"] == "'self'"
    assert [d for d, v in directives.items() if "unsafe" in v] == ["style-src-attr"]  # attributes only
    assert "frame-ancestors 'none'" in PAGE_CSP


def test_names_are_escaped_in_pages(client):
    token = _csrf(client)
    evil = '<img src=x onerror=alert(1)>.csv'
    r = client.post("/w/x/upload", files={"file": (evil, b"1")}, data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    job = r.headers["location"].rstrip("/").split("/")[-1]
    _wait(client, job)
    for page in (client.get("/w/x/").text, client.get(r.headers["location"]).text):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_token_is_required_when_set(tmp_path):
    app = create_app(tmp_path, token="s3cret", store=_store(tmp_path))
    with TestClient(app) as c:
        assert c.get("/").status_code == 401
        assert c.get("/api/openapi.json").status_code == 401
        assert c.get("/", params={"token": "wrong"}).status_code == 401
        assert c.get("/api/jobs/" + "0" * 32, headers={"authorization": "Bearer s3cret"}).status_code == 404
        r = c.get("/", params={"token": "s3cret"})  # the printed address: the token becomes a cookie
        assert r.status_code == 200
        assert c.get("/w/x/").status_code == 200
        r = c.post("/api/inspect", files={"file": ("a.csv", b"1")}, headers={"authorization": "Bearer s3cret"})
        assert r.status_code in (202, 403)  # 403: a browser cookie without the CSRF header


def test_host_check_against_dns_rebinding(tmp_path):
    app = create_app(tmp_path, allowed_hosts=("127.0.0.1", "localhost"), store=_store(tmp_path))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/").status_code == 200
        assert c.get("/", headers={"host": "attacker.example:8765"}).status_code == 403


def test_serve_prints_a_token_off_localhost_and_none_on_it(tmp_path, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from bpr.cli.serve import serve_command

    seen = {}

    def fake_run(app, host, port, **kw):
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr(uvicorn, "run", fake_run)
    out = CliRunner().invoke(serve_command, ["--host", "0.0.0.0", "--port", "9999", "--data", str(tmp_path / "d")])
    assert out.exit_code == 0, out.output
    token = seen["app"].state.token
    assert token and len(token) >= 24 and f"?token={token}" in out.output
    with TestClient(seen["app"]) as c:
        assert c.get("/").status_code == 401
        assert c.get("/", params={"token": token}).status_code == 200
    out = CliRunner().invoke(serve_command, ["--port", "9998", "--data", str(tmp_path / "d")])
    assert out.exit_code == 0 and "token" not in out.output and seen["app"].state.token is None
    assert "http://127.0.0.1:9998/" in out.output


def test_two_workspaces_do_not_see_or_overwrite_each_other(client):
    results: dict[str, str] = {}

    def user(workspace: str, text: str) -> None:
        r = client.post("/api/audit", files={"file": ("事项清单.csv", text.encode())}, data={"workspace": workspace})
        results[workspace] = r.json()["job"]

    threads = [threading.Thread(target=user, args=(ws, f"content of {ws}")) for ws in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for ws, other in (("alice", "bob"), ("bob", "alice")):
        job = results[ws]
        assert _wait(client, job, ws)["result"]["text"] == f"content of {ws}"  # the same file name, its own copy
        # the other workspace does not see the job: not in its list, not by its pages or reports
        assert [j["id"] for j in client.get(f"/api/workspaces/{other}/jobs").json()] == [results[other]]
        assert client.get(f"/api/jobs/{job}", params={"workspace": other}).status_code == 404
        assert client.get(f"/w/{other}/jobs/{job}").status_code == 404
        assert client.get(f"/api/jobs/{job}/report.html", params={"workspace": other}).status_code == 404

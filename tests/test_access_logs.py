"""The token of a mailed link stays out of the servers' access logs (Werkzeug's and gunicorn's)."""

from __future__ import annotations

import http.client
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from evc.config import ROOT

TOKEN = "Zm9vYmFyLWdlaGVpbS10b2tlbi12b29yLWRlLXRlc3Q"
LINKS = (f"/uitnodiging/{TOKEN}", f"/wachtwoord-herstellen/{TOKEN}", f"/verklaring/{TOKEN}")


def _get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Referer": f"http://127.0.0.1:{port}{path}"})
        response = connection.getresponse()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def test_werkzeugs_access_log_shows_the_link_without_its_token(app, caplog):
    server = make_server("127.0.0.1", 0, app)  # the server of `flask run` and so `make run`
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            answers = [_get(server.server_port, link) for link in LINKS]
    finally:
        server.shutdown()
        thread.join()
    assert [status for status, _location in answers] == [302, 302, 302]
    assert all(TOKEN not in location for _status, location in answers)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len(lines) == 3 and "GET /uitnodiging/*** HTTP/1.1" in lines[0]
    assert not [line for line in lines if TOKEN in line]


def _gunicorn(tmp_path: Path, access_log: Path, error_log: Path) -> subprocess.Popen:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("EVC_")}
    environment.update(
        EVC_SECRET_KEY="x" * 32,
        EVC_DATABASE_URL=f"sqlite:///{tmp_path / 'evc.sqlite3'}",
        EVC_SESSION_COOKIE_SECURE="false",
        EVC_UPLOAD_DIR=str(tmp_path / "uploads"),
        EVC_KEY_DIR=str(tmp_path / "keys"),
    )
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:0"]
    command += ["--access-logfile", str(access_log), "--access-logformat", GUNICORN_FORMAT]
    command += ["--error-logfile", str(error_log)]
    return subprocess.Popen([*command, "evc:create_app()"], cwd=ROOT, env=environment)


# gunicorn's default format (the request line %(r)s, the Referer %(f)s), and the path (%(U)s).
GUNICORN_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(U)s'


def _listening_port(process: subprocess.Popen, error_log: Path) -> int:
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        text = error_log.read_text() if error_log.exists() else ""
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
        if found:
            return int(found.group(1))
        time.sleep(0.1)
    pytest.fail("gunicorn did not start")


def _get_when_ready(port: int, path: str) -> tuple[int, str]:
    deadline = time.monotonic() + 30
    while True:
        try:
            return _get(port, path)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_gunicorns_access_log_shows_the_link_without_its_token(tmp_path):
    access_log, error_log = tmp_path / "access.log", tmp_path / "error.log"
    process = _gunicorn(tmp_path, access_log, error_log)
    try:
        port = _listening_port(process, error_log)
        answers = [_get_when_ready(port, link) for link in LINKS]
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert [status for status, _location in answers] == [302, 302, 302]
    lines = access_log.read_text().splitlines()
    assert len(lines) == 3 and '"GET /uitnodiging/*** HTTP/1.1" 302' in lines[0]
    assert not [line for line in lines if TOKEN in line]

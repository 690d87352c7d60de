"""Portfolio speed and upload memory, as ratios against baselines measured in the same run.

(a) The portfolio overview with 200 evidence items (rows inserted directly, no files): requests
    per second as a ratio to a bare Flask page, and its SQL statement count next to the count
    for a portfolio of 3 items (they must be equal: the page must not query per item).
(b) A 20 MB PDF uploaded through the test client, from a file on disk: how much the process
    grows while the upload is received, checked, hashed and stored. Measured twice: Python
    allocations (``tracemalloc`` peak minus the level before) and the resident set
    (``resource.getrusage`` ``ru_maxrss`` after minus before; first glibc's ``malloc_trim``
    returns freed memory, so that reusing it cannot hide growth, and the peak is reset through
    ``/proc/self/clear_refs`` where Linux allows it). A 10 MB object measured the same way is
    printed as a calibration. The goal is less than 5 MB: the file is streamed to disk, never
    held whole in memory.

Runs in-process through the WSGI test client on a temporary SQLite database and upload folder:

    .venv/bin/python bench/portfolio.py
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

from pages import PASSWORD, baseline_rate, logged_in, queries_for, rate
from sqlalchemy import select

from evc import create_app
from evc.accounts.models import Membership, Organisation, Role, User
from evc.accounts.passwords import hash_password
from evc.db import utcnow
from evc.demo import seed_demo
from evc.extensions import db
from evc.models import metadata
from evc.portfolio.models import EvidenceItem, EvidenceKind, EvidenceLink
from evc.procedure.models import CompetencyChoice, GoalKind, Intake, Trajectory
from evc.procedure.phases import Phase

MB = 1_000_000
UPLOAD_BYTES = 20 * MB
GOAL_MB = 5.0
COMPETENCIES = ("communicating", "cooperating", "showing_reliability")
PDF_HEAD = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"


def build_app(folder: Path):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": False,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "UPLOAD_DIR": str(folder / "uploads"),
        }
    )
    with app.app_context():
        metadata.create_all(db.engine)
        seed_demo(PASSWORD)
        db.session.commit()
    return app


def volunteer_with_items(email: str, items: int) -> int:
    """A volunteer in recognition with three chosen competencies and ``items`` evidence rows,
    inserted directly (half linked to two competencies); returns the trajectory id."""
    organisation = db.session.scalar(
        select(Organisation.id).where(Organisation.name == "Vrijwilligerscentrum De Brug")
    )
    supervisor = db.session.scalar(select(User.id).where(User.email == "begeleider@example.org"))
    person = User(
        email=email, display_name=email.split("@")[0].title(), password_hash=hash_password(PASSWORD)
    )
    db.session.add(person)
    db.session.flush()
    db.session.add(Membership(user_id=person.id, organisation_id=organisation, role=Role.VOLUNTEER))
    trajectory = Trajectory(
        organisation_id=organisation,
        volunteer_id=person.id,
        supervisor_id=supervisor,
        phase=Phase.RECOGNITION,
        framework_id="evc-a",
        framework_version="2026.1",
        last_activity_at=utcnow(),
    )
    db.session.add(trajectory)
    db.session.flush()
    today = date.today()
    db.session.add(
        Intake(
            trajectory_id=trajectory.id,
            held_on=today - timedelta(days=90),
            goal_kind=GoalKind.SELF_INSIGHT,
            goal="Weten wat ik kan.",
            work_organisation="Buurthuis",
            work_tasks="Koffie schenken",
            meeting_plan="Elke twee weken.",
            target_submission_date=today + timedelta(days=60),
            confirmed_at=utcnow(),
        )
    )
    db.session.add_all(
        CompetencyChoice(trajectory_id=trajectory.id, competency_id=c) for c in COMPETENCIES
    )
    kinds = list(EvidenceKind)
    rows = [
        EvidenceItem(
            trajectory_id=trajectory.id,
            kind=kinds[n % len(kinds)],
            title=f"Bewijs {n}",
            description="Wat ik deed en wat ik ervan leerde. " * 3,
            activity_from=today - timedelta(days=n * 9),
            activity_to=None,
            work_context=f"Plek {n % 7}",
            file_size=0,
            updated_at=utcnow(),
        )
        for n in range(items)
    ]
    db.session.add_all(rows)
    db.session.flush()
    for n, row in enumerate(rows):
        db.session.add(EvidenceLink(item_id=row.id, competency_id=COMPETENCIES[n % 3]))
        if n % 2:
            db.session.add(EvidenceLink(item_id=row.id, competency_id=COMPETENCIES[(n + 1) % 3]))
    db.session.commit()
    return trajectory.id


def overview_benchmark(app) -> None:
    with app.app_context():
        many = volunteer_with_items("veel@example.org", 200)
        few = volunteer_with_items("weinig@example.org", 3)
    many_client = logged_in(app, "veel@example.org")
    few_client = logged_in(app, "weinig@example.org")
    many_path, few_path = f"/trajecten/{many}/portfolio", f"/trajecten/{few}/portfolio"
    page = many_client.get(many_path).get_data(as_text=True)
    assert page.count("data-item=") == 200, "the overview does not show the 200 items"

    base = baseline_rate()
    per_second = rate(many_client, many_path)
    statements_many = queries_for(app, many_client, many_path)
    statements_few = queries_for(app, few_client, few_path)
    print(f"baseline (bare Flask page):        {base:8.0f} req/s = 1.00")
    print(
        f"portfolio overview, 200 items:     {per_second:8.0f} req/s = "
        f"{per_second / base:5.3f} of baseline ({1000 / per_second:.0f} ms per page)"
    )
    print(f"SQL statements, overview 200 items: {statements_many}")
    print(f"SQL statements, overview   3 items: {statements_few}")
    verdict = "equal" if statements_many == statements_few else "NOT EQUAL: grows with items"
    print(f"  -> {verdict}")


def write_big_pdf(path: Path, size: int) -> None:
    """A PDF of exactly ``size`` bytes, written in 1 MB pieces (never whole in memory)."""
    piece = b"%" + b"x" * (MB - 2) + b"\n"
    with path.open("wb") as handle:
        handle.write(PDF_HEAD)
        left = size - len(PDF_HEAD)
        while left > 0:
            handle.write(piece[:left])
            left -= min(left, len(piece))


def multipart_file(folder: Path, fields: dict, source: Path) -> tuple[Path, str]:
    """The request body on disk, as a browser would send it (so the client holds no copy)."""
    boundary = "bench-boundary-5c1e"
    body = folder / "body.bin"
    with body.open("wb") as out:
        for name, value in fields.items():
            for one in value if isinstance(value, list) else [value]:
                out.write(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                    f"\r\n\r\n{one}\r\n".encode()
                )
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{source.name}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        )
        with source.open("rb") as handle:
            while chunk := handle.read(MB):
                out.write(chunk)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


def prepare_upload(client, trajectory_id: int, folder: Path, source: Path, title: str):
    """The add form's address and the body (on disk) that adds ``source`` as a document."""
    url = f"/trajecten/{trajectory_id}/portfolio/nieuw"
    form = client.get(url).get_data(as_text=True)
    fields = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form).group(1),
        "once": re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1),
        "kind": "document",
        "title": title,
        "description": "Het draaiboek.",
        "activity_from": (date.today() - timedelta(days=5)).isoformat(),
        "activity_to": "",
        "work_context": "Buurthuis De Brug",
        "competencies": ["communicating"],
        "version_id": "",
    }
    body, content_type = multipart_file(folder, fields, source)
    return url, body, content_type


def post_body(client, url: str, body: Path, content_type: str):
    """Post the body straight from disk, as a WSGI server hands a request to the app."""
    with body.open("rb") as stream:
        response = client.post(url, input_stream=stream, content_type=content_type)
    body.unlink()
    return response


def release_free_memory() -> None:
    """Give memory that malloc keeps after a free back to the system (glibc), so that the
    resident set can only grow by what is really allocated during the measurement."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def reset_rss_peak() -> bool:
    """Reset the peak resident set (and so ``ru_maxrss``) to the current size, if allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def maxrss_mb() -> float:
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes * (1 if sys.platform != "darwin" else 1 / 1024) / 1000


def measured(action) -> tuple[object, float, float, bool]:
    """Run ``action``; return its result, the growth of Python allocations (tracemalloc peak
    minus before) and of the resident set (ru_maxrss after minus before), in MB."""
    gc.collect()
    tracemalloc.start()
    release_free_memory()
    reset = reset_rss_peak()
    rss_before = maxrss_mb()
    traced_before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    result = action()
    _, traced_peak = tracemalloc.get_traced_memory()
    rss_after = maxrss_mb()
    tracemalloc.stop()
    return result, (traced_peak - traced_before) / MB, rss_after - rss_before, reset


def upload_benchmark(app, folder: Path) -> None:
    with app.app_context():
        trajectory_id = db.session.scalar(
            select(Trajectory.id)
            .join(User, User.id == Trajectory.volunteer_id)
            .where(User.email == "vrijwilliger@example.org")
        )
    client = logged_in(app, "vrijwilliger@example.org")
    small, big = folder / "klein.pdf", folder / "draaiboek.pdf"
    write_big_pdf(small, 200_000)
    write_big_pdf(big, UPLOAD_BYTES)
    # Warm-up: every import and cache an upload needs is loaded before measuring.
    warm_up = prepare_upload(client, trajectory_id, folder, small, "Warm-up")
    assert post_body(client, *warm_up).status_code == 302

    # Calibration: the same two measurements around an object of 10 MB held in memory.
    _, calibration_python, calibration_rss, _ = measured(lambda: len(b"x" * (10 * MB)))
    request = prepare_upload(client, trajectory_id, folder, big, "Groot draaiboek")
    started = time.perf_counter()
    response, python_mb, rss_mb, reset = measured(lambda: post_body(client, *request))
    seconds = time.perf_counter() - started

    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True))
    with app.app_context():
        item = db.session.scalar(
            select(EvidenceItem).where(EvidenceItem.title == "Groot draaiboek")
        )
        stored = Path(app.config["UPLOAD_DIR"]) / item.file_key
        assert item.file_size == UPLOAD_BYTES == stored.stat().st_size
    print(
        f"upload of a {UPLOAD_BYTES / MB:.0f} MB PDF through the test client: {seconds:.2f} s, "
        f"stored {item.file_size / MB:.1f} MB"
    )
    print(
        f"  Python allocations (tracemalloc peak - before): {python_mb:6.2f} MB"
        f"  [{'ok' if python_mb < GOAL_MB else 'OVER'} goal < {GOAL_MB:.0f} MB]"
    )
    note = "" if reset else " (peak could not be reset: a lower bound)"
    print(
        f"  resident set (ru_maxrss after - before):        {rss_mb:6.2f} MB"
        f"  [{'ok' if rss_mb < GOAL_MB else 'OVER'} goal < {GOAL_MB:.0f} MB]{note}"
    )
    print(f"  size of the upload, for scale:                  {UPLOAD_BYTES / MB:6.2f} MB")
    print(
        f"  calibration, a 10 MB object measured the same way: tracemalloc "
        f"{calibration_python:.2f} MB, ru_maxrss {calibration_rss:.2f} MB"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app = build_app(folder)
        print("(a) portfolio overview")
        overview_benchmark(app)
        print()
        print("(b) upload memory")
        upload_benchmark(app, folder)


if __name__ == "__main__":
    main()

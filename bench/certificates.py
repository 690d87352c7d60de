"""Certificate speed, as ratios measured in the same run.

1. Issuing a certificate (collecting the data, QR code, template, WeasyPrint with the locked
   fetcher, hash, rows, phase change, mail) against a bare WeasyPrint render of the same HTML.
   Target: at most 1.5 ×.
2. Downloading an issued certificate (login session, permission check, stored bytes) against
   issuing it. Target: at least 50 × faster.

Runs in-process on a temporary SQLite database with the demo data. Each issue is rolled back
afterwards, so the same trajectory is issued again. Bare render, issue and downloads are
measured in alternation (medians), so load from other processes weighs on all alike.

    .venv/bin/python bench/certificates.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from weasyprint import HTML

from evc import create_app
from evc.accounts.models import User
from evc.certificates import issuing, services
from evc.certificates.models import Certificate
from evc.certificates.pdf import PDF_VARIANT, certificate_html, static_root
from evc.db import utcnow
from evc.demo import seed_demo
from evc.extensions import db
from evc.models import metadata
from evc.procedure.models import Trajectory

PASSWORD = "a password for the benchmark"
RUNS = 12


DOWNLOADS_PER_RUN = 10


def main() -> None:
    """Issue, bare render and downloads measured in alternation (medians), so that load from
    other processes on the machine weighs on all three alike."""
    bare_times, issue_times, download_times = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SESSION_COOKIE_SECURE": False,
                "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                "UPLOAD_DIR": str(Path(folder) / "uploads"),
                "KEY_DIR": str(Path(folder) / "keys"),
                "WTF_CSRF_ENABLED": False,
            }
        )
        with app.app_context():
            metadata.create_all(db.engine)
            seed_demo(PASSWORD)
            db.session.commit()
            with app.test_request_context():
                trajectory_id = _ready_trajectory("samira@example.org").id
            certificate_id = db.session.scalar(select(Certificate.id))
        client = app.test_client()
        response = client.post("/login", data={"email": "lotte@example.org", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        for run in range(RUNS + 1):  # the first run warms up and is not counted
            with app.app_context(), app.test_request_context():
                bare_s, issue_s = _issue_and_bare(trajectory_id)
            downloads = [_download(client, certificate_id) for _ in range(DOWNLOADS_PER_RUN)]
            if run:
                bare_times.append(bare_s)
                issue_times.append(issue_s)
                download_times.extend(downloads)
    bare_s, issue_s = statistics.median(bare_times), statistics.median(issue_times)
    download_s = statistics.median(download_times)
    print(f"bare WeasyPrint render     {bare_s * 1000:8.1f} ms")
    print(f"issue a certificate        {issue_s * 1000:8.1f} ms")
    print(f"download an issued one     {download_s * 1000:8.2f} ms")
    print(f"issue / bare render        {issue_s / bare_s:8.2f} x   (target <= 1.5)")
    print(f"issue / download           {issue_s / download_s:8.1f} x   (target >= 50)")


def _issue_and_bare(trajectory_id: int) -> tuple[float, float]:
    trajectory = db.session.get(Trajectory, trajectory_id)
    data = issuing.certificate_data(trajectory, number="BNCH-0000-0000-0000", issued_at=utcnow())
    html = certificate_html(data)
    start = time.perf_counter()
    HTML(string=html, base_url=static_root().as_uri() + "/").write_pdf(
        pdf_variant=PDF_VARIANT, pdf_tags=True
    )
    bare_s = time.perf_counter() - start
    db.session.rollback()
    db.session.expire_all()  # issue from a fresh read, as a request would
    trajectory = db.session.get(Trajectory, trajectory_id)
    start = time.perf_counter()
    issuing.issue_certificate(trajectory, actor=trajectory.supervisor)
    db.session.flush()
    issue_s = time.perf_counter() - start
    db.session.rollback()
    return bare_s, issue_s


def _download(client, certificate_id: int) -> float:
    start = time.perf_counter()
    got = client.get(f"/certificaten/{certificate_id}/pdf")
    elapsed = time.perf_counter() - start
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    return elapsed


def _ready_trajectory(email: str) -> Trajectory:
    """The demo trajectory in the final interview, with the interview and an agreed plan."""
    volunteer = db.session.scalar(select(User).where(User.email == email))
    trajectory = db.session.scalar(
        select(Trajectory).where(Trajectory.volunteer_id == volunteer.id)
    )
    supervisor = trajectory.supervisor
    services.record_final_interview(
        trajectory,
        {"held_on": date.today(), "discussed": "Het rapport.", "volunteer_reaction": "Blij."},
        version_id=None,
        actor=supervisor,
    )
    goals = services.prefilled_goals(trajectory)
    for goal in goals:
        goal.update(goal="Verder leren", target_date=date.today() + timedelta(days=90))
    plan = services.save_plan(trajectory, goals, version_id=None, actor=supervisor)
    services.confirm_plan(trajectory, number=plan.number, actor=volunteer)
    services.confirm_plan(trajectory, number=plan.number, actor=supervisor)
    db.session.commit()
    return trajectory


if __name__ == "__main__":
    main()

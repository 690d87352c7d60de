"""Page speed as a ratio against a bare Flask page measured in the same run.

Runs in-process through the WSGI test client (no network), on a temporary SQLite database with
a realistic organisation: 200 members. Prints requests per second, the ratio to the baseline,
and the SQL statements per page (which must not grow with the data).

    make bench
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import pyotp
from flask import Flask
from sqlalchemy import event, select

from evc import create_app
from evc.accounts.models import Membership, Role, User
from evc.accounts.passwords import hash_password
from evc.assessment.models import AssessmentReport, Assignment, AssignmentStatus
from evc.db import utcnow
from evc.demo import seed_demo
from evc.extensions import db
from evc.models import metadata
from evc.participation.models import ParticipationReport
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase

PASSWORD = "a password for the benchmark"
TOTP_SECRET = pyotp.random_base32()  # the app of the demo accounts that log in with a code
SECONDS = 3.0


def rate(client, path: str) -> float:
    client.get(path)  # warm-up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        count += 1
    return count / (time.perf_counter() - start)


def baseline_rate() -> float:
    bare = Flask("baseline")

    @bare.route("/")
    def hello():
        return "<!doctype html><title>x</title><p>hello</p>"

    return rate(bare.test_client(), "/")


def build_app(folder: Path):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SESSION_COOKIE_SECURE": False,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        }
    )
    with app.app_context():
        metadata.create_all(db.engine)
        seed_demo(PASSWORD, TOTP_SECRET)
        organisation = db.session.scalar(
            select(Membership.organisation_id).where(Membership.role == Role.COORDINATOR).limit(1)
        )
        password_hash = hash_password(PASSWORD)
        supervisor = db.session.scalar(select(User).where(User.email == "begeleider@example.org"))
        assessor = db.session.scalar(select(User).where(User.email == "beoordelaar@example.org"))
        for n in range(200):
            user = User(
                email=f"lid{n}@example.org", display_name=f"Lid {n}", password_hash=password_hash
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(user_id=user.id, organisation_id=organisation, role=Role.VOLUNTEER)
            )
            if n < 100:  # a hundred trajectories for the supervisor and coordinator lists
                item = Trajectory(
                    organisation_id=organisation,
                    volunteer_id=user.id,
                    supervisor_id=supervisor.id,
                    framework_id="evc-a",
                    framework_version="2026.1",
                )
                db.session.add(item)
                if n < 50:  # fifty submitted portfolios in the assessor's queue
                    item.phase, item.submitted_at = Phase.ASSESSMENT, utcnow()
                    db.session.flush()
                    db.session.add(
                        Assignment(
                            trajectory_id=item.id,
                            assessor_id=assessor.id,
                            pseudonym=f"K-{n:05d}",
                            status=AssignmentStatus.ACTIVE,
                        )
                    )
        # Sixty more reports for the municipality, read by its klantmanager (copies of the demo's).
        first = db.session.scalar(select(ParticipationReport).limit(1))
        for n in range(60):
            db.session.add(
                ParticipationReport(
                    agreement_id=first.agreement_id,
                    municipality_id=first.municipality_id,
                    number=f"PR-BENC-H{n:03d}-0000-0000",
                    period_start=first.period_start,
                    period_end=first.period_end,
                    data=first.data,
                    pdf=first.pdf,
                    sha256=first.sha256,
                )
            )
        db.session.commit()
    return app, organisation


def queries_for(app, client, path: str) -> int:
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(*args):
        if args[2] != "BEGIN":  # SQLite's explicit BEGIN is not a query
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    client.get(path)
    event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def _post(client, path: str, data: dict):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token, **data})


def logged_in(app, email: str):
    """A client logged in as ``email``: the password, and the app's code where it is asked."""
    client = app.test_client()
    response = _post(client, "/login", {"email": email, "password": PASSWORD})
    if response.headers.get("Location") == "/login/code":
        _post(client, "/login/code", {"code": pyotp.TOTP(TOTP_SECRET).now()})
    return client


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, organisation = build_app(Path(folder))
        client = logged_in(app, "coordinator@example.org")
        supervisor = logged_in(app, "begeleider@example.org")
        assessor = logged_in(app, "beoordelaar@example.org")
        case_manager = logged_in(app, "klantmanager@example.org")
        with app.app_context():
            assessed = db.session.scalar(
                select(AssessmentReport.trajectory_id).where(
                    AssessmentReport.finalised_at.is_not(None)
                )
            )
        base = baseline_rate()
        print(f"baseline (bare Flask page): {base:8.0f} req/s = 1.00")
        for label, path in [
            ("login page (anonymous)", "/login"),
            ("dashboard (coordinator)", "/overzicht"),
            ("competencies", "/competenties"),
            ("members page, 200 members", f"/organisaties/{organisation}/leden"),
            ("audit log", f"/organisaties/{organisation}/logboek"),
            ("trajectories, 25 of 103", f"/organisaties/{organisation}/trajecten"),
            ("supervisor list, 103", "/begeleiding"),
            ("trajectory page", "/trajecten/3"),
            ("assessor queue, 52", "/beoordelingen"),
            ("assessments, 52 submitted", f"/organisaties/{organisation}/beoordelingen"),
            ("assessment report", f"/trajecten/{assessed}/beoordeling"),
            ("klantmanager reports, 50/61", "/gemeente/rapporten"),
        ]:
            target = {
                "/login": app.test_client(),
                "/begeleiding": supervisor,
                "/beoordelingen": assessor,
                "/gemeente/rapporten": case_manager,
            }.get(path, client)
            per_second = rate(target, path)
            queries = queries_for(app, target, path)
            print(
                f"{label:<28} {per_second:8.0f} req/s = {per_second / base:5.3f} of baseline,"
                f" {queries} SQL statements"
            )


if __name__ == "__main__":
    main()

"""The trajectory screens through the test client, as the people using them would.

Each test checks what a person notices: the text on the page, what is stored, where they are
sent. Data that could leak is always present in the database, so "not shown" means something.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import Membership, Role, User
from evc.audit import AuditEntry
from evc.db import utcnow
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.once import FormSubmission
from evc.procedure.models import (
    CompetencyChoice,
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    Intake,
    PhaseChange,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.phases import Phase
from tests import factories
from tests.conftest import Browserless

# --- helpers ---------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def follow(web, response) -> str:
    """The page a redirect leads to (with its flash messages)."""
    assert response.status_code == 302, text(response)[:2000]
    return text(web.get(response.headers["Location"]))


def day(offset: int) -> str:
    """An ISO date relative to today, as a date input sends it."""
    return (date.today() + timedelta(days=offset)).isoformat()


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no hidden field {name!r} on the page"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def fresh(session, model, ident):
    session.expire_all()
    return session.get(model, ident)


def supervisor_of(org, name="Sam Begeleider", email="begeleider@test.example"):
    return factories.user(Role.SUPERVISOR, org=org, name=name, email=email)


def intake_data(**overrides) -> dict:
    data = {
        "held_on": day(-2),
        "goal_kind": "job",
        "goal": "Ik wil solliciteren als gastvrouw.",
        "work_organisation": "Buurthuis De Linde",
        "work_tasks": "Koffie schenken en gasten ontvangen.",
        "work_since": day(-400),
        "meeting_plan": "Elke twee weken op dinsdag.",
        "target_submission_date": day(60),
        "version_id": "",
    }
    data.update(overrides)
    return data


STARR_DATA = {
    "situation": "Op de markt was het druk.",
    "task": "Ik moest klanten helpen.",
    "action": "Ik vroeg rustig wat ze zochten.",
    "result": "De klanten waren tevreden.",
    "reflection": "Goed luisteren werkt.",
}


@pytest.fixture
def supervisor(org):
    return supervisor_of(org)


@pytest.fixture
def item(org, volunteer, supervisor):
    """Vera's trajectory with Sam as supervisor, in the intake phase."""
    return factories.trajectory(org, volunteer=volunteer, supervisor=supervisor)


@pytest.fixture
def recognising(org, volunteer, supervisor):
    """Vera's trajectory in recognition with a confirmed intake and 'communicating' chosen."""
    trajectory = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    factories.intake(trajectory)
    factories.choose(trajectory, "communicating")
    return trajectory


# --- 1. who sees what ------------------------------------------------------------------------


def _trajectory_of_otto(organisation, supervisor=None):
    otto = factories.user(Role.VOLUNTEER, org=organisation, name="Otto Anders")
    other = factories.trajectory(organisation, volunteer=otto, supervisor=supervisor)
    record = factories.intake(other)
    record.goal = "Otto's geheime doel"
    db.session.commit()
    factories.sessions(other, 1)
    return other


TRAJECTORY_PAGES = (
    "",
    "/begingesprek",
    "/gesprekken/nieuw",
    "/competenties",
    "/zelfbeoordeling/communicating",
    "/indienen",
    "/stoppen",
)


def test_volunteer_sees_their_own_trajectory_and_not_another_volunteers(web, org, item, volunteer):
    other = _trajectory_of_otto(org)
    web.login(volunteer.email)
    own = text(web.get(f"/trajecten/{item.id}"))
    assert "Jouw EVC-A-traject" in own and "Sam Begeleider" in own
    assert "Otto Anders" not in own
    for suffix in TRAJECTORY_PAGES:
        response = web.get(f"/trajecten/{other.id}{suffix}")
        assert response.status_code == 404, suffix
        page = text(response)
        assert "Pagina niet gevonden" in page
        assert "Otto Anders" not in page and "geheime doel" not in page
        assert "GEHEIME NOTITIE" not in page and "Gedeelde aantekening" not in page


def test_supervisor_sees_only_the_trajectories_they_supervise(web, org, item, supervisor):
    someone_else = supervisor_of(org, name="Bea Begeleider", email="bea@test.example")
    other = _trajectory_of_otto(org, supervisor=someone_else)
    web.login(supervisor.email)
    assert "Vera Vrijwilliger" in text(web.get(f"/trajecten/{item.id}"))
    for suffix in TRAJECTORY_PAGES:
        response = web.get(f"/trajecten/{other.id}{suffix}")
        assert response.status_code == 404, suffix
        assert "Otto Anders" not in text(response)


def test_coordinator_sees_trajectories_of_their_organisation_only(
    web, org, other_org, item, coordinator
):
    foreign = _trajectory_of_otto(other_org)
    web.login(coordinator.email)
    page = text(web.get(f"/trajecten/{item.id}"))
    assert "EVC-A-traject van Vera Vrijwilliger" in page
    for suffix in TRAJECTORY_PAGES:
        response = web.get(f"/trajecten/{foreign.id}{suffix}")
        assert response.status_code == 404, suffix
        assert "Otto Anders" not in text(response)
    # Nor can they act on it by posting the form of their own trajectory to its address.
    response = web.post_form(
        f"/trajecten/{foreign.id}/stoppen",
        {"reason": "Niet van ons."},
        form_url=f"/trajecten/{item.id}/stoppen",
    )
    assert response.status_code == 404
    assert fresh(db.session, Trajectory, foreign.id).phase == Phase.INTAKE


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.CLIENT])
def test_assessor_or_client_of_the_same_organisation_cannot_see_a_trajectory(web, org, item, role):
    person = factories.user(role, org=org)
    web.login(person.email)
    for suffix in TRAJECTORY_PAGES:
        response = web.get(f"/trajecten/{item.id}{suffix}")
        assert response.status_code == 404, suffix
        assert "Vera Vrijwilliger" not in text(response)


def test_supervised_list_shows_only_the_supervisors_own_trajectories(web, org, item, supervisor):
    someone_else = supervisor_of(org, name="Bea Begeleider", email="bea@test.example")
    _trajectory_of_otto(org, supervisor=someone_else)
    web.login(supervisor.email)
    page = text(web.get("/begeleiding"))
    assert "Vera Vrijwilliger" in page
    assert "Otto Anders" not in page
    assert page.count("data-trajectory=") == 1


def test_coordinator_list_of_another_organisation_is_a_404(web, org, other_org, coordinator):
    foreign = _trajectory_of_otto(other_org)
    web.login(coordinator.email)
    for url in (
        f"/organisaties/{other_org.id}/trajecten",
        f"/organisaties/{other_org.id}/trajecten/nieuw",
    ):
        response = web.get(url)
        assert response.status_code == 404
        assert "Otto Anders" not in text(response)
    own = web.get(f"/organisaties/{org.id}/trajecten?begeleider={foreign.supervisor_id}")
    assert own.status_code == 200
    assert "Otto Anders" not in text(own) and "0 trajecten gevonden" in text(own)


def test_private_notes_are_for_the_supervisor_only_and_shared_notes_reach_the_volunteer(
    app, web, other_web, item, supervisor, volunteer, coordinator
):
    factories.sessions(item, 1)
    web.login(supervisor.email)
    page = text(web.get(f"/trajecten/{item.id}"))
    assert "GEHEIME NOTITIE" in page and "Gedeelde aantekening" in page

    other_web.login(volunteer.email)
    page = text(other_web.get(f"/trajecten/{item.id}"))
    assert "Gedeelde aantekening" in page
    assert "GEHEIME NOTITIE" not in page and "Eigen aantekeningen" not in page

    coordinator_web = Browserless(app.test_client())
    coordinator_web.login(coordinator.email)
    page = text(coordinator_web.get(f"/trajecten/{item.id}"))
    assert "Gedeelde aantekening" in page
    assert "GEHEIME NOTITIE" not in page


# --- 2. starting a trajectory ----------------------------------------------------------------


def _start_url(organisation) -> str:
    return f"/organisaties/{organisation.id}/trajecten/nieuw"


def test_coordinator_starts_a_trajectory_and_the_volunteer_gets_a_mail(
    web, session, org, coordinator, volunteer, supervisor
):
    web.login(coordinator.email)
    form = text(web.get(_start_url(org)))
    assert f'<option value="{volunteer.id}">Vera Vrijwilliger</option>' in form
    assert f'<option value="{supervisor.id}">Sam Begeleider</option>' in form
    response = web.post_form(
        _start_url(org), {"volunteer": str(volunteer.id), "supervisor": str(supervisor.id)}
    )
    started = session.scalar(select(Trajectory).where(Trajectory.volunteer_id == volunteer.id))
    assert response.headers["Location"] == f"/trajecten/{started.id}"
    page = follow(web, response)
    assert "Het traject van Vera Vrijwilliger is gestart." in page
    assert "EVC-A-traject van Vera Vrijwilliger" in page and "begeleider: Sam Begeleider" in page
    assert started.phase == Phase.INTAKE and started.supervisor_id == supervisor.id
    mail = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == volunteer.id)
    ).one()
    assert mail.subject == "Je EVC-A-traject is gestart"
    assert "Je begeleider is Sam Begeleider." in mail.body
    assert f"/trajecten/{started.id}" in mail.body
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "trajectory.started")
    ).one()
    assert entry.actor_id == coordinator.id and entry.object_id == started.id
    assert entry.organisation_id == org.id


def test_the_supervisor_also_gets_the_mail_the_start_page_promises(
    web, session, org, coordinator, volunteer, supervisor
):
    web.login(coordinator.email)
    assert "De vrijwilliger en de begeleider krijgen een e-mail." in text(web.get(_start_url(org)))
    web.post_form(
        _start_url(org), {"volunteer": str(volunteer.id), "supervisor": str(supervisor.id)}
    )
    assert count(session, OutboxMessage, OutboxMessage.recipient_id == volunteer.id) == 1
    assert count(session, OutboxMessage, OutboxMessage.recipient_id == supervisor.id) == 1


def _assert_nothing_started(session, before: int) -> None:
    assert count(session, Trajectory) == before
    assert count(session, OutboxMessage) == 0
    assert count(session, AuditEntry, AuditEntry.action == "trajectory.started") == 0


def test_volunteer_with_an_active_trajectory_is_not_offered_and_a_forged_post_is_refused(
    web, session, org, coordinator, item, volunteer, supervisor
):
    factories.user(Role.VOLUNTEER, org=org, name="Fleur Vrij")  # so the form is shown
    web.login(coordinator.email)
    form = text(web.get(_start_url(org)))
    assert "Fleur Vrij" in form
    assert "Vera Vrijwilliger" not in form
    response = web.post_form(
        _start_url(org), {"volunteer": str(volunteer.id), "supervisor": str(supervisor.id)}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Er is iets niet goed ingevuld" in page
    assert '<li><a href="#volunteer">' in page  # the error points at the volunteer field
    _assert_nothing_started(session, 1)


def test_volunteer_started_meanwhile_by_someone_else_gets_a_clear_refusal(
    web, other_web, session, org, coordinator, volunteer, supervisor
):
    colleague = factories.user(Role.COORDINATOR, org=org)
    web.login(coordinator.email)
    assert "Vera Vrijwilliger" in text(web.get(_start_url(org)))  # the form is open
    other_web.login(colleague.email)
    data = {"volunteer": str(volunteer.id), "supervisor": str(supervisor.id)}
    assert other_web.post_form(_start_url(org), data).status_code == 302
    response = web.post_form(_start_url(org), data)
    assert response.status_code == 422
    page = text(response)
    assert count(session, Trajectory) == 1
    assert (
        "Vera Vrijwilliger heeft al een lopend traject." in page
        or "Kies een vrijwilliger zonder lopend traject." in page
    )


def test_supervisor_of_another_organisation_is_refused(
    web, session, org, other_org, coordinator, volunteer, supervisor
):
    outsider = supervisor_of(other_org, name="Olaf Buiten", email="olaf@test.example")
    web.login(coordinator.email)
    assert "Olaf Buiten" not in text(web.get(_start_url(org)))
    response = web.post_form(
        _start_url(org), {"volunteer": str(volunteer.id), "supervisor": str(outsider.id)}
    )
    assert response.status_code == 422
    page = text(response)
    assert '<li><a href="#supervisor">' in page
    assert "Olaf Buiten" not in page
    _assert_nothing_started(session, 0)


def test_volunteer_of_another_organisation_is_refused(
    web, session, org, other_org, coordinator, volunteer, supervisor
):
    outsider = factories.user(Role.VOLUNTEER, org=other_org, name="Olga Buiten")
    web.login(coordinator.email)
    assert "Olga Buiten" not in text(web.get(_start_url(org)))
    response = web.post_form(
        _start_url(org), {"volunteer": str(outsider.id), "supervisor": str(supervisor.id)}
    )
    assert response.status_code == 422
    assert "Olga Buiten" not in text(response)
    _assert_nothing_started(session, 0)


def test_a_person_cannot_be_their_own_supervisor(web, session, org, coordinator, supervisor):
    both = factories.user(Role.VOLUNTEER, Role.SUPERVISOR, org=org, name="Dirk Dubbel")
    web.login(coordinator.email)
    response = web.post_form(
        _start_url(org), {"volunteer": str(both.id), "supervisor": str(both.id)}
    )
    assert response.status_code == 422
    assert "Een vrijwilliger kan niet zijn eigen begeleider zijn." in text(response)
    _assert_nothing_started(session, 0)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.SUPERVISOR])
def test_volunteer_or_supervisor_cannot_open_the_start_page(web, session, org, volunteer, role):
    person = factories.user(role, org=org)
    web.login(person.email)
    assert web.get(_start_url(org)).status_code == 404
    response = web.post_form(
        _start_url(org),
        {"volunteer": str(volunteer.id), "supervisor": str(person.id)},
        form_url="/overzicht",
    )
    assert response.status_code == 404
    _assert_nothing_started(session, 0)


def test_volunteer_with_an_active_trajectory_elsewhere_is_refused_with_a_clear_message(
    web, session, org, other_org, coordinator, supervisor
):
    both = factories.user(
        (org, Role.VOLUNTEER), (other_org, Role.VOLUNTEER), name="Wim Twee Plekken"
    )
    factories.trajectory(other_org, volunteer=both)
    web.login(coordinator.email)
    response = web.post_form(
        _start_url(org), {"volunteer": str(both.id), "supervisor": str(supervisor.id)}
    )
    assert response.status_code == 422
    assert "Wim Twee Plekken heeft al een lopend traject." in text(response)
    _assert_nothing_started(session, 1)


def test_volunteer_with_an_active_trajectory_elsewhere_is_not_offered(
    web, org, other_org, coordinator, supervisor
):
    factories.user(Role.VOLUNTEER, org=org, name="Fleur Vrij")
    both = factories.user(
        (org, Role.VOLUNTEER), (other_org, Role.VOLUNTEER), name="Wim Twee Plekken"
    )
    factories.trajectory(other_org, volunteer=both)
    web.login(coordinator.email)
    form = text(web.get(_start_url(org)))
    assert "Fleur Vrij" in form
    assert "Wim Twee Plekken" not in form


# --- 3. the intake interview ------------------------------------------------------------------


def _intake_url(trajectory) -> str:
    return f"/trajecten/{trajectory.id}/begingesprek"


def test_supervisor_records_the_intake_and_the_volunteer_gets_a_mail(
    web, session, item, supervisor, volunteer
):
    web.login(supervisor.email)
    response = web.post_form(_intake_url(item), intake_data())
    page = follow(web, response)
    assert "Het begingesprek is opgeslagen. Vera Vrijwilliger krijgt een e-mail" in page
    assert "Ik wil solliciteren als gastvrouw." in page and "Buurthuis De Linde" in page
    assert "nog niet" in page  # not confirmed yet
    stored = session.scalars(select(Intake).where(Intake.trajectory_id == item.id)).one()
    assert stored.goal == "Ik wil solliciteren als gastvrouw."
    assert stored.held_on == date.today() - timedelta(days=2)
    assert stored.recorded_by_id == supervisor.id and stored.confirmed_at is None
    mail = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == volunteer.id)
    ).one()
    assert mail.subject == "Lees en bevestig de afspraken van je begingesprek"
    assert "Sam Begeleider heeft de afspraken van jullie begingesprek opgeschreven." in mail.body
    assert count(session, AuditEntry, AuditEntry.action == "intake.recorded") == 1


def test_intake_in_the_future_is_refused_with_the_form_message(web, session, item, supervisor):
    web.login(supervisor.email)
    response = web.post_form(_intake_url(item), intake_data(held_on=day(1)))
    assert response.status_code == 422
    page = text(response)
    # The form's own check answers first; the service's sentence is the second line of defence.
    assert "Deze datum mag niet in de toekomst liggen." in page
    assert "Een gesprek dat al gehouden is, kan niet in de toekomst liggen." not in page
    assert count(session, Intake) == 0
    assert count(session, OutboxMessage) == 0


def test_intake_without_a_goal_is_refused(web, session, item, supervisor):
    web.login(supervisor.email)
    response = web.post_form(_intake_url(item), intake_data(goal=""))
    assert response.status_code == 422
    assert "Beschrijf het doel." in text(response)
    assert count(session, Intake) == 0


def test_intake_target_date_before_the_interview_is_refused(web, session, item, supervisor):
    web.login(supervisor.email)
    response = web.post_form(_intake_url(item), intake_data(target_submission_date=day(-5)))
    assert response.status_code == 422
    assert "De streefdatum mag niet vóór de datum van het gesprek liggen." in text(response)
    assert count(session, Intake) == 0


def test_stale_intake_correction_is_refused_and_the_other_text_is_kept(
    web, other_web, session, item, supervisor
):
    factories.intake(item, confirmed=False)
    web.login(supervisor.email)
    opened = text(web.get(_intake_url(item)))
    version = hidden_value(opened, "version_id")
    assert version == "1"
    # The same supervisor, on another device, saves a correction in between.
    other_web.login(supervisor.email)
    saved = other_web.post_form(
        _intake_url(item), intake_data(goal="Tekst van het andere apparaat.", version_id=version)
    )
    assert saved.status_code == 302
    response = web.post_form(
        _intake_url(item), intake_data(goal="Mijn oude tekst.", version_id=version)
    )
    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen opgeslagen" in text(response)
    stored = session.scalars(select(Intake).where(Intake.trajectory_id == item.id)).one()
    session.refresh(stored)
    assert stored.goal == "Tekst van het andere apparaat."


def test_intake_form_opened_before_the_first_save_does_not_overwrite_it(
    web, other_web, session, item, supervisor
):
    web.login(supervisor.email)
    opened = text(web.get(_intake_url(item)))
    version = hidden_value(opened, "version_id")
    assert version == ""
    other_web.login(supervisor.email)
    saved = other_web.post_form(
        _intake_url(item), intake_data(goal="Tekst van het andere apparaat.", version_id=version)
    )
    assert saved.status_code == 302
    response = web.post_form(
        _intake_url(item), intake_data(goal="Mijn oude tekst.", version_id=version)
    )
    stored = session.scalars(select(Intake).where(Intake.trajectory_id == item.id)).one()
    session.refresh(stored)
    assert stored.goal == "Tekst van het andere apparaat."
    assert response.status_code == 409


def test_volunteer_cannot_record_the_intake(web, session, item, volunteer):
    web.login(volunteer.email)
    response = web.post_form(_intake_url(item), intake_data(), form_url="/overzicht")
    assert response.headers["Location"] == f"/trajecten/{item.id}"
    page = follow(web, response)
    assert "Alleen de begeleider legt het begingesprek vast" in page
    assert count(session, Intake) == 0
    assert "Begingesprek vastleggen" not in page


def _confirm(web, trajectory):
    """Press the confirm button: the form carries the version of the agreements shown."""
    page = text(web.get(f"/trajecten/{trajectory.id}"))
    version = hidden_value(page, "version_id") if 'name="version_id"' in page else ""
    return web.post_form(
        f"/trajecten/{trajectory.id}/begingesprek/bevestigen",
        {"version_id": version},
        form_url=f"/trajecten/{trajectory.id}",
    )


def test_volunteer_confirms_the_intake_once_and_recognition_starts(
    web, session, item, volunteer, supervisor
):
    factories.intake(item, confirmed=False)
    web.login(volunteer.email)
    page = text(web.get(f"/trajecten/{item.id}"))
    assert "Ik bevestig de afspraken" in page
    page = follow(web, _confirm(web, item))
    assert "Je hebt de afspraken bevestigd. Je kunt nu je competenties kiezen." in page
    assert "Ik bevestig de afspraken" not in page
    assert fresh(session, Trajectory, item.id).phase == Phase.RECOGNITION
    record = session.scalars(select(Intake).where(Intake.trajectory_id == item.id)).one()
    assert record.confirmed_at is not None
    mail = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == supervisor.id)
    ).one()
    assert mail.subject == "Vera Vrijwilliger heeft de afspraken bevestigd"
    # A second click (another tab) changes nothing and says why.
    second = _confirm(web, item)
    assert "Alleen de vrijwilliger bevestigt de afspraken" in follow(web, second)
    changes = session.scalars(select(PhaseChange).where(PhaseChange.trajectory_id == item.id))
    assert [(c.from_phase, c.to_phase) for c in changes] == [(Phase.INTAKE, Phase.RECOGNITION)]
    assert count(session, OutboxMessage, OutboxMessage.recipient_id == supervisor.id) == 1


def test_supervisor_cannot_change_the_intake_after_confirmation(
    web, other_web, session, item, volunteer, supervisor
):
    record = factories.intake(item, confirmed=False)
    other_web.login(volunteer.email)
    _confirm(other_web, item)
    web.login(supervisor.email)
    response = web.get(_intake_url(item))
    assert response.status_code == 302
    page = follow(web, response)
    assert "alleen in de fase begingesprek" in page
    assert "Begingesprek aanpassen" not in page
    response = web.post_form(
        _intake_url(item),
        intake_data(goal="Achteraf veranderd.", version_id=str(record.version_id)),
        form_url="/overzicht",
    )
    assert response.status_code == 302
    assert fresh(session, Intake, record.id).goal == "Weten wat ik kan."


# --- 4. guidance sessions and group meetings ----------------------------------------------------


def _session_url(trajectory) -> str:
    return f"/trajecten/{trajectory.id}/gesprekken/nieuw"


def _session_form(web, trajectory, **overrides):
    """Open the form like a browser and return the data it would send."""
    page = text(web.get(_session_url(trajectory)))
    data = {
        "held_on": day(-1),
        "topics": "Competenties verkennen",
        "shared_notes": "Volgende keer neem je foto's mee.",
        "private_notes": "Twijfelt nog, extra aandacht geven.",
        "once": hidden_value(page, "once"),
    }
    data.update(overrides)
    return data


def test_supervisor_logs_a_guidance_session(web, other_web, session, item, supervisor, volunteer):
    web.login(supervisor.email)
    page = follow(web, web.post_form(_session_url(item), _session_form(web, item)))
    assert "Het gesprek is opgeslagen." in page
    assert "1 van 2 individuele gesprekken gehouden" in page
    assert "Competenties verkennen" in page and "Twijfelt nog, extra aandacht geven." in page
    stored = session.scalars(select(GuidanceSession)).one()
    assert stored.trajectory_id == item.id and stored.supervisor_id == supervisor.id
    other_web.login(volunteer.email)
    page = text(other_web.get(f"/trajecten/{item.id}"))
    assert "1 van 2 individuele gesprekken gehouden" in page
    assert "Volgende keer neem je foto&#39;s mee." in page
    assert "Twijfelt nog" not in page


def test_guidance_session_in_the_future_is_refused(web, session, item, supervisor):
    web.login(supervisor.email)
    response = web.post_form(_session_url(item), _session_form(web, item, held_on=day(3)))
    assert response.status_code == 422
    assert "Deze datum mag niet in de toekomst liggen." in text(response)
    assert count(session, GuidanceSession) == 0


def test_resending_the_same_session_form_stores_no_duplicate(web, session, item, supervisor):
    web.login(supervisor.email)
    data = _session_form(web, item)
    assert web.post_form(_session_url(item), data).status_code == 302
    again = web.post_form(_session_url(item), data)
    assert again.status_code == 422
    assert "Dit formulier is al verstuurd en is één keer opgeslagen." in text(again)
    assert count(session, GuidanceSession) == 1
    assert count(session, FormSubmission) == 1
    assert "1 van 2 individuele gesprekken gehouden" in text(web.get(f"/trajecten/{item.id}"))


def test_volunteer_cannot_log_a_guidance_session(web, session, item, volunteer):
    web.login(volunteer.email)
    response = web.post_form(
        _session_url(item),
        {"held_on": day(-1), "topics": "Zelf verzonnen", "once": "x" * 22},
        form_url="/overzicht",
    )
    page = follow(web, response)
    assert "Alleen de begeleider legt gesprekken vast" in page
    assert "Gesprek vastleggen" not in page
    assert count(session, GuidanceSession) == 0


def _meeting_form(web, **overrides):
    page = text(web.get("/groepsbijeenkomsten/nieuw"))
    data = {"held_on": day(-1), "topic": "Wat is EVC-A?", "once": hidden_value(page, "once")}
    data.update(overrides)
    return data, page


def test_group_meeting_attendance_is_counted_on_the_trajectory_page(
    web, session, org, item, supervisor
):
    absent = factories.trajectory(
        org,
        volunteer=factories.user(Role.VOLUNTEER, org=org, name="Ali Afwezig"),
        supervisor=supervisor,
    )
    web.login(supervisor.email)
    data, page = _meeting_form(web, present=[str(item.id)])
    assert "Vera Vrijwilliger" in page and "Ali Afwezig" in page
    response = web.post_form("/groepsbijeenkomsten/nieuw", data)
    assert response.headers["Location"] == "/begeleiding"
    assert "De groepsbijeenkomst is opgeslagen." in follow(web, response)
    page = text(web.get(f"/trajecten/{item.id}"))
    assert "Groepsbijeenkomsten bijgewoond: 1" in page
    assert "Wat is EVC-A? (aanwezig)" in page
    page = text(web.get(f"/trajecten/{absent.id}"))
    assert "Groepsbijeenkomsten bijgewoond: 0" in page
    assert "Wat is EVC-A? (afwezig)" in page


def test_group_meeting_refuses_a_trajectory_of_another_supervisor(
    web, session, org, item, supervisor
):
    someone_else = supervisor_of(org, name="Bea Begeleider", email="bea@test.example")
    other = _trajectory_of_otto(org, supervisor=someone_else)
    web.login(supervisor.email)
    data, page = _meeting_form(web, present=[str(item.id), str(other.id)])
    assert "Otto Anders" not in page
    response = web.post_form("/groepsbijeenkomsten/nieuw", data)
    assert response.status_code == 422
    page = text(response)
    assert "hoort niet (meer) bij deze lijst" in page
    assert "Otto Anders" not in page
    assert count(session, GroupMeeting) == 0
    assert count(session, GroupAttendance, GroupAttendance.trajectory_id == other.id) == 0
    assert count(session, FormSubmission) == 0


def test_group_meeting_attendance_error_links_to_the_checkboxes(web, org, item, supervisor):
    other = _trajectory_of_otto(org)
    web.login(supervisor.email)
    data, _page = _meeting_form(web, present=[str(other.id)])
    page = text(web.post_form("/groepsbijeenkomsten/nieuw", data))
    links = re.findall(r'<li><a href="#([^"]+)">', page)
    assert links, "no error in the summary"
    for target in links:
        assert f'id="{target}"' in page, f"error link #{target} points nowhere"
    fieldset = page[page.find('id="attendance"') :]
    assert "form-error" in fieldset[: fieldset.find("</fieldset>")]


def test_group_meeting_for_an_organisation_one_does_not_supervise_is_a_404(
    web, org, other_org, item, supervisor
):
    _trajectory_of_otto(other_org)
    web.login(supervisor.email)
    response = web.get(f"/groepsbijeenkomsten/nieuw?organisatie={other_org.id}")
    assert response.status_code == 404
    assert "Otto Anders" not in text(response)


# --- 5. choosing competencies ------------------------------------------------------------------


def _choose_url(trajectory) -> str:
    return f"/trajecten/{trajectory.id}/competenties"


def _chosen(session, trajectory) -> set[str]:
    session.expire_all()
    return set(
        session.scalars(
            select(CompetencyChoice.competency_id).where(
                CompetencyChoice.trajectory_id == trajectory.id
            )
        )
    )


def test_volunteer_chooses_competencies(web, session, recognising, volunteer):
    web.login(volunteer.email)
    form = text(web.get(_choose_url(recognising)))
    assert "Communiceren" in form and "Samenwerken" in form
    assert re.search(r'<input[^>]* checked [^>]*value="communicating"', form)  # chosen before
    assert not re.search(r'<input[^>]* checked [^>]*value="cooperating"', form)
    response = web.post_form(
        _choose_url(recognising), {"competencies": ["communicating", "cooperating"]}
    )
    page = follow(web, response)
    assert "Je keuze is opgeslagen." in page
    assert "Communiceren" in page and "Samenwerken" in page
    assert _chosen(session, recognising) == {"communicating", "cooperating"}


def test_choosing_no_competency_is_refused(web, session, recognising, volunteer):
    web.login(volunteer.email)
    response = web.post_form(_choose_url(recognising), {})
    assert response.status_code == 422
    assert "Kies minstens één competentie." in text(response)
    assert _chosen(session, recognising) == {"communicating"}


def test_choosing_an_unknown_competency_is_refused(web, session, recognising, volunteer):
    web.login(volunteer.email)
    response = web.post_form(
        _choose_url(recognising), {"competencies": ["cooperating", "koffie_zetten"]}
    )
    assert response.status_code == 422
    assert "is een ongeldige keuze voor dit veld." in text(response)
    assert _chosen(session, recognising) == {"communicating"}


def test_competencies_cannot_be_chosen_during_the_intake(web, session, item, volunteer):
    web.login(volunteer.email)
    response = web.post_form(
        _choose_url(item), {"competencies": ["communicating"]}, form_url="/overzicht"
    )
    assert response.headers["Location"] == f"/trajecten/{item.id}"
    assert "Competenties kies je in de fase herkennen" in follow(web, response)
    assert _chosen(session, item) == set()


def test_supervisor_cannot_choose_for_the_volunteer(web, session, recognising, supervisor):
    web.login(supervisor.email)
    response = web.post_form(
        _choose_url(recognising), {"competencies": ["cooperating"]}, form_url="/overzicht"
    )
    assert "Competenties kies je in de fase herkennen" in follow(web, response)
    assert _chosen(session, recognising) == {"communicating"}


# --- 6. self-assessment ------------------------------------------------------------------------


def _assessment_url(trajectory, competency_id="communicating") -> str:
    return f"/trajecten/{trajectory.id}/zelfbeoordeling/{competency_id}"


def _stored_assessment(session, trajectory, competency_id="communicating"):
    session.expire_all()
    return session.scalars(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == trajectory.id,
            SelfAssessment.competency_id == competency_id,
        )
    ).one_or_none()


def test_volunteer_saves_a_draft_and_then_a_complete_self_assessment(
    web, session, recognising, volunteer
):
    web.login(volunteer.email)
    form = text(web.get(_assessment_url(recognising)))
    assert "<h1>Communiceren" in form and "Heel goed" in form
    response = web.post_form(
        _assessment_url(recognising), {"situation": "Op de markt.", "version_id": ""}
    )
    page = follow(web, response)
    assert "Opgeslagen als concept. Je kunt later verder schrijven." in page
    assert 'badge--warning">concept</span>' in page
    draft = _stored_assessment(session, recognising)
    assert draft.situation == "Op de markt." and draft.rating is None
    assert not draft.is_complete and draft.updated_by_id == volunteer.id

    form = text(web.get(_assessment_url(recognising)))
    assert "Op de markt." in form  # the draft is back in the form
    response = web.post_form(
        _assessment_url(recognising),
        {"rating": "3", **STARR_DATA, "version_id": hidden_value(form, "version_id")},
    )
    page = follow(web, response)
    assert "Opgeslagen. Je zelfbeoordeling voor Communiceren is compleet." in page
    assert 'badge--ok">klaar</span> Goed' in page
    done = _stored_assessment(session, recognising)
    assert done.is_complete and done.rating == 3 and done.reflection == "Goed luisteren werkt."


@pytest.mark.parametrize("rating", ["5", "0"])
def test_rating_outside_the_scale_is_refused(web, session, recognising, volunteer, rating):
    web.login(volunteer.email)
    response = web.post_form(
        _assessment_url(recognising), {"rating": rating, **STARR_DATA, "version_id": ""}
    )
    assert response.status_code == 422
    assert "Er is iets niet goed ingevuld" in text(response)
    assert '<li><a href="#rating">' in text(response)
    assert _stored_assessment(session, recognising) is None


def test_self_assessment_of_a_competency_not_chosen_is_a_404(web, session, recognising, volunteer):
    web.login(volunteer.email)
    assert web.get(_assessment_url(recognising, "cooperating")).status_code == 404
    response = web.post_form(
        _assessment_url(recognising, "cooperating"),
        {"rating": "3", **STARR_DATA, "version_id": ""},
        form_url="/overzicht",
    )
    assert response.status_code == 404
    assert count(session, SelfAssessment) == 0


def test_stale_self_assessment_save_is_refused_and_the_supervisors_text_kept(
    web, other_web, session, recognising, volunteer, supervisor
):
    factories.self_assessment(recognising, "communicating", complete=False)
    web.login(volunteer.email)
    opened = text(web.get(_assessment_url(recognising)))
    version = hidden_value(opened, "version_id")
    assert version == "1"
    other_web.login(supervisor.email)
    saved = other_web.post_form(
        _assessment_url(recognising),
        {"rating": "2", **STARR_DATA, "situation": "Tekst van Sam.", "version_id": version},
    )
    assert saved.status_code == 302
    response = web.post_form(
        _assessment_url(recognising),
        {"rating": "4", **STARR_DATA, "situation": "Tekst van Vera.", "version_id": version},
    )
    assert response.status_code == 409
    assert "Iemand anders heeft dit intussen opgeslagen. Jouw wijzigingen zijn niet" in text(
        response
    )
    stored = _stored_assessment(session, recognising)
    assert stored.situation == "Tekst van Sam." and stored.rating == 2
    assert stored.updated_by_id == supervisor.id


def test_first_self_assessment_saved_by_two_editors_keeps_the_first(
    web, other_web, session, recognising, volunteer, supervisor
):
    web.login(volunteer.email)
    assert hidden_value(text(web.get(_assessment_url(recognising))), "version_id") == ""
    other_web.login(supervisor.email)
    other_web.post_form(
        _assessment_url(recognising), {"situation": "Tekst van Sam.", "version_id": ""}
    )
    response = web.post_form(
        _assessment_url(recognising), {"situation": "Tekst van Vera.", "version_id": ""}
    )
    assert response.status_code == 409
    assert _stored_assessment(session, recognising).situation == "Tekst van Sam."


def test_after_submission_the_self_assessment_is_read_only(
    web, session, org, volunteer, supervisor
):
    submitted = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.ASSESSMENT
    )
    factories.intake(submitted)
    factories.choose(submitted, "communicating")
    record = factories.self_assessment(submitted, "communicating")
    web.login(volunteer.email)
    page = text(web.get(_assessment_url(submitted)))
    assert "Deze zelfbeoordeling kan niet meer worden gewijzigd." in page
    assert "Rust bewaren helpt." in page and "<dd>Goed</dd>" in page
    assert 'name="situation"' not in page and 'name="rating"' not in page
    response = web.post_form(
        _assessment_url(submitted),
        {"rating": "1", **STARR_DATA, "situation": "Later veranderd.", "version_id": "1"},
        form_url="/overzicht",
    )
    assert response.headers["Location"] == f"/trajecten/{submitted.id}"
    assert "kan niet meer worden gewijzigd" in follow(web, response)
    stored = _stored_assessment(session, submitted)
    assert stored.situation == record.situation and stored.rating == 3
    assert stored.version_id == record.version_id


# --- 7. submitting the portfolio ----------------------------------------------------------------


def _submit_url(trajectory) -> str:
    return f"/trajecten/{trajectory.id}/indienen"


def test_submit_page_lists_every_unmet_guard_and_offers_no_button(
    web, session, org, volunteer, supervisor, evidence
):
    unready = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    factories.intake(unready, confirmed=False)
    factories.choose(unready, "communicating", "cooperating")
    factories.self_assessment(unready, "communicating", complete=False)
    evidence.add(unready, "communicating")
    web.login(volunteer.email)
    page = text(web.get(_submit_url(unready)))
    assert "Dit moet nog gebeuren" in page
    for problem in (
        "De vrijwilliger heeft de afspraken van het begingesprek nog niet bevestigd.",
        "Individuele gesprekken gehouden: 0 van de 2.",
        "De zelfbeoordeling is nog niet af voor: Communiceren, Samenwerken.",
        "Er is nog geen bewijs voor: Samenwerken.",
    ):
        assert f"<li>{problem}</li>" in page, problem
    assert "Portfolio inleveren" not in page
    # Posting anyway (an old tab) refuses with the same explanation and changes nothing.
    response = web.post_form(_submit_url(unready), form_url="/overzicht")
    page = follow(web, response)
    assert (
        '<div class="alert alert--error" role="alert">De vrijwilliger heeft de afspraken van '
        "het begingesprek nog niet bevestigd. Individuele gesprekken gehouden: 0 van de 2."
    ) in page
    assert fresh(session, Trajectory, unready.id).phase == Phase.RECOGNITION
    assert count(session, PhaseChange) == 0


def test_submit_page_without_intake_says_the_supervisor_must_record_it(
    web, org, volunteer, supervisor
):
    bare = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    web.login(volunteer.email)
    page = text(web.get(_submit_url(bare)))
    assert "De begeleider heeft het begingesprek nog niet vastgelegd." in page
    assert "Er is nog geen competentie gekozen." in page
    assert "Portfolio inleveren" not in page


def test_volunteer_submits_once_and_a_second_post_changes_nothing(web, session, org, evidence):
    ready = factories.ready_for_submission(org, "communicating", evidence=evidence)
    owner = session.get(User, ready.volunteer_id)
    web.login(owner.email)
    page = text(web.get(_submit_url(ready)))
    assert "Alles is klaar." in page and "Portfolio inleveren" in page
    first = web.post_form(_submit_url(ready))
    assert first.headers["Location"] == f"/trajecten/{ready.id}"
    page = follow(web, first)
    assert "Het portfolio is ingediend voor de beoordeling." in page
    assert "Het portfolio ligt bij de beoordelaar." in page
    assert "Herkennen → Beoordeling" in page
    stored = fresh(session, Trajectory, ready.id)
    assert stored.phase == Phase.ASSESSMENT and stored.submitted_at is not None
    submitted_at = stored.submitted_at
    second = web.post_form(_submit_url(ready), form_url="/overzicht")
    assert "Het portfolio kan alleen in de fase herkennen worden ingediend." in follow(web, second)
    changes = session.scalars(select(PhaseChange).where(PhaseChange.trajectory_id == ready.id))
    assert [(c.from_phase, c.to_phase, c.actor_id) for c in changes] == [
        (Phase.RECOGNITION, Phase.ASSESSMENT, owner.id)
    ]
    assert fresh(session, Trajectory, ready.id).submitted_at == submitted_at
    assert count(session, AuditEntry, AuditEntry.action == "trajectory.submitted") == 1


# --- 8. withdrawing ----------------------------------------------------------------------------


def _withdraw_url(trajectory) -> str:
    return f"/trajecten/{trajectory.id}/stoppen"


@pytest.mark.parametrize("who", ["supervisor", "coordinator"])
def test_supervisor_or_coordinator_withdraws_with_a_reason(
    web, session, item, supervisor, coordinator, who
):
    actor = {"supervisor": supervisor, "coordinator": coordinator}[who]
    web.login(actor.email)
    response = web.post_form(_withdraw_url(item), {"reason": "Vera is verhuisd."})
    page = follow(web, response)
    assert "Het traject is gestopt." in page
    assert f"Begingesprek → Gestopt ({actor.display_name}): Vera is verhuisd." in page
    assert "Traject stoppen" not in page
    stored = fresh(session, Trajectory, item.id)
    assert stored.phase == Phase.WITHDRAWN and stored.closed_at is not None


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawing_without_a_reason_is_refused(web, session, item, supervisor, reason):
    web.login(supervisor.email)
    response = web.post_form(_withdraw_url(item), {"reason": reason})
    assert response.status_code == 422
    assert "Geef een reden op." in text(response)
    assert fresh(session, Trajectory, item.id).phase == Phase.INTAKE
    assert count(session, PhaseChange) == 0


def test_volunteer_cannot_withdraw(web, session, item, volunteer):
    web.login(volunteer.email)
    assert "Traject stoppen" not in text(web.get(f"/trajecten/{item.id}"))
    response = web.post_form(
        _withdraw_url(item), {"reason": "Geen zin meer."}, form_url="/overzicht"
    )
    page = follow(web, response)
    assert "Alleen de begeleider of de coördinator kan een lopend traject stoppen." in page
    assert fresh(session, Trajectory, item.id).phase == Phase.INTAKE
    assert count(session, PhaseChange) == 0


# --- 9. dashboards -----------------------------------------------------------------------------


def _current_step(page: str) -> str:
    match = re.search(
        r'<li class="[^"]*"\s*aria-current="step">\s*<span class="steps__label">([^<]+)</span>',
        page,
    )
    assert match, "no step is marked as current"
    return match.group(1)


def test_volunteer_dashboard_shows_the_steps_and_one_next_step(web, item, volunteer):
    factories.intake(item, confirmed=False)
    web.login(volunteer.email)
    page = text(web.get("/overzicht"))
    assert _current_step(page) == "Begingesprek"
    assert page.count('aria-current="step"') == 1
    for label in ("Herkennen", "Beoordeling", "Eindgesprek", "Afgerond"):
        assert f'<span class="steps__label">{label}</span>' in page
    sentences = re.findall(r'<p class="next-step">([^<]*)</p>', page)
    assert sentences == ["Lees de afspraken van je begingesprek en bevestig ze."]
    assert f'href="/trajecten/{item.id}"' in page


def test_volunteer_dashboard_follows_the_phase(web, recognising, volunteer):
    web.login(volunteer.email)
    page = text(web.get("/overzicht"))
    assert _current_step(page) == "Herkennen"
    assert re.search(
        r'steps__item--done">\s*<span class="steps__label">Begingesprek</span>\s*'
        r'<span class="visually-hidden"> \(klaar\)</span>',
        page,
    )
    sentences = re.findall(r'<p class="next-step">([^<]*)</p>', page)
    assert sentences == [
        "Beoordeel jezelf op Communiceren: kies hoe goed je het kunt en beschrijf een voorbeeld."
    ]


def test_supervisor_dashboard_counts_active_trajectories(web, org, supervisor, item):
    factories.trajectory(org, supervisor=supervisor, phase=Phase.RECOGNITION)
    factories.trajectory(org, supervisor=supervisor, phase=Phase.WITHDRAWN)
    factories.trajectory(org)  # someone else's
    web.login(supervisor.email)
    page = text(web.get("/overzicht"))
    assert "Je begeleidt 2 vrijwilligers met een lopend traject." in page
    assert "al lang niets gebeurd" not in page
    assert 'href="/begeleiding"' in page


def test_coordinator_dashboard_links_to_the_trajectories(web, org, coordinator):
    web.login(coordinator.email)
    page = text(web.get("/overzicht"))
    link = re.search(rf'<a href="/organisaties/{org.id}/trajecten">([^<]+)<', page)
    assert link and link.group(1) == "Trajecten"


# --- 10. lists ---------------------------------------------------------------------------------


def _list_url(organisation, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/organisaties/{organisation.id}/trajecten" + (f"?{query}" if query else "")


def _names_in(page: str) -> set[str]:
    return set(re.findall(r'<a href="/trajecten/\d+">([^<]+)</a></th>', page))


def test_coordinator_list_filters_by_phase_and_supervisor(web, org, coordinator, supervisor):
    bea = supervisor_of(org, name="Bea Begeleider", email="bea@test.example")
    for name, guide, phase in (
        ("Ilse Intake", supervisor, Phase.INTAKE),
        ("Hans Herkennen", supervisor, Phase.RECOGNITION),
        ("Iris Intake", bea, Phase.INTAKE),
    ):
        person = factories.user(Role.VOLUNTEER, org=org, name=name)
        factories.trajectory(org, volunteer=person, supervisor=guide, phase=phase)
    web.login(coordinator.email)
    assert _names_in(text(web.get(_list_url(org)))) == {
        "Ilse Intake",
        "Hans Herkennen",
        "Iris Intake",
    }
    page = text(web.get(_list_url(org, fase="intake")))
    assert _names_in(page) == {"Ilse Intake", "Iris Intake"}
    assert "2 trajecten gevonden" in page
    assert '<option value="intake" selected>' in page
    page = text(web.get(_list_url(org, begeleider=bea.id)))
    assert _names_in(page) == {"Iris Intake"}
    assert "1 traject gevonden" in page
    page = text(web.get(_list_url(org, fase="intake", begeleider=supervisor.id)))
    assert _names_in(page) == {"Ilse Intake"}


def _many_trajectories(session, organisation, supervisor, n: int) -> list[Trajectory]:
    """``n`` trajectories in one transaction (the factory commits per row, too slow for 26)."""
    people = [
        User(email=f"massa{i}@test.example", display_name=f"Massa {i:02d}", language="nl")
        for i in range(n)
    ]
    session.add_all(people)
    session.flush()
    session.add_all(
        Membership(user_id=p.id, organisation_id=organisation.id, role=Role.VOLUNTEER)
        for p in people
    )
    items = [
        Trajectory(
            organisation_id=organisation.id,
            volunteer_id=p.id,
            supervisor_id=supervisor.id,
            phase=Phase.INTAKE,
            framework_id="evc-a",
            framework_version="2026.1",
            last_activity_at=utcnow() - timedelta(minutes=i),
        )
        for i, p in enumerate(people)
    ]
    session.add_all(items)
    session.commit()
    return items


def test_coordinator_list_paginates_at_25(web, session, org, coordinator, supervisor):
    _many_trajectories(session, org, supervisor, 26)
    web.login(coordinator.email)
    first = text(web.get(_list_url(org)))
    assert "26 trajecten gevonden" in first
    assert "Pagina 1 van 2" in first
    assert first.count("data-trajectory=") == 25
    assert "Massa 00" in first and "Massa 25" not in first  # most recent activity first
    assert f'href="/organisaties/{org.id}/trajecten?pagina=2"' in first
    second = text(web.get(_list_url(org, pagina=2)))
    assert "Pagina 2 van 2" in second
    assert _names_in(second) == {"Massa 25"}


def test_trajectory_without_activity_for_over_30_days_is_marked_stil(
    web, other_web, session, org, coordinator, supervisor, item
):
    quiet = factories.trajectory(
        org,
        volunteer=factories.user(Role.VOLUNTEER, org=org, name="Stijn Stil"),
        supervisor=supervisor,
    )
    quiet.last_activity_at = utcnow() - timedelta(days=31)
    item.last_activity_at = utcnow() - timedelta(days=29)
    session.commit()
    badge = '<span class="badge badge--danger">stil</span>'
    web.login(coordinator.email)
    page = text(web.get(_list_url(org)))
    rows = dict(re.findall(r'data-trajectory="(\d+)">(.*?)</tr>', page, re.S))
    assert badge in rows[str(quiet.id)]
    assert badge not in rows[str(item.id)]
    other_web.login(supervisor.email)
    page = text(other_web.get("/begeleiding"))
    assert page.count(badge) == 1
    assert "Bij 1 traject is al lang niets gebeurd." in text(other_web.get("/overzicht"))


def _list_with(org, supervisor, n):
    """``n`` trajectories of one supervisor, each with an intake, a session, choices and one
    self-assessment, so every progress query has rows to find."""
    for _ in range(n):
        person = factories.user(Role.VOLUNTEER, org=org)
        item = factories.trajectory(
            org, volunteer=person, supervisor=supervisor, phase=Phase.RECOGNITION
        )
        factories.intake(item)
        factories.sessions(item, 1)
        factories.choose(item, "communicating", "cooperating")
        factories.self_assessment(item, "communicating")


@pytest.mark.parametrize("n", [1, 3])
def test_supervised_list_query_count_does_not_grow(web, session, org, supervisor, queries, n):
    _list_with(org, supervisor, n)
    web.login(supervisor.email)
    with queries() as statements:
        page = text(web.get("/begeleiding"))
    assert page.count("data-trajectory=") == n
    # the session, the user with memberships, the trajectories with volunteer and organisation,
    # and the seven progress queries (sessions, attendance, choices, self-assessments, intakes,
    # evidence counts, organisation settings), whether there is one trajectory or three
    assert len(statements) == 10, statements


@pytest.mark.parametrize("n", [1, 3])
def test_coordinator_list_query_count_does_not_grow(
    web, session, org, coordinator, supervisor, queries, n
):
    _list_with(org, supervisor, n)
    web.login(coordinator.email)
    with queries() as statements:
        page = text(web.get(_list_url(org)))
    assert page.count("data-trajectory=") == n
    # the session, the user, the organisation, the total for the pagination, the page of
    # trajectories with volunteer and supervisor, the seven progress queries and the
    # supervisors for the filter, whether there is one trajectory or three
    assert len(statements) == 13, statements


# --- more that people notice ---------------------------------------------------------------------


def _hidden_fields_of_form(page: str, action: str) -> dict:
    """The hidden inputs of the form posting to ``action``, as the browser would send them."""
    start = page.index(f'action="{action}"')
    form = page[start : page.index("</form>", start)]
    fields = {}
    for tag in re.findall(r'<input[^>]*type="hidden"[^>]*>', form):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields[name] = value.group(1) if value else ""
    return fields


def test_confirming_before_the_intake_is_recorded_is_refused(web, session, item, volunteer):
    web.login(volunteer.email)
    page = text(web.get(f"/trajecten/{item.id}"))
    assert "Het begingesprek is nog niet vastgelegd." in page
    assert "Ik bevestig de afspraken" not in page
    response = web.post_form(f"/trajecten/{item.id}/begingesprek/bevestigen", form_url="/overzicht")
    assert "Er is nog geen begingesprek vastgelegd." in follow(web, response)
    assert fresh(session, Trajectory, item.id).phase == Phase.INTAKE


def test_volunteer_does_not_confirm_agreements_changed_after_reading_them(
    web, other_web, session, item, volunteer, supervisor
):
    record = factories.intake(item, confirmed=False)
    web.login(volunteer.email)
    action = f"/trajecten/{item.id}/begingesprek/bevestigen"
    read = text(web.get(f"/trajecten/{item.id}"))
    assert "Weten wat ik kan." in read
    other_web.login(supervisor.email)
    changed = other_web.post_form(
        _intake_url(item),
        intake_data(goal="Een betaalde baan, fulltime.", version_id=str(record.version_id)),
    )
    assert changed.status_code == 302
    web.client.post(
        action,
        data=_hidden_fields_of_form(read, action),
        base_url=web.base_url,
        headers={"Referer": f"{web.base_url}/trajecten/{item.id}"},
    )
    assert fresh(session, Intake, record.id).confirmed_at is None
    assert fresh(session, Trajectory, item.id).phase == Phase.INTAKE


def test_volunteer_can_start_again_after_a_withdrawn_trajectory(
    web, other_web, session, org, item, coordinator, volunteer, supervisor
):
    web.login(coordinator.email)
    web.post_form(_withdraw_url(item), {"reason": "Even pauze."})
    assert "Vera Vrijwilliger" in text(web.get(_start_url(org)))
    response = web.post_form(
        _start_url(org), {"volunteer": str(volunteer.id), "supervisor": str(supervisor.id)}
    )
    again = session.scalars(
        select(Trajectory).where(Trajectory.volunteer_id == volunteer.id, Trajectory.id != item.id)
    ).one()
    assert response.headers["Location"] == f"/trajecten/{again.id}"
    other_web.login(volunteer.email)
    dashboard = text(other_web.get("/overzicht"))
    assert f'href="/trajecten/{again.id}"' in dashboard
    assert _current_step(dashboard) == "Begingesprek"
    old = text(other_web.get(f"/trajecten/{item.id}"))  # the old one stays readable
    assert "Even pauze." in old and "Het traject is gestopt." in old


def test_user_text_on_the_trajectory_page_is_escaped(web, org, supervisor):
    person = factories.user(Role.VOLUNTEER, org=org, name="<b>Vet</b>")
    trajectory = factories.trajectory(org, volunteer=person, supervisor=supervisor)
    record = factories.intake(trajectory, confirmed=False)
    record.goal = '<script>alert("doel")</script>'
    db.session.commit()
    web.login(supervisor.email)
    page = text(web.get(f"/trajecten/{trajectory.id}"))
    assert "<script>alert" not in page and "<b>Vet</b>" not in page
    assert "&lt;script&gt;alert" in page and "EVC-A-traject van &lt;b&gt;Vet&lt;/b&gt;" in page


def test_english_volunteer_reads_the_trajectory_in_english(web, org, supervisor):
    person = factories.user(Role.VOLUNTEER, org=org, language="en")
    trajectory = factories.trajectory(org, volunteer=person, supervisor=supervisor)
    factories.intake(trajectory, confirmed=False)
    web.login(person.email)
    page = text(web.get(f"/trajecten/{trajectory.id}"))
    assert "Read the agreements from your intake interview and confirm them." in page
    assert "Lees de afspraken" not in page


def test_coordinator_is_not_told_a_draft_self_assessment_is_final(
    web, session, recognising, coordinator
):
    factories.self_assessment(recognising, "communicating", complete=False)
    web.login(coordinator.email)
    page = text(web.get(_assessment_url(recognising)))
    assert "Op de voedselbank was het druk." in page
    assert "kan niet meer worden gewijzigd" not in page
    response = web.post_form(
        _assessment_url(recognising), {"situation": "X", "version_id": "1"}, form_url="/overzicht"
    )
    assert "is ingediend" not in follow(web, response)


def test_supervisor_dashboard_count_matches_the_list(web, other_web, org, other_org, coordinator):
    both = factories.user((org, Role.SUPERVISOR), (other_org, Role.SUPERVISOR), name="Tom Twee")
    factories.trajectory(org, supervisor=both)
    factories.trajectory(other_org, supervisor=both)
    # The coordinator of ``org`` takes the supervisor role away on the members screen.
    other_web.login(coordinator.email)
    members = f"/organisaties/{org.id}/leden"
    removed = other_web.post_form(
        f"{members}/{both.id}/rol-verwijderen/supervisor", form_url=members
    )
    assert "De rol is verwijderd voor Tom Twee." in follow(other_web, removed)
    web.login(both.email)
    assert text(web.get("/begeleiding")).count("data-trajectory=") == 1
    assert "Je begeleidt 1 vrijwilliger met een lopend traject." in text(web.get("/overzicht"))

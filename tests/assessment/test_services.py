"""The independent assessment, called service by service as the views do.

Vera's portfolio (communicating and cooperating) is submitted; Anna and Bram are assessors from
an assessment pool; Cor coordinates Vera's organisation and Sam supervises her. Every refusal is
checked for its Dutch message and for leaving the data as it was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evc.accounts.models import Role
from evc.assessment import services
from evc.assessment.models import (
    AssessmentReport,
    AssessmentReturn,
    Assignment,
    AssignmentStatus,
    FinalisedRecord,
    Judgement,
    JudgementCorrection,
    Resolution,
    Verdict,
)
from evc.assessment.services import assignment as assigning
from evc.errors import ConcurrentEdit
from evc.extensions import db
from evc.permissions import can
from evc.procedure import services as procedure
from evc.procedure.models import PhaseChange, SelfAssessment
from evc.procedure.phases import Phase
from evc.procedure.settings import save_settings
from tests import factories
from tests.assessment import actions, count, mails_to, next_request, refusal, written
from tests.factories import criteria, judgement_data

SUMMARY = "Vera laat beide competenties zien in haar werk bij de voedselbank."


# --- helpers ---------------------------------------------------------------------------------


def assign(trajectory, assessor, coordinator, **kwargs) -> Assignment:
    assignment = services.assign_assessor(trajectory, assessor, actor=coordinator, **kwargs)
    next_request()
    return assignment


def start(assignment) -> Assignment:
    """The assessor declares independence and finds the portfolio complete."""
    services.declare_independent(assignment, actor=assignment.assessor)
    services.confirm_complete(assignment, actor=assignment.assessor)
    next_request()
    return assignment


def judge(assignment, competency_id, verdict="demonstrated", *, version_id=None, **data):
    judgement = services.save_judgement(
        assignment,
        competency_id,
        judgement_data(verdict, **data),
        version_id=version_id,
        actor=assignment.assessor,
    )
    next_request()
    return judgement


def judge_all(assignment, **verdicts) -> None:
    for competency_id in ("communicating", "cooperating"):
        judge(assignment, competency_id, verdicts.get(competency_id, "demonstrated"))


def finalise(assignment, summary=SUMMARY) -> AssessmentReport:
    report = services.finalise(assignment, summary, version_id=None, actor=assignment.assessor)
    next_request()
    return report


def phase_changes(trajectory) -> list[tuple[Phase, Phase, str | None]]:
    return [
        (c.from_phase, c.to_phase, c.reason)
        for c in db.session.scalars(
            select(PhaseChange)
            .where(PhaseChange.trajectory_id == trajectory.id)
            .order_by(PhaseChange.id)
        )
    ]


@pytest.fixture
def assigned(submitted, anna, coordinator):
    """Anna is assigned to Vera's portfolio and has not declared anything yet."""
    return assign(submitted, anna, coordinator)


@pytest.fixture
def working(assigned):
    """Anna declared her independence and confirmed the portfolio is complete."""
    return start(assigned)


@pytest.fixture
def final(working):
    judge(working, "communicating", "demonstrated")
    judge(working, "cooperating", "not_yet", advice="Vraag een collega om een verklaring.")
    finalise(working)
    return working


# --- assigning -------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", [Phase.INTAKE, Phase.RECOGNITION, Phase.FINAL_INTERVIEW])
def test_an_assessor_is_assigned_only_to_a_submitted_portfolio(org, coordinator, anna, phase):
    trajectory = factories.trajectory(org, phase=phase)
    before = written()
    message = refusal(services.assign_assessor, trajectory, anna, actor=coordinator)
    assert message == "Een beoordelaar wijs je toe nadat het portfolio is ingediend."
    assert written() == before


def test_one_assessor_by_default_at_position_one(submitted, coordinator, anna, bram):
    assignment = assign(submitted, anna, coordinator)
    assert (assignment.position, assignment.status) == (1, AssignmentStatus.ASSIGNED)
    assert assignment.pseudonym
    before = written()
    message = refusal(services.assign_assessor, submitted, bram, actor=coordinator)
    assert message == "Dit portfolio heeft al genoeg beoordelaars."
    assert written() == before
    assert services.needed_positions(submitted) == []


def test_with_two_assessors_the_second_gets_position_two(org, submitted, coordinator, anna, bram):
    factories.org_settings(org, two_assessors=True)
    assert services.needed_positions(submitted) == [1, 2]
    first = assign(submitted, anna, coordinator)
    second = assign(submitted, bram, coordinator)
    assert (first.position, second.position) == (1, 2)
    assert first.pseudonym != second.pseudonym
    third = factories.assessor(name="Derde Beoordelaar")
    message = refusal(services.assign_assessor, submitted, third, actor=coordinator)
    assert message == "Dit portfolio heeft al genoeg beoordelaars."


def test_the_coordinator_chooses_from_active_pool_assessors(org, submitted, anna, bram, volunteer):
    blocked = factories.assessor(name="Geblokkeerde Beoordelaar", active=False)
    internal = factories.user(Role.ASSESSOR, org=org, name="Interne Beoordelaar")
    closed_pool = factories.assessment_pool("Opgeheven pool")
    closed_pool.is_active = False
    db.session.commit()
    factories.assessor(closed_pool, name="Oude Pool")
    names = [u.display_name for u in services.candidate_assessors(submitted)]
    assert names == ["Anna Beoordelaar", "Bram Beoordelaar"]
    assert blocked.display_name not in names
    factories.org_settings(org, allow_internal_assessor=True)
    names = [u.display_name for u in services.candidate_assessors(submitted)]
    assert names == ["Anna Beoordelaar", "Bram Beoordelaar", internal.display_name]


def test_a_concurrent_second_assignment_is_refused(submitted, coordinator, anna, bram, monkeypatch):
    """Two coordinators press 'toewijzen' at once: both saw position 1 free. The database
    keeps one open assignment per position; the second hears why and nothing of it remains."""
    assign(submitted, anna, coordinator)
    monkeypatch.setattr(assigning, "needed_positions", lambda _trajectory: [1])  # the stale view
    before = written()
    message = refusal(services.assign_assessor, submitted, bram, actor=coordinator)
    assert message == "Intussen is al een beoordelaar toegewezen."
    db.session.rollback()  # as the view does after a refusal
    assert written() == before
    [only] = services.open_assignments(submitted)
    assert only.assessor_id == anna.id
    assert mails_to(bram) == []


def test_the_assessor_is_mailed_with_a_link_to_the_declaration(submitted, coordinator, anna):
    assignment = assign(submitted, anna, coordinator)
    [mail] = mails_to(anna)
    assert mail.subject == "Er is een portfolio voor je om te beoordelen"
    assert mail.to_address == "anna@pool.example"
    assert f"/beoordelingen/{assignment.id}/verklaring" in mail.body
    assert "Vera Vrijwilliger" in mail.body
    assert actions()[-1] == "assessment.assigned"


def test_blind_assessment_mails_the_pseudonym_instead_of_the_name(
    org, submitted, coordinator, anna
):
    factories.org_settings(org, blind_assessment=True)
    assignment = assign(submitted, anna, coordinator)
    [mail] = mails_to(anna)
    assert assignment.pseudonym in mail.body
    for revealing in ("Vera", "vrijwilliger@test.example"):
        assert revealing not in mail.body and revealing not in mail.subject
    assert services.volunteer_label(assignment) == assignment.pseudonym


def test_without_blind_assessment_the_assessor_sees_the_name(assigned):
    assert services.volunteer_label(assigned) == "Vera Vrijwilliger"


def test_a_withdrawn_assignment_frees_the_position_and_tells_the_assessor(
    submitted, coordinator, assigned, anna, bram
):
    message = refusal(services.withdraw_assignment, assigned, "  ", actor=coordinator)
    assert message == "Geef een reden op."
    services.withdraw_assignment(assigned, "Reageert niet.", actor=coordinator)
    next_request()
    assert assigned.status == AssignmentStatus.WITHDRAWN
    assert [m.subject for m in mails_to(anna)][-1] == (
        "Een beoordeling is niet meer aan jou toegewezen"
    )
    assert services.needed_positions(submitted) == [1]
    assert assign(submitted, bram, coordinator).position == 1


# --- declaring or declining ------------------------------------------------------------------


def test_declaring_independence_starts_the_assessment(assigned, anna):
    services.declare_independent(assigned, actor=anna)
    next_request()
    assert assigned.status == AssignmentStatus.ACTIVE
    assert assigned.declared_at is not None
    assert actions()[-1] == "assessment.declared_independent"
    assert refusal(services.declare_independent, assigned, actor=anna) == (
        "Je hebt je verklaring al gegeven."
    )


def test_declining_asks_the_coordinators_for_someone_else(
    org, other_org, submitted, assigned, anna, bram, coordinator
):
    other_coordinator = factories.user(Role.COORDINATOR, org=other_org)
    services.decline(assigned, "Ik ken Vera van de sportclub.", actor=anna)
    next_request()
    assert assigned.status == AssignmentStatus.DECLINED
    assert assigned.decline_reason == "Ik ken Vera van de sportclub."
    [mail] = mails_to(coordinator)
    assert mail.subject == "Wijs een andere beoordelaar toe"
    assert f"/trajecten/{submitted.id}/beoordelaar" in mail.body
    assert mails_to(other_coordinator) == []
    assert services.needed_positions(submitted) == [1]
    message = refusal(services.assign_assessor, submitted, anna, actor=coordinator)
    assert "persoonlijk te kennen" in message
    assert assign(submitted, bram, coordinator).position == 1


@pytest.mark.parametrize(
    "step",
    [
        lambda a: services.confirm_complete(a, actor=a.assessor),
        lambda a: services.return_for_more(
            a, {"communicating": "Meer bewijs graag."}, "", actor=a.assessor
        ),
        lambda a: services.save_judgement(
            a, "communicating", judgement_data(), version_id=None, actor=a.assessor
        ),
    ],
    ids=["confirm complete", "return for more", "judge"],
)
def test_nothing_happens_before_the_declaration(assigned, step):
    before = (written(), count(Judgement), count(AssessmentReturn))
    assert refusal(step, assigned) == "Geef eerst je verklaring dat je de vrijwilliger niet kent."
    assert (written(), count(Judgement), count(AssessmentReturn)) == before
    assert assigned.trajectory.phase == Phase.ASSESSMENT


# --- step 1: completeness ----------------------------------------------------------------------


def test_the_checklist_shows_what_the_portfolio_holds_per_chosen_competency(org, evidence, working):
    trajectory = working.trajectory
    evidence.add(trajectory, "communicating", 2)
    stored = db.session.scalars(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == trajectory.id,
            SelfAssessment.competency_id == "cooperating",
        )
    ).one()
    stored.reflection = ""
    next_request()
    rows = {row.competency_id: row for row in services.checklist(trajectory)}
    assert set(rows) == {"communicating", "cooperating"}
    assert (rows["communicating"].evidence, rows["communicating"].ok) == (3, True)
    assert rows["cooperating"].rated and not rows["cooperating"].starr_complete
    assert not rows["cooperating"].ok


def test_judging_waits_until_the_portfolio_is_confirmed_complete(assigned, anna):
    services.declare_independent(assigned, actor=anna)
    next_request()
    message = refusal(
        services.save_judgement,
        assigned,
        "communicating",
        judgement_data(),
        version_id=None,
        actor=anna,
    )
    assert message == "Controleer eerst of het portfolio compleet is (stap 1)."
    assert count(Judgement) == 0


def test_returning_for_more_evidence_reopens_recognition(
    submitted, working, anna, volunteer, supervisor
):
    returned = services.return_for_more(
        working,
        {"cooperating": "Er is geen verklaring van een collega.", "communicating": "  "},
        "Bijna compleet.",
        actor=anna,
    )
    next_request()
    assert submitted.phase == Phase.RECOGNITION
    assert working.status == AssignmentStatus.ACTIVE
    assert working.completeness_confirmed_at is None
    assert returned.notes == {"cooperating": "Er is geen verklaring van een collega."}
    assert returned.general_note == "Bijna compleet."
    assert phase_changes(submitted)[-1] == (Phase.ASSESSMENT, Phase.RECOGNITION, "Bijna compleet.")
    assert "assessment.returned" in actions()
    for person in (volunteer, supervisor):
        [mail] = mails_to(person)
        assert mail.subject == "De beoordelaar vraagt om meer bewijs"
        assert "Er is geen verklaring van een collega." in mail.body
    # Vera and Sam can work on the portfolio again; Anna waits.
    assert can("self_assessment.edit", submitted, user=volunteer)
    assert can("portfolio.add", submitted, user=volunteer)
    assert can("trajectory.submit", submitted, user=supervisor)
    assert not can("assignment.work", working, user=anna)
    message = refusal(
        services.save_judgement,
        working,
        "communicating",
        judgement_data(),
        version_id=None,
        actor=anna,
    )
    assert message == (
        "Het portfolio is teruggestuurd. Je kunt verder als het opnieuw is ingediend."
    )


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ({}, "Schrijf bij minstens één competentie wat er nog ontbreekt."),
        ({"communicating": "   "}, "Schrijf bij minstens één competentie wat er nog ontbreekt."),
        (
            {"resilience": "Niet gekozen, toch een opmerking."},
            "Schrijf alleen iets bij de gekozen competenties.",
        ),
    ],
    ids=["no notes", "blank note", "competency not chosen"],
)
def test_a_return_says_per_chosen_competency_what_is_missing(working, anna, notes, message):
    before = (written(), count(AssessmentReturn))
    assert refusal(services.return_for_more, working, notes, "Algemeen", actor=anna) == message
    assert (written(), count(AssessmentReturn)) == before
    assert working.trajectory.phase == Phase.ASSESSMENT
    assert working.completeness_confirmed_at is not None


def test_a_resubmitted_portfolio_goes_back_to_the_same_assessor(
    submitted, working, anna, volunteer
):
    services.return_for_more(working, {"cooperating": "Voeg een verklaring toe."}, "", actor=anna)
    next_request()
    procedure.submit_for_assessment(submitted, actor=volunteer)
    next_request()
    assert submitted.phase == Phase.ASSESSMENT
    [still] = services.open_assignments(submitted)
    assert still.id == working.id and still.status == AssignmentStatus.ACTIVE
    assert count(Assignment) == 1
    assert services.needed_positions(submitted) == []
    [earlier] = services.returns_of(submitted.id)
    assert earlier.notes == {"cooperating": "Voeg een verklaring toe."}
    mail = mails_to(anna)[-1]
    assert mail.subject == "Het portfolio is opnieuw ingediend"
    assert f"/beoordelingen/{working.id}" in mail.body
    # Step 1 again before judging: the portfolio changed.
    message = refusal(
        services.save_judgement,
        still,
        "communicating",
        judgement_data(),
        version_id=None,
        actor=anna,
    )
    assert message == "Controleer eerst of het portfolio compleet is (stap 1)."
    services.confirm_complete(still, actor=anna)
    judge(still, "communicating")
    assert count(Judgement) == 1


def test_in_blind_assessment_the_resubmission_mail_keeps_the_pseudonym(
    org, submitted, working, anna, volunteer
):
    factories.org_settings(org, blind_assessment=True)
    services.return_for_more(working, {"cooperating": "Voeg een verklaring toe."}, "", actor=anna)
    next_request()
    procedure.submit_for_assessment(submitted, actor=volunteer)
    next_request()
    mail = mails_to(anna)[-1]
    assert mail.subject == "Het portfolio is opnieuw ingediend"
    assert working.pseudonym in mail.body and "Vera" not in mail.body


# --- step 2: judging --------------------------------------------------------------------------


def test_a_judgement_keeps_the_verdict_the_five_criteria_and_the_advice(working):
    given = criteria(
        quantity={"sufficient": False, "note": "Maar één stuk bewijs."},
        currency={"sufficient": True, "note": "  Van dit jaar.  "},
    )
    judgement = judge(
        working,
        "cooperating",
        "not_yet",
        criteria=given,
        motivation="Te weinig bewijs voor samenwerken.",
        advice="Vraag een verklaring aan je teamleider.",
    )
    stored = db.session.get(Judgement, judgement.id)
    assert stored.assignment_id == working.id
    assert stored.verdict == Verdict.NOT_YET
    assert stored.motivation == "Te weinig bewijs voor samenwerken."
    assert stored.advice == "Vraag een verklaring aan je teamleider."
    assert list(stored.criteria) == [
        "variation",
        "relevance",
        "authenticity",
        "currency",
        "quantity",
    ]
    assert stored.criteria["quantity"] == {"sufficient": False, "note": "Maar één stuk bewijs."}
    assert stored.criteria["currency"] == {"sufficient": True, "note": "Van dit jaar."}
    assert actions()[-1] == "assessment.judged"


def test_only_chosen_competencies_are_judged(working, anna):
    message = refusal(
        services.save_judgement,
        working,
        "resilience",
        judgement_data(),
        version_id=None,
        actor=anna,
    )
    assert message == "Deze competentie is niet gekozen en wordt niet beoordeeld."
    assert count(Judgement) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"verdict": ""}, "Kies aangetoond of nog niet aangetoond."),
        ({"verdict": "maybe"}, "Kies aangetoond of nog niet aangetoond."),
        ({"motivation": ""}, "Schrijf waarom je tot dit oordeel komt (minstens 10 tekens)."),
        ({"motivation": "   "}, "Schrijf waarom je tot dit oordeel komt (minstens 10 tekens)."),
        (
            {"motivation": "  Negen ok  "},  # 9 characters once trimmed
            "Schrijf waarom je tot dit oordeel komt (minstens 10 tekens).",
        ),
        ({"criteria": {}}, "Geef bij elk VRAAK-criterium aan of het voldoende is."),
        *(
            (
                {"criteria": criteria(**{name: {"note": "geen keuze"}})},
                "Geef bij elk VRAAK-criterium aan of het voldoende is.",
            )
            for name in ("variation", "relevance", "authenticity", "currency", "quantity")
        ),
        (
            {"criteria": criteria(relevance={"sufficient": None, "note": ""})},
            "Geef bij elk VRAAK-criterium aan of het voldoende is.",
        ),
    ],
    ids=[
        "no verdict",
        "unknown verdict",
        "no motivation",
        "blank motivation",
        "motivation of 9 characters",
        "no criteria",
        "variation missing",
        "relevance missing",
        "authenticity missing",
        "currency missing",
        "quantity missing",
        "criterion without a choice",
    ],
)
def test_an_incomplete_judgement_is_refused(working, anna, data, message):
    before = (written(), count(Judgement))
    assert (
        refusal(
            services.save_judgement,
            working,
            "communicating",
            judgement_data(**data),
            version_id=None,
            actor=anna,
        )
        == message
    )
    assert (written(), count(Judgement)) == before


def test_a_motivation_of_ten_characters_is_enough(working):
    assert judge(working, "communicating", motivation="Tien tekst").motivation == "Tien tekst"


def test_a_stale_edit_is_refused_and_the_newer_judgement_stays(working, anna):
    first = judge(working, "communicating", "demonstrated")
    opened = first.version_id  # two tabs open on the same judgement
    newer = judge(
        working, "communicating", "not_yet", version_id=opened, motivation="Tweede tabblad wint."
    )
    assert newer.version_id != opened
    with pytest.raises(ConcurrentEdit) as caught:
        services.save_judgement(
            working,
            "communicating",
            judgement_data("demonstrated", motivation="Eerste tabblad, te laat."),
            version_id=opened,
            actor=anna,
        )
    assert "Iemand anders heeft dit intussen opgeslagen" in str(caught.value.message)
    db.session.rollback()
    db.session.expire_all()
    [stored] = db.session.scalars(select(Judgement)).all()
    assert (stored.verdict, stored.motivation) == (Verdict.NOT_YET, "Tweede tabblad wint.")
    assert stored.version_id == newer.version_id


def test_a_first_save_with_a_version_is_stale(working, anna):
    """The editor showed a saved judgement that is gone: do not silently create a new one."""
    with pytest.raises(ConcurrentEdit):
        services.save_judgement(
            working, "communicating", judgement_data(), version_id=3, actor=anna
        )
    assert count(Judgement) == 0


# --- step 3: the report -----------------------------------------------------------------------


def test_finalising_names_the_competencies_still_to_judge(working, anna):
    judge(working, "communicating")
    before = written()
    message = refusal(services.finalise, working, SUMMARY, version_id=None, actor=anna)
    assert message == "Geef eerst een oordeel over: Samenwerken."
    assert written() == before
    assert working.trajectory.phase == Phase.ASSESSMENT
    assert services.report_of(working.trajectory) is None


@pytest.mark.parametrize("summary", ["", "   ", "Te kort."])
def test_finalising_needs_a_summary(working, anna, summary):
    judge_all(working)
    message = refusal(services.finalise, working, summary, version_id=None, actor=anna)
    assert message == "Schrijf een samenvatting van je beoordeling (minstens 10 tekens)."
    assert working.trajectory.phase == Phase.ASSESSMENT


def test_finalising_makes_the_report_final_and_moves_to_the_final_interview(
    submitted, working, anna, volunteer, supervisor
):
    judge(working, "communicating", "demonstrated")
    judge(working, "cooperating", "not_yet")
    assert services.outcome(submitted) == {}  # nothing is shown before the report is final
    report = finalise(working)
    assert submitted.phase == Phase.FINAL_INTERVIEW
    assert report.finalised_at is not None and report.finalised_by_id == anna.id
    assert report.summary == SUMMARY
    assert working.status == AssignmentStatus.FINALISED and working.finalised_at is not None
    assert phase_changes(submitted)[-1][:2] == (Phase.ASSESSMENT, Phase.FINAL_INTERVIEW)
    assert "assessment.finalised" in actions()
    for person in (volunteer, supervisor):
        [mail] = mails_to(person)
        assert mail.subject == "Het beoordelingsrapport is klaar"
        assert f"/trajecten/{submitted.id}/beoordeling" in mail.body
    verdicts = {c: o.verdict for c, o in services.outcome(submitted).items()}
    assert verdicts == {"communicating": Verdict.DEMONSTRATED, "cooperating": Verdict.NOT_YET}


def test_a_draft_summary_is_kept_and_finalised_with_its_version(working, anna):
    judge_all(working)
    draft = services.save_summary(working, "Eerste opzet.", version_id=None, actor=anna)
    next_request()
    assert draft.finalised_at is None and working.trajectory.phase == Phase.ASSESSMENT
    with pytest.raises(ConcurrentEdit):
        services.finalise(working, SUMMARY, version_id=draft.version_id + 1, actor=anna)
    db.session.rollback()
    db.session.expire_all()
    assert services.report_of(working.trajectory).summary == "Eerste opzet."
    report = services.finalise(working, SUMMARY, version_id=draft.version_id, actor=anna)
    next_request()
    assert report.id == draft.id and report.summary == SUMMARY
    assert working.trajectory.phase == Phase.FINAL_INTERVIEW


def test_a_final_report_cannot_be_changed_through_the_services(final, anna):
    before = (written(), count(Judgement))
    assert (
        refusal(
            services.save_judgement,
            final,
            "communicating",
            judgement_data("not_yet"),
            version_id=1,
            actor=anna,
        )
        == "Je beoordeling is afgerond en kan niet meer worden gewijzigd."
    )
    assert refusal(services.finalise, final, SUMMARY, version_id=None, actor=anna)
    assert refusal(services.save_summary, final, "Anders.", version_id=None, actor=anna)
    assert refusal(services.decline, final, "Toch niet.", actor=anna)
    assert (written(), count(Judgement)) == before


def _change_verdict(judgement, _report):
    judgement.verdict = Verdict.NOT_YET


def _change_motivation(judgement, _report):
    judgement.motivation = "Achteraf anders opgeschreven."


def _delete_judgement(judgement, _report):
    db.session.delete(judgement)


def _change_summary(_judgement, report):
    report.summary = "Achteraf herschreven samenvatting."


def _reopen_report(_judgement, report):
    report.finalised_at = None


def _delete_report(_judgement, report):
    db.session.delete(report)


def _reopen_assignment_and_change_verdict(judgement, _report):
    """A 'reopen' code path: clearing the assignment's finalised_at in the same flush must not
    open a way around the guard (the report's guard looks at the stored value too)."""
    judgement.assignment.finalised_at = None
    judgement.assignment.status = AssignmentStatus.ACTIVE
    judgement.verdict = Verdict.NOT_YET


@pytest.mark.parametrize(
    "tamper",
    [
        _change_verdict,
        _change_motivation,
        _delete_judgement,
        _change_summary,
        _reopen_report,
        _delete_report,
        _reopen_assignment_and_change_verdict,
    ],
    ids=[
        "change a verdict",
        "change a motivation",
        "delete a judgement",
        "change the summary",
        "reopen the report",
        "delete the report",
        "reopen the assignment and change a verdict",
    ],
)
def test_code_that_modifies_a_final_record_fails_at_flush(final, tamper):
    judgement = db.session.scalars(
        select(Judgement).where(Judgement.competency_id == "communicating")
    ).one()
    report = services.report_of(final.trajectory)
    tamper(judgement, report)
    with pytest.raises(FinalisedRecord):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Judgement, judgement.id).verdict == Verdict.DEMONSTRATED
    assert services.report_of(final.trajectory).finalised_at is not None


def test_a_correction_is_a_new_record_and_changes_the_outcome(final, anna, volunteer, supervisor):
    trajectory = final.trajectory
    original = db.session.scalars(
        select(Judgement).where(Judgement.competency_id == "cooperating")
    ).one()
    kept = (original.verdict, original.motivation, original.advice, original.version_id)
    correction = services.correct(
        final,
        "cooperating",
        {
            "verdict": "demonstrated",
            "motivation": "De verklaring van de teamleider telt toch mee.",
            "reason": "Ik had de verklaring over het hoofd gezien.",
        },
        actor=anna,
    )
    next_request()
    assert count(JudgementCorrection) == 1
    assert correction.judgement_id == original.id and correction.corrected_by_id == anna.id
    fresh = db.session.get(Judgement, original.id)
    assert (fresh.verdict, fresh.motivation, fresh.advice, fresh.version_id) == kept
    result = services.outcome(trajectory)["cooperating"]
    assert result.verdict == Verdict.DEMONSTRATED
    assert result.motivation == "De verklaring van de teamleider telt toch mee."
    assert [c.reason for c in result.corrections] == ["Ik had de verklaring over het hoofd gezien."]
    assert services.outcome(trajectory)["communicating"].corrections == []
    assert "assessment.corrected" in actions()
    for person in (volunteer, supervisor):
        assert mails_to(person)[-1].subject == (
            "Een oordeel in het beoordelingsrapport is gecorrigeerd"
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"verdict": "demonstrated", "motivation": "Toch aangetoond, zie verklaring."},
            "Schrijf waarom je het oordeel corrigeert (minstens 10 tekens).",
        ),
        (
            {"verdict": "demonstrated", "motivation": "kort", "reason": "Iets over het hoofd."},
            "Schrijf waarom je tot dit oordeel komt (minstens 10 tekens).",
        ),
        (
            {"verdict": "", "motivation": "Toch aangetoond.", "reason": "Iets over het hoofd."},
            "Kies aangetoond of nog niet aangetoond.",
        ),
    ],
    ids=["no reason", "short motivation", "no verdict"],
)
def test_a_correction_needs_a_verdict_a_motivation_and_a_reason(final, anna, data, message):
    before = (written(), count(JudgementCorrection))
    assert refusal(services.correct, final, "cooperating", data, actor=anna) == message
    assert (written(), count(JudgementCorrection)) == before


def test_no_correction_after_the_trajectory_is_completed(final, anna, supervisor):
    from datetime import date

    from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
    from evc.db import utcnow

    # Completion needs the final interview and an agreed plan (the certificates domain).
    trajectory_id = final.trajectory.id
    db.session.add(
        FinalInterview(
            trajectory_id=trajectory_id, held_on=date.today(), discussed="x", volunteer_reaction="y"
        )
    )
    db.session.add(
        DevelopmentPlanVersion(
            trajectory_id=trajectory_id,
            number=1,
            goals=[{"goal": "Verder"}],
            volunteer_confirmed_at=utcnow(),
            supervisor_confirmed_at=utcnow(),
        )
    )
    procedure.advance_phase(final.trajectory, Phase.COMPLETED, actor=supervisor)
    next_request()
    data = {"verdict": "demonstrated", "motivation": "Toch aangetoond.", "reason": "Vergissing."}
    message = refusal(services.correct, final, "cooperating", data, actor=anna)
    assert "Dit traject is al afgerond." in message
    assert count(JudgementCorrection) == 0


def test_blind_assessment_shows_the_pseudonym_until_the_report_is_final(org, working):
    factories.org_settings(org, blind_assessment=True)
    assert services.volunteer_label(working) == working.pseudonym
    judge_all(working)
    finalise(working)
    assert services.volunteer_label(working) == "Vera Vrijwilliger"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_guidance_sessions", 21, "Kies een aantal van 0 tot 20."),
        ("recommended_group_meetings", -1, "Kies een aantal van 0 tot 20."),
        ("stalled_after_days", 6, "Kies een aantal dagen van 7 tot 365."),
    ],
)
def test_settings_out_of_range_are_refused(org, coordinator, field, value, message):
    data = {
        "min_guidance_sessions": 2,
        "recommended_group_meetings": 2,
        "stalled_after_days": 30,
        "allow_internal_assessor": True,
        "blind_assessment": True,
        "two_assessors": True,
        field: value,
    }
    assert refusal(save_settings, org, data, actor=coordinator) == message
    db.session.rollback()
    assert not services.settings_of(org.id).two_assessors


def test_settings_are_saved_and_used(org, coordinator):
    assert not services.settings_of(org.id).blind_assessment  # the defaults
    data = {
        "min_guidance_sessions": 3,
        "recommended_group_meetings": 1,
        "stalled_after_days": 14,
        "allow_internal_assessor": False,
        "blind_assessment": True,
        "two_assessors": True,
    }
    save_settings(org, data, actor=coordinator)
    next_request()
    stored = services.settings_of(org.id)
    assert (stored.blind_assessment, stored.two_assessors, stored.min_guidance_sessions) == (
        True,
        True,
        3,
    )
    assert actions()[-1] == "settings.changed"


# --- two assessors ----------------------------------------------------------------------------


@pytest.fixture
def pair(org, submitted, coordinator, anna, bram):
    """Two assessors on Vera's portfolio, both declared and both found it complete."""
    factories.org_settings(org, two_assessors=True)
    lead = start(assign(submitted, anna, coordinator))
    second = start(assign(submitted, bram, coordinator))
    assert (lead.position, second.position) == (1, 2)
    return lead, second


def mark_judged(assignment) -> None:
    services.mark_judged(assignment, actor=assignment.assessor)
    next_request()


def test_each_assessor_writes_their_own_judgements(pair):
    lead, second = pair
    mine = judge(lead, "communicating", "demonstrated")
    theirs = judge(second, "communicating", "not_yet")
    assert mine.id != theirs.id
    assert (mine.assignment_id, theirs.assignment_id) == (lead.id, second.id)
    assert count(Judgement) == 2
    assert services.judgements_of(lead)["communicating"].verdict == Verdict.DEMONSTRATED
    assert services.judgements_of(second)["communicating"].verdict == Verdict.NOT_YET


def test_marking_judged_needs_every_competency_and_locks_the_own_judgements(pair, bram):
    _lead, second = pair
    judge(second, "communicating")
    assert refusal(services.mark_judged, second, actor=bram) == (
        "Geef eerst een oordeel over: Samenwerken."
    )
    judge(second, "cooperating")
    mark_judged(second)
    assert second.status == AssignmentStatus.JUDGED and second.judged_at is not None
    message = refusal(
        services.save_judgement,
        second,
        "cooperating",
        judgement_data("not_yet"),
        version_id=1,
        actor=bram,
    )
    assert message == "Je beoordeling is afgerond en kan niet meer worden gewijzigd."


def test_differences_show_only_once_both_assessors_are_done(pair):
    lead, second = pair
    judge_all(lead, cooperating="demonstrated")
    judge_all(second, cooperating="not_yet")
    assert services.differences(lead) == [] and services.differences(second) == []
    mark_judged(lead)
    assert services.differences(lead) == [] and services.differences(second) == []
    mark_judged(second)
    [difference] = services.differences(second)
    assert difference.competency_id == "cooperating"
    assert (difference.lead.verdict, difference.second.verdict) == (
        Verdict.DEMONSTRATED,
        Verdict.NOT_YET,
    )
    assert difference.resolution is None
    assert [d.competency_id for d in services.differences(lead)] == ["cooperating"]


def test_only_the_lead_records_the_agreed_verdict(pair, anna, bram):
    lead, second = pair
    judge_all(lead, cooperating="demonstrated")
    judge_all(second, cooperating="not_yet")
    mark_judged(lead)
    mark_judged(second)
    reason = "Samen besproken: de verklaring is overtuigend."
    before = count(Resolution)
    assert refusal(services.resolve, second, "cooperating", "not_yet", reason, actor=bram) == (
        "De eerste beoordelaar legt het gezamenlijke oordeel vast."
    )
    assert refusal(services.resolve, lead, "communicating", "demonstrated", reason, actor=anna) == (
        "Over deze competentie verschillen jullie niet van oordeel."
    )
    assert "minstens 10 tekens" in refusal(
        services.resolve, lead, "cooperating", "not_yet", "Eens.", actor=anna
    )
    assert count(Resolution) == before


def test_finalising_waits_for_both_assessors_and_for_agreement(pair, anna, bram):
    lead, second = pair
    judge_all(lead, cooperating="demonstrated")
    judge_all(second, cooperating="not_yet")
    mark_judged(lead)
    message = refusal(services.finalise, lead, SUMMARY, version_id=None, actor=anna)
    assert message.startswith("Beide beoordelaars moeten eerst")
    mark_judged(second)
    assert refusal(services.finalise, second, SUMMARY, version_id=None, actor=bram) == (
        "De eerste beoordelaar maakt het rapport definitief."
    )
    assert refusal(services.finalise, lead, SUMMARY, version_id=None, actor=anna) == (
        "Leg eerst het gezamenlijke oordeel vast voor: Samenwerken."
    )
    assert lead.trajectory.phase == Phase.ASSESSMENT

    services.resolve(
        lead,
        "cooperating",
        "not_yet",
        "Samen besproken: er is nog te weinig bewijs.",
        actor=anna,
    )
    next_request()
    finalise(lead)
    assert lead.trajectory.phase == Phase.FINAL_INTERVIEW
    assert (lead.status, second.status) == (AssignmentStatus.FINALISED,) * 2
    result = services.outcome(lead.trajectory)
    assert result["cooperating"].verdict == Verdict.NOT_YET
    assert result["cooperating"].motivation == "Samen besproken: er is nog te weinig bewijs."
    assert result["communicating"].verdict == Verdict.DEMONSTRATED


def test_with_two_assessors_only_the_lead_corrects(pair, anna, bram):
    lead, second = pair
    judge_all(lead)
    judge_all(second)
    mark_judged(lead)
    mark_judged(second)
    finalise(lead)
    data = {"verdict": "not_yet", "motivation": "Toch niet aangetoond.", "reason": "Vergissing."}
    message = refusal(services.correct, second, "communicating", data, actor=bram)
    assert message == "Alleen de eerste beoordelaar corrigeert een definitief rapport."
    assert count(JudgementCorrection) == 0


def test_a_resubmission_reaches_both_assessors(pair, submitted, volunteer, anna, bram):
    """Bram was done when Anna sent the portfolio back; the portfolio he judged has changed
    since, so he hears that it is back, as Anna does."""
    lead, second = pair
    judge_all(second)
    mark_judged(second)
    services.return_for_more(lead, {"cooperating": "Voeg een verklaring toe."}, "", actor=anna)
    next_request()
    procedure.submit_for_assessment(submitted, actor=volunteer)
    next_request()
    for assessor in (anna, bram):
        assert mails_to(assessor)[-1].subject == "Het portfolio is opnieuw ingediend"

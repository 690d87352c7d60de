"""The competency framework files: every file loads, the twelve exact names, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evc.config import ROOT
from evc.framework import FrameworkError, load_directory, load_file

EXACT_NAMES = [
    "Systematisch werken",
    "Betrouwbaarheid tonen",
    "Omgaan met tijd en tempo",
    "Problemen oplossen",
    "Veilig en gezond te werk gaan",
    "Communiceren",
    "Presentatie",
    "Bijdragen aan goede werkrelaties",
    "Samenwerken",
    "Incasseren",
    "Toepassen taal en rekenen",
    "Al doende leren",
]
GOOD = ROOT / "competencies" / "evc-a.yaml"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "competencies").glob("*.yaml")), ids=lambda p: p.name
)
def test_every_framework_file_loads(path):
    framework = load_file(path)
    assert framework.version and framework.source
    assert len(framework.competencies) == 12
    assert [p.value for p in framework.scale] == [1, 2, 3, 4]


def test_evc_a_has_the_twelve_competencies_with_their_exact_dutch_names():
    framework = load_file(GOOD)
    assert [c.name.nl for c in framework.competencies] == EXACT_NAMES
    assert len(set(framework.competency_ids)) == 12
    for competency in framework.competencies:
        assert competency.definition.nl and competency.definition.en
        assert 3 <= len(competency.behaviours) <= 4
    assert [p.label.nl for p in framework.scale] == ["Nog niet", "Een beetje", "Goed", "Heel goed"]


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(GOOD.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "kapot.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, key, problem",
    [
        (lambda d: d.pop("version"), "version", "is missing"),
        (lambda d: d["competencies"].pop(), "competencies", "exactly 12"),
        (
            lambda d: d["competencies"][2]["name"].pop("en"),
            "competencies[managing_time_and_pace].name.en",
            "missing or empty",
        ),
        (
            lambda d: d["competencies"][1].update(id="systematic_working"),
            "competencies[1].id",
            "used twice",
        ),
        (
            lambda d: d["competencies"][0].update(
                behaviours=d["competencies"][0]["behaviours"][:2]
            ),
            "competencies[systematic_working].behaviours",
            "3 or 4",
        ),
        (lambda d: d["scale"][3].update(value=5), "scale[3].value", "must be 4"),
        (lambda d: d["scale"].pop(), "scale", "exactly 4"),
        (
            lambda d: d["competencies"][4].update(id="Met Spaties"),
            "competencies[4].id",
            "lowercase",
        ),
    ],
)
def test_broken_file_names_the_file_and_the_key(tmp_path, change, key, problem):
    path = _broken(tmp_path, change)
    with pytest.raises(FrameworkError) as error:
        load_file(path)
    assert error.value.key == key
    assert problem in error.value.problem
    assert "kapot.yaml" in str(error.value)


def test_invalid_yaml_reports_the_line(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("id: evc-a\nversion: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"kapot\.yaml: line \d+: is not valid YAML"):
        load_file(path)


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(FrameworkError, match="contains no"):
        load_directory(tmp_path)


def test_app_does_not_start_with_a_broken_framework(tmp_path, make_app):
    _broken(tmp_path, lambda d: d.pop("source"))
    with pytest.raises(FrameworkError, match="kapot.yaml: source: is missing"):
        make_app(FRAMEWORK_DIR=str(tmp_path))


def test_check_framework_command_lists_and_fails_clearly(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evc", "check-framework"])
    assert result.exit_code == 0
    assert "evc-a 2026.1: 12 competencies, 4-point scale" in result.output
    _broken(tmp_path, lambda d: d["competencies"][0].pop("definition"))
    app.config["FRAMEWORK_DIR"] = str(tmp_path)
    result = runner.invoke(args=["evc", "check-framework"])
    assert result.exit_code == 1
    assert "kapot.yaml: competencies[systematic_working].definition: is missing" in result.output

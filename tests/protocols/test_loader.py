"""The protocol files: the seed library validates, and broken files are refused by name."""

from __future__ import annotations

import pytest
import yaml

from evc.config import Defaults
from evc.protocols.loader import (
    ProtocolError,
    ResourceKind,
    load_directory,
    load_file,
    parse_protocol,
)

REQUIRED_TASKS = {
    "wheelchair_transfer",
    "walking_support",
    "eating_and_drinking",
    "toilet_visit",
    "oral_medication",
    "outing_escort",
}


def test_seed_library_holds_the_six_care_tasks_and_validates():
    library = load_directory(Defaults.PROTOCOL_DIR)
    assert REQUIRED_TASKS <= set(library)
    for spec in library.values():
        assert spec.know and spec.skills and spec.resources and spec.stop_and_call
        assert 1 <= spec.validity_months <= 60
    assert library["oral_medication"].risk_level == "high"
    assert not library["oral_medication"].reserved_act  # risky, but not a reserved act
    assert library["insulin_pen"].reserved_act
    assert any(r.kind == ResourceKind.VOG for r in library["eating_and_drinking"].resources)


def _raw(name: str = "walking_support") -> dict:
    with open(f"{Defaults.PROTOCOL_DIR}/{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize(
    "section", ["know", "skills", "resources", "stop_and_call", "validity_months", "title"]
)
def test_protocol_without_a_section_is_refused_naming_it(section):
    data = _raw()
    del data[section]
    with pytest.raises(ProtocolError) as error:
        parse_protocol(data, "walking.yaml")
    assert error.value.key == section
    assert "walking.yaml" in str(error.value)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"risk_level": "extreme"}, "risk_level"),
        ({"reserved_act": "ja"}, "reserved_act"),
        ({"validity_months": 0}, "validity_months"),
        ({"id": "Met Spaties"}, "id"),
        ({"resources": [{"kind": "cash", "text": "Geld"}]}, "resources[0].kind"),
        ({"know": ["Hetzelfde punt", "Hetzelfde  punt"]}, "know[1]"),
    ],
)
def test_protocol_with_a_wrong_value_is_refused_naming_the_key(change, key):
    data = {**_raw(), **change}
    with pytest.raises(ProtocolError) as error:
        parse_protocol(data)
    assert error.value.key == key


def test_two_files_with_the_same_id_are_refused(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(_raw()), encoding="utf-8")
    with pytest.raises(ProtocolError, match="also used by another file"):
        load_directory(tmp_path)


def test_broken_yaml_names_the_line(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("id: x\ntitle: [niet dicht\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="line"):
        load_file(path)


def test_app_refuses_to_start_with_a_broken_protocol_folder(make_app, tmp_path):
    data = _raw()
    del data["skills"]
    (tmp_path / "kapot.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ProtocolError, match="skills"):
        make_app(PROTOCOL_DIR=str(tmp_path))


def test_check_framework_command_also_validates_the_protocols(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["evc", "check-framework"])
    assert result.exit_code == 0
    assert "care-task protocols" in result.output and "oral_medication" in result.output
    data = _raw()
    del data["know"]
    (tmp_path / "kapot.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    app.config["PROTOCOL_DIR"] = str(tmp_path)
    result = app.test_cli_runner().invoke(args=["evc", "check-framework"])
    assert result.exit_code == 1
    assert "know" in result.output

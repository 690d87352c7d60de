"""The web layer has one shape: each view enforces the rule it declares, through the decorator,
and no view writes the save step (try / except DomainError / rollback) by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from evc.config import ROOT
from evc.web import Loader

VIEW_MODULES = sorted(
    path
    for path in Path(ROOT, "evc").rglob("*.py")
    if "views" in path.parts or path.name == "views.py"
)
MAX_VIEW_LINES = 25



def _routes(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "route"
            for d in node.decorator_list
        ):
            yield node


def _calls(node, name: str):
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            func = inner.func
            if getattr(func, "id", None) == name or getattr(func, "attr", None) == name:
                yield inner


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_no_view_checks_a_rule_by_hand(path):
    """``can()`` in a condition or ``require()`` in a view means the declared rule is not the
    one enforced: the decorator must name the rule the view acts under."""
    tree = _tree(path)
    found = [f"line {call.lineno}: require()" for call in _calls(tree, "require")]
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            found += [f"line {call.lineno}: can() decides" for call in _calls(node.test, "can")]
    assert not found, f"{_name(path)}: " + "; ".join(found)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_no_view_handles_domain_errors_by_hand(path):
    handlers = [
        node.lineno
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ExceptHandler)
        and "DomainError" in ast.unparse(node.type or ast.Name("BaseException"))
    ]
    assert not handlers, f"{_name(path)} catches DomainError itself at lines {handlers}"


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_view_bodies_are_short(path):
    long = [
        f"{node.name} ({node.end_lineno - node.lineno} lines)"
        for node in _routes(_tree(path))
        if node.end_lineno - node.lineno > MAX_VIEW_LINES
    ]
    assert not long, f"{_name(path)}: views over {MAX_VIEW_LINES} lines: {long}"


def test_every_protected_view_is_declared_through_the_web_layer(app):
    """A protected view names its rule and, for an object, the loader it applies to."""
    old_style = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        declared = getattr(view, "permission_rule", None)
        if rule.endpoint == "static" or declared in ("public", "token"):
            continue
        load = getattr(view, "permission_load", "missing")
        if load != "missing" and (load is None or isinstance(load, Loader)):
            continue
        old_style.append(rule.endpoint)
    assert not old_style, "views not declared with evc.web.permission: " + ", ".join(old_style)


def test_a_loader_parameter_is_in_the_url_of_every_view_that_uses_it(app):
    loads = {
        rule.rule: (getattr(app.view_functions[rule.endpoint], "permission_load", None), rule)
        for rule in app.url_map.iter_rules()
    }
    mismatched = [
        path
        for path, (load, rule) in loads.items()
        if isinstance(load, Loader) and load.param not in rule.arguments
    ]
    assert not mismatched, mismatched

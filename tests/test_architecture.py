"""The dependency rules of STYLE.md, checked on the parsed source of every module in app/."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
import yaml

from app.config import ROOT

APP = ROOT / "app"
MODULES = sorted(APP.rglob("*.py"))
FLASK_FREE = ("app/engine/", "app/services/", "app/formdefs.py", "app/formdefs/", "app/calendar.py")
# Their validation and calendar message tables are bilingual by design (zh default, en beside).
# Modules that read Chinese text (forms, holiday notices, clause citations) name its words.
CHINESE_ALLOWED = ("app/formdefs.py", "app/formdefs/", "app/calendar.py",
                   "app/services/citations.py")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def imported_modules(path: Path) -> set[str]:
    """Return every module name `path` imports (absolute, top-level and nested)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def _under(path: Path, prefixes) -> bool:
    return relative(path).startswith(prefixes) or relative(path) in prefixes


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_only_the_engine_imports_spiffworkflow(path):
    spiff = {m for m in imported_modules(path) if m.split(".")[0] == "SpiffWorkflow"}

    assert not spiff or relative(path).startswith("app/engine/"), spiff


@pytest.mark.parametrize("path", [p for p in MODULES if _under(p, FLASK_FREE)], ids=relative)
def test_engine_services_forms_and_calendar_do_not_import_flask(path):
    flask = {m for m in imported_modules(path)
             if m.split(".")[0] == "flask" or m.split(".")[0].startswith("flask_")}

    assert flask == set()


def test_the_flask_free_layers_exist():
    # Guards against the list above silently matching nothing after a move.
    found = {relative(p) for p in MODULES}
    assert {"app/calendar.py", "app/engine/runtime.py", "app/services/tasks.py"} <= found


def commit_calls(path: Path) -> list[int]:
    """Return the lines where `path` calls `<something>.session.commit()`."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit" and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "session"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_only_services_commit(path):
    calls = commit_calls(path)

    assert not calls or relative(path).startswith("app/services/"), calls


def test_services_do_commit():
    assert any(commit_calls(p) for p in MODULES if relative(p).startswith("app/services/"))


def code_tokens(path: Path) -> list[tuple[int, str]]:
    """Return (line, text) of every token of `path` except comments and docstrings."""
    source = path.read_text(encoding="utf-8")
    docstrings = {node.body[0].value.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)
                  and isinstance(node.body[0].value.value, str)}
    return [(token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type != tokenize.COMMENT
            and not (token.type == tokenize.STRING and token.start[0] in docstrings)]


def jurisdiction_words() -> set[str]:
    """Return every jurisdiction and county name and key declared in processes/*/meta.yaml."""
    words = set()
    for meta_path in (ROOT / "processes").glob("*/meta.yaml"):
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
        words.update({meta["key"], meta["name"], meta.get("name_en", "")})
        words.add(meta["name"].removesuffix("市"))
        for county in meta["counties"]:
            words.update({county["code"], county["name"]})
    return {w for w in words if w}


def test_the_jurisdiction_words_cover_both_seeds():
    assert {"kunming", "liaocheng", "昆明", "聊城", "wuhua", "五华区"} <= jurisdiction_words()


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_app_code_names_no_jurisdiction(path):
    pattern = re.compile("|".join(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])"
                                  for w in sorted(jurisdiction_words())), re.IGNORECASE)

    found = [(line, text) for line, text in code_tokens(path) if pattern.search(text)]

    assert found == []


@pytest.mark.parametrize("path", [p for p in MODULES if not _under(p, CHINESE_ALLOWED)],
                         ids=relative)
def test_app_code_has_no_chinese_outside_comments_and_docstrings(path):
    found = [(line, text) for line, text in code_tokens(path) if IDEOGRAPH.search(text)]

    assert found == []


def test_the_checks_see_what_they_look_for(tmp_path):
    # Each check finds a planted violation, so a passing run means something.
    planted = tmp_path / "planted.py"
    planted.write_text('"""文档。"""\nfrom flask import g\nimport SpiffWorkflow.bpmn\n'
                       'NAME = "昆明"  # 注释\ndb.session.commit()\n', encoding="utf-8")

    assert {"flask", "SpiffWorkflow.bpmn"} <= imported_modules(planted)
    assert commit_calls(planted) == [5]
    assert [text for _, text in code_tokens(planted) if IDEOGRAPH.search(text)] == ['"昆明"']

"""`processes check` and `processes load` refuse YAML alias bombs rather than run out of memory."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from app.config import ROOT
from app.extensions import db
from app.models import ProcessVersion
from tests.unit.test_form_limits import BOMB


def _bombed(tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", processes)
    meta = processes / "kunming" / "meta.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "\n" + BOMB, encoding="utf-8")
    return processes, meta


def test_processes_check_names_the_meta_yaml_holding_an_alias_bomb(loaded_app, tmp_path):
    processes, meta = _bombed(tmp_path)

    result = loaded_app.test_cli_runner().invoke(args=["processes", "check", str(processes)])

    assert result.exit_code == 1
    assert str(meta) in result.output and "aliases (*name) are not allowed" in result.output


def test_processes_load_of_an_alias_bomb_exits_1_and_publishes_nothing(loaded_app, tmp_path):
    processes, _ = _bombed(tmp_path)
    loaded_app.config["PROCESS_DIR"] = str(processes)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion))

    result = loaded_app.test_cli_runner().invoke(args=["processes", "load"])

    assert result.exit_code == 1 and "aliases" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessVersion)) == before

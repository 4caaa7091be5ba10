"""`processes check PATH`: the problems of exactly one folder or file (catalog checks them)."""

from __future__ import annotations

from pathlib import Path

import yaml

from app import formdefs
from app.errors import N_, DefinitionError
from app.services import catalog


def check_path(path, process_dir, form_dir) -> list[DefinitionError]:
    """Return every problem of exactly `path`: a processes folder, one jurisdiction folder, or
    one .bpmn, .dmn, meta.yaml or form .yaml file (forms are looked up in forms/ beside)."""
    path = Path(path)
    if not path.exists():
        return [DefinitionError(N_("%(path)s does not exist"), str(path), path=str(path))]
    if path.suffix == ".yaml" and path.name != "meta.yaml":
        beside = path.parent.parent / "processes"
        found = catalog.check_all(beside if beside.is_dir() else process_dir, path.parent)
        return [p for p in found if _names(p.file, path)]
    form_dir = _forms_beside(path, Path(form_dir))
    if path.is_dir() and not (path / "meta.yaml").exists():
        return catalog.check_all(path, form_dir)
    folder = path if path.is_dir() else path.parent
    forms = {} if formdefs.check_forms(form_dir) else formdefs.load_forms(form_dir)
    try:
        package = catalog.read_package(folder)
    except DefinitionError as error:
        return [error]
    found = catalog.check_packages([package], forms, form_dir, _sibling_metas(folder))
    if path.is_dir():
        return [p for p in found if not p.file or Path(p.file).parent == folder]
    return [p for p in found if _names(p.file, path)]


def _names(file: str, path: Path) -> bool:
    return Path(file).parts[-2:] == path.parts[-2:]


def _forms_beside(path: Path, default: Path) -> Path:
    for parent in path.resolve().parents:
        if (parent / "forms").is_dir() and (parent / "processes").is_dir():
            return parent / "forms"
    return default


def _sibling_metas(folder: Path) -> dict[Path, dict]:
    """The other jurisdictions' meta.yaml beside `folder` (for duplicate keys), read leniently."""
    metas = {}
    for other in sorted(folder.parent.iterdir()):
        try:
            meta = formdefs.load_yaml((other / "meta.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if other != folder and isinstance(meta, dict):
            metas[other / "meta.yaml"] = meta
    return metas

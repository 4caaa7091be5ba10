"""What the browser modeler opens: one version's files, the decision tables it may link to,
and whether the user may save drafts (designers and administrators) or only read (auditors)."""

from __future__ import annotations

from app import engine
from app.errors import N_, NotFound
from app.models import User
from app.services import catalog, designs, form_editor
from app.services.design_files import form_source

WRITERS = ("designer", "admin")


def _default_version(rows: list[dict]) -> int:
    published = [r["version"] for r in rows if r["status"] == "published"]
    if published:
        return max(published)
    if rows:
        return max(r["version"] for r in rows)
    raise NotFound(N_("No such procedure."))


def _decisions(jurisdiction: str, files: dict[str, str]) -> list[dict]:
    """Every decision of the jurisdiction's published processes and of the opened files."""
    texts = {}
    for version in catalog.latest_processes():
        if version.jurisdiction == jurisdiction:
            texts.update(version.dmn or {})
    texts.update({name: text for name, text in files.items() if name.endswith(".dmn")})
    facts, _ = engine.read_facts({name: text.encode("utf-8") for name, text in texts.items()})
    return [{"id": decision, "file": file} for decision, file in sorted(facts.decisions.items())]


def _form_sources(user: User, key: str, files: dict[str, str]) -> dict[str, str]:
    """The YAML of every form the jurisdiction offers (latest), the opened version's own
    forms over them: the panel previews whichever form the designer picks."""
    sources = {row["key"]: form_source(row["key"]) for row in form_editor.forms_of(user, key)}
    sources.update({name[len("forms/"):-len(".yaml")]: text for name, text in files.items()
                    if name.startswith("forms/") and name.endswith(".yaml")})
    return {form: text for form, text in sources.items() if text}


def _newest_draft(rows: list[dict], shown: int) -> int | None:
    drafts = [r["version"] for r in rows if r["status"] == "draft" and r["version"] > shown]
    return max(drafts) if drafts else None


def editor(user: User, key: str, version: int | None = None) -> dict:
    """Return the modeler's view of process `key` at `version` (default: the latest published):
    its files, BPMN file name, decisions, versions and whether `user` may save; raise
    NotFound / NotAllowed."""
    rows = designs.versions(user, key)
    shown = version or _default_version(rows)
    record = designs.version_record(user, key, shown)
    files = designs.files(user, key, shown)
    bpmn_file = record.file if record.file in files else next(
        name for name in sorted(files) if name.endswith(".bpmn"))
    return {"key": key, "title": record.title, "title_en": record.title_en,
            "version": shown, "status": record.status, "bpmn_file": bpmn_file,
            "bpmn": files[bpmn_file], "files": files,
            "decisions": _decisions(record.jurisdiction, files),
            "form_sources": _form_sources(user, key, files),
            "newest_draft": _newest_draft(rows, shown),
            "writable": user.role in WRITERS}

"""Calls for applications (申报批次): the city opens and changes them, the county recommends
its batch and downloads the summary table, the city ranks the batch, the public reads the
notice list."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from app import formdefs
from app.errors import Rejected
from app.services import (
    access_log,
    attachments,
    batches,
    call_reports,
    calls,
    catalog,
    tasks,
)
from app.web.errors import populate_errors
from app.web.i18n import current_lang
from app.web.layout import now

bp = Blueprint("calls", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = {"type": "date", "placeholder": "YYYY-MM-DD"}


class _Required:
    """Marks a field required on the page; the service checks it (one set of messages)."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class CallForm(FlaskForm):
    procedure = SelectField(_l("Procedure"), validate_choice=False)
    year = StringField(_l("Year"), validators=[_Required()],
                       render_kw={"inputmode": "numeric", "maxlength": 4})
    title = StringField(_l("Title"), description=_l("Left empty: the year and the procedure."))
    opens_on = StringField(_l("Applications open on"), validators=[_Required()],
                           render_kw=DATE)
    closes_on = StringField(_l("Applications close on"), validators=[_Required()],
                            render_kw=DATE,
                            description=_l("The last day applications may be started."))
    recommend_by = StringField(
        _l("County recommendations due by"), validators=[_Required()], render_kw=DATE,
        description=_l("Counties recommend until the end of this day (Beijing time); later "
                       "recommendations are refused."))


def _call(call_id: int):
    return calls.get_call(call_id)


def _versions() -> dict:
    return {v.key: v for v in catalog.latest_processes(startable_only=True)}


@bp.get("/calls")
@login_required
def index():
    found = calls.list_calls(current_user)
    return render_template("calls/index.html", calls=found, versions=_versions(), now=now(),
                           status=calls.status, can_open=current_user.role in ("city",
                                                                               "province"))


def _save(form: CallForm, call_id: int | None):
    raw = {key: form[key].data for key in ("year", "title", *calls.DATE_FIELDS)}
    if call_id is None:
        return calls.open_call(current_user, form.procedure.data or "", raw, now())
    return calls.edit_call(current_user, call_id, raw, now())


def _edit_page(form: CallForm, call=None):
    versions = [v for v in _versions().values() if v.jurisdiction == current_user.jurisdiction]
    form.procedure.choices = [(v.key, v.title) for v in versions]
    if request.method == "POST":
        try:
            saved = _save(form, call.id if call else None)
        except Rejected as error:
            leftover = populate_errors(form, error)
            return render_template("calls/edit.html", form=form, call=call,
                                   versions=_versions(),
                                   problem=" ".join(leftover) or error.text(_)), 422
        flash(_("Call %(title)s saved.", title=saved.title), "success")
        return redirect(url_for("calls.index"))
    return render_template("calls/edit.html", form=form, call=call, versions=_versions(),
                           problem="")


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def new():
    if current_user.role not in ("city", "province"):
        abort(403)
    return _edit_page(CallForm())


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int):
    call = _call(call_id)
    if current_user.role not in ("city", "province"):
        abort(403)
    form = CallForm(obj=None if request.method == "POST" else call)
    return _edit_page(form, call)


@bp.post("/calls/<int:call_id>/close")
@login_required
def close(call_id: int):
    call = calls.close_call(current_user, call_id, now())
    flash(_("The application window of %(title)s is closed.", title=call.title), "success")
    return redirect(url_for("calls.index"))


def _batch_data(formdef) -> dict:
    form_class = formdefs.build_form_class(formdef, FlaskForm, catalog.choices_for(
        current_user.jurisdiction, current_lang()), current_lang())
    form = form_class()
    return {**formdefs.form_data(form, formdef)}


def _store_files(formdef, chosen: list[str]) -> dict:
    """Store each file given once on the first chosen case; the batch shares it."""
    stored = {}
    for spec in (f for f in formdef.fields if f.type == "file"):
        upload = request.files.get(f"file-{spec.name}")
        if upload and upload.filename and chosen:
            item = tasks.get_task(current_user, chosen[0])
            record = attachments.store_attachment(
                current_user, item.case, upload.filename, upload.read(),
                current_app.config["UPLOAD_DIR"],
                current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024, now())
            stored[spec.name] = [record.id]
    return stored


def _problem(error: Rejected) -> str:
    """Reasons are keyed "<case ref>.<field>": say which case each is about."""
    return " ".join(f"{key.split('.')[0]}: {m}" if "." in key else m
                    for key, messages in error.by_field(_).items() for m in messages) \
        or error.text(_)


def _recommend(call, formdef) -> str:
    """Recommend the chosen cases; return "" when done, else what was refused."""
    chosen = request.form.getlist("task")
    try:
        data = {**_batch_data(formdef), **_store_files(formdef, chosen)}
        moved = batches.recommend(current_user, call.id, chosen, data, now(), current_lang())
    except Rejected as error:
        return _problem(error)
    flash(_("Recommended %(n)s cases.", n=len(moved)), "success")
    return ""


@bp.route("/calls/<int:call_id>/batch", methods=["GET", "POST"])
@login_required
def batch(call_id: int):
    call = _call(call_id)
    if current_user.role != "county":
        abort(403)
    formdef = batches.batch_form(call)
    problem = _recommend(call, formdef) if request.method == "POST" and formdef else ""
    if request.method == "POST" and not problem:
        return redirect(url_for("calls.batch", call_id=call.id))
    form = formdefs.build_form_class(formdef, FlaskForm, catalog.choices_for(
        current_user.jurisdiction, current_lang()), current_lang())() if formdef else None
    return render_template("calls/batch.html", call=call, formdef=formdef, form=form,
                           items=batches.candidates(current_user, call), problem=problem,
                           recommended=call_reports.recommended_cases(current_user, call),
                           county_name=catalog.jurisdiction(call.jurisdiction).county_name,
                           deadline_passed=calls.today(now()) > call.recommend_by), \
        422 if problem else 200


@bp.get("/calls/<int:call_id>/summary.xlsx")
@login_required
def summary(call_id: int):
    call = _call(call_id)
    if current_user.role not in ("county", "city", "province"):
        abort(403)
    content = call_reports.summary_xlsx(current_user, call, current_user.name or "",
                                        current_lang())
    access_log.record(current_user, "export", detail=f"call {call.id} summary.xlsx")
    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=call-{call.id}-summary.xlsx"})


@bp.get("/calls/<int:call_id>/ranking")
@login_required
def ranking(call_id: int):
    call = _call(call_id)
    rows = call_reports.ranking(current_user, call)
    experts = sorted({name for row in rows for name in row.scores})
    return render_template("calls/ranking.html", call=call, rows=rows, experts=experts,
                           county_name=catalog.jurisdiction(call.jurisdiction).county_name)


@bp.get("/notice/calls/<int:call_id>")
def notice(call_id: int):
    call = _call(call_id)
    return render_template("calls/notice.html", call=call,
                           rows=call_reports.notice_list(call, now(), current_lang()))


@bp.get("/notice/calls/<int:call_id>.json")
def notice_json(call_id: int):
    return jsonify(call_reports.notice_json(_call(call_id), now(), current_lang()))

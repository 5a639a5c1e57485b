"""HR pages: the employee list, invitations, CSV import and deactivation."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.consent import offboarding, texts
from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.mail import mail_configured
from app.database import writes_on_get
from app.extensions import db
from app.hr_reports import employee_list, exports, people_status, timeline
from app.hr_reports.people_forms import ConfirmForm, ImportForm, InviteForm, OffboardingForm
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts, directory, importer, managers
from app.permissions import HR_READERS, may_manage_account, role_labels, role_required
from app.web import client_info, csv_download, public_url

bp = Blueprint("hr", __name__)


def _invitation_link(user: User) -> str:
    token = accounts.make_token(user, accounts.INVITATION)
    return public_url("auth.accept_invitation", token=token)


def _role_choices() -> list[tuple[str, str]]:
    labels = role_labels()
    allowed = list(Role) if current_user.is_admin else [Role.EMPLOYEE]
    return [(r.value, labels[r.value]) for r in allowed]


@bp.route("/employees")
@role_required(*HR_READERS)
def employees():
    """Everyone with their status; search, filters, sorting and pagination."""
    flt = employee_list.parse(request.args)
    return render_template(
        "hr/employees.html",
        result=employee_list.list_page(flt, utcnow().date()),
        flt=flt,
        args=flt.args(),
        departments=directory.departments(),
        purposes=people_status.active_purposes(),
        titles=texts.titles(str(get_locale())),
        policy_labels=exports.policy_state_labels(),
        consent_labels=exports.consent_state_labels(),
        sort_labels=employee_list.sort_labels(),
        column_labels=employee_list.column_labels(),
        confirm=ConfirmForm(),
        may_manage=may_manage_account,
    )


@bp.route("/employees.csv")
@writes_on_get
@role_required(*HR_READERS)
def employees_csv():
    """The filtered list with status columns as CSV (streamed, audited)."""
    flt = employee_list.parse(request.args)
    lines = exports.employee_lines(
        flt,
        utcnow().date(),
        bom=request.args.get("bom") == "1",
        actor=current_user,
        client=client_info(),
    )
    return csv_download(lines, "employees.csv")


@bp.route("/employees/<int:user_id>")
@role_required(*HR_READERS)
def employee(user_id: int):
    """One person's profile, status and full history on one timeline."""
    person = db.get_or_404(User, user_id)
    locale = str(get_locale())
    return render_template(
        "hr/employee.html",
        person=person,
        status=people_status.statuses([person], utcnow().date())[0],
        entries=timeline.timeline(person, locale),
        kind_labels=timeline.kind_labels(),
        account_state=exports.account_state(person),
        policy_labels=exports.policy_state_labels(),
        role_labels=role_labels(),
        manager=db.session.get(User, person.manager_id) if person.manager_id else None,
        manager_form=ConfirmForm(),
    )


@bp.route("/employees/<int:user_id>/manager", methods=["POST"])
@role_required(Role.HR)
def set_manager(user_id: int):
    """Name the person's manager by email (empty: none); audited."""
    person = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = (request.form.get("manager_email") or "").strip()
    boss = accounts.find_by_email(email) if email else None
    if email and boss is None:
        flash(_("Nobody has the email %(email)s.", email=email), "error")
    else:
        try:
            managers.set_manager(person, boss, actor=current_user, client=client_info())
        except managers.ManagerError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The manager of %(name)s is saved.", name=person.full_name), "success")
    return redirect(url_for("hr.employee", user_id=person.id))


@bp.route("/employees/new", methods=["GET", "POST"])
@role_required(Role.HR)
def invite():
    """Create one employee and send (or show) their invitation link."""
    form = InviteForm()
    form.role.choices = _role_choices()
    if form.validate_on_submit():
        data = accounts.NewUser(
            email=form.email.data,
            full_name=form.full_name.data,
            department=form.department.data or "",
            job_title=form.job_title.data or "",
            start_date=form.start_date.data,
            locale=form.locale.data,
            role=Role(form.role.data),
        )
        try:
            user = accounts.create_user(data, actor=current_user, client=client_info())
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            return _send_invitation(user)
    return render_template("hr/invite.html", form=form)


def _send_invitation(user: User, purpose: str = accounts.INVITATION):
    # Whoever sees or receives the link can sign in as the person: never above the actor's role.
    if not may_manage_account(current_user, user):
        abort(403)
    if purpose == accounts.INVITATION:
        if not accounts.invitable(user):
            flash(_("This person has already chosen a password: send a reset link."), "error")
            return redirect(url_for("hr.employees"))
        link = _invitation_link(user)
    else:
        token = accounts.make_token(user, accounts.PASSWORD_RESET)
        link = public_url("auth.reset_password", token=token)
    mailed = accounts.send_link(user, link, purpose, actor=current_user, client=client_info())
    if mailed:
        flash(_("A link was sent to %(email)s.", email=user.email), "success")
        return redirect(url_for("hr.employees"))
    return render_template("hr/invitation_link.html", user=user, link=link, purpose=purpose)


@bp.route("/employees/<int:user_id>/invite", methods=["POST"])
@role_required(Role.HR)
def resend_invitation(user_id: int):
    """Send a fresh invitation (or a reset link shown to HR) to an employee."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("Reactivate this account before inviting the person."), "error")
        return redirect(url_for("hr.employees"))
    return _send_invitation(user)


@bp.route("/employees/<int:user_id>/reset-link", methods=["POST"])
@role_required(Role.HR)
def reset_link(user_id: int):
    """A password-reset link for someone who forgot their password (mailed, or shown to HR)."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not user.active:
        flash(_("Reactivate this account before inviting the person."), "error")
        return redirect(url_for("hr.employees"))
    return _send_invitation(user, accounts.PASSWORD_RESET)


@bp.route("/employees/<int:user_id>/deactivate", methods=["GET", "POST"])
@role_required(Role.HR)
def deactivate(user_id: int):
    """Confirm, choosing what happens to their image consents; then they can no longer sign in."""
    user = db.get_or_404(User, user_id)
    if not may_manage_account(current_user, user):
        abort(403)
    form = OffboardingForm()
    valid = form.validate_on_submit()
    if form.is_submitted() and "csrf_token" in form.errors:
        abort(400)
    if valid:
        try:
            revoked = offboarding.deactivate(
                user, form.image_consents.data, actor=current_user, client=client_info()
            )
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(
                _("%(name)s can no longer sign in. Their records are kept.", name=user.full_name)
                + (
                    " "
                    + ngettext(
                        "%(num)d image consent ended.", "%(num)d image consents ended.", revoked
                    )
                    if revoked
                    else ""
                ),
                "success",
            )
            return redirect(url_for("hr.employees"))
    return render_template(
        "hr/deactivate.html",
        person=user,
        form=form,
        granted=offboarding.granted_consents(user, utcnow().date()),
    )


@bp.route("/employees/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.HR)
def reactivate(user_id: int):
    """Allow a deactivated person to sign in again."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not may_manage_account(current_user, user):
        abort(403)
    try:
        accounts.set_active(user, active, actor=current_user, client=client_info())
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        message = (
            _("%(name)s can sign in again.", name=user.full_name)
            if active
            else _("%(name)s can no longer sign in. Their records are kept.", name=user.full_name)
        )
        flash(message, "success")
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("hr.employees")
    )


@bp.route("/import/template.csv")
@role_required(Role.HR)
def import_template():
    """A CSV to fill in for the import: the columns, one example line, Excel's separator."""
    day_first = directory.excel_delimiter() == ";"
    lines = importer.template_lines(directory.excel_delimiter(), day_first)
    return csv_download(iter(lines), "employees-template.csv")


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.HR)
def import_csv():
    """Import employees from a CSV file: every row is valid, or nothing is imported."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        raw = form.file.data.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        if len(raw) > current_app.config["IMPORT_MAX_BYTES"]:
            flash(_("The file is too large."), "error")
        else:
            result = importer.import_employees(raw, actor=current_user, client=client_info())
            if result.ok:
                flash(
                    _(
                        "Import done: %(first)s, %(second)s.",
                        first=ngettext(
                            "%(num)d person created", "%(num)d people created", result.created
                        ),
                        second=ngettext(
                            "%(num)d person updated", "%(num)d people updated", result.updated
                        ),
                    ),
                    "success",
                )
            else:
                flash(
                    ngettext(
                        "Nothing was imported: the file has %(num)d error, listed below.",
                        "Nothing was imported: the file has %(num)d errors, listed below.",
                        len(result.errors),
                    ),
                    "error",
                )
    return render_template(
        "hr/import.html",
        form=form,
        result=result,
        columns=importer.COLUMNS,
        mail_configured=mail_configured(),
        confirm=ConfirmForm(),
    )


@bp.route("/invitations.csv", methods=["POST"])
@role_required(Role.HR)
def invitation_links():
    """A CSV of invitation links for everyone who has not chosen a password yet."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    audit.record(
        AuditAction.USERS_INVITATION_LINKS_EXPORTED, actor=current_user, client=client_info()
    )
    db.session.commit()

    def rows():
        sep = directory.excel_delimiter()
        yield "\ufeff" + directory.csv_line(["email", "full_name", "department", "link"], sep)
        for user in directory.pending_invitations(up_to=current_user.role):
            yield directory.csv_line(
                [user.email, user.full_name, user.department, _invitation_link(user)], sep
            )

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=invitations.csv"},
    )

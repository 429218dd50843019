"""Coordinator SMS pages: messages in and out, and the SMS simulator."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from mutualaid.access import coordinator_required
from mutualaid.coordinator import bp
from mutualaid.core.errors import ServiceError
from mutualaid.needs.forms import attach_error
from mutualaid.sms import console as sms_admin
from mutualaid.sms.signing import accept_inbound, sign


class SimulatorForm(FlaskForm):
    """Type as a phone would."""

    phone = StringField(_l("Pretend to be this phone number"), validators=[InputRequired()],
                        default="+447911000001")
    body = TextAreaField(_l("Message"))
    submit = SubmitField(_l("Send text"))


class ClearPracticeForm(FlaskForm):
    """Delete the group's practice data (a POST with a CSRF token)."""

    submit = SubmitField(_l("Clear all practice data"))


@bp.route("/messages")
@coordinator_required
def messages():
    """Texts in and out (the outbox with the console backend); problems first if asked."""
    problems = request.args.get("problems") == "1"
    rows = sms_admin.messages_for(current_user, problems_only=problems,
                                  from_opted_out=request.args.get("opted_out") == "1")
    return render_template("coordinator/messages.html", rows=rows, problems=problems)


def inbound_url() -> str:
    """The URL Twilio would call, exactly as the webhook computes it."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/sms/inbound" if base else url_for("sms.inbound", _external=True)


@bp.route("/sms/simulator", methods=["GET", "POST"])
@coordinator_required
def simulator():
    """Text the group's number as a made-up phone, through the same signed inbound code path."""
    form = SimulatorForm()
    phone = None
    if form.validate_on_submit():
        try:
            phone = sms_admin.simulator_number(current_user, form.phone.data)
            fields = sms_admin.simulated_webhook_form(current_user.group, phone, form.body.data or "")
        except ServiceError as error:
            attach_error(form, error)
        else:
            url = inbound_url()
            accept_inbound(url, fields, sign(url, fields), simulated=True, inline=True)
            sms_admin.deliver_simulated(phone)
            form.body.data = ""
    elif request.method == "GET" and request.args.get("phone"):
        try:
            phone = sms_admin.simulator_number(current_user, request.args["phone"])
            form.phone.data = phone
        except ServiceError as error:
            attach_error(form, error)
    thread = sms_admin.conversation_with(phone, current_user.group_id) if phone else []
    status = 400 if form.errors or form.form_errors else 200
    return render_template("coordinator/simulator.html", form=form, thread=thread, phone=phone,
                           practice=sms_admin.practice_needs(current_user), clear_form=ClearPracticeForm()), status


@bp.route("/sms/simulator/clear", methods=["POST"])
@coordinator_required
def clear_practice():
    """Delete the group's practice requests, offers, made-up numbers and their texts."""
    if ClearPracticeForm().validate_on_submit():
        cleared = sms_admin.clear_practice(current_user)
        flash(_("Practice data cleared (requests: %(needs)d, offers: %(offers)d, made-up numbers: %(people)d, "
                "texts: %(messages)d).", needs=cleared.needs, offers=cleared.offers, people=cleared.people,
                messages=cleared.messages))
    return redirect(url_for("coordinator.simulator"))

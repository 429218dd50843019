"""Translatable words for the codes the app stores (categories, statuses, places, audit actions)."""
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from mutualaid.domain.categories import BY_CODE
from mutualaid.messaging.costs import CAP_REASON
from mutualaid.messaging.destinations import COSTLY_TYPE, NOT_A_NUMBER, refused_country

CATEGORY_LABELS = {
    "groceries": _l("Groceries and food"),
    "medicine": _l("Medicine or prescription pickup"),
    "transport": _l("A ride"),
    "errand": _l("An errand"),
    "company": _l("A phone call or a visit"),
    "childcare": _l("Childcare"),
    "household": _l("Household items"),
    "paperwork": _l("Help with forms or paperwork"),
    "pets": _l("Pet care"),
    "other": _l("Something else"),
}
URGENCY_LABELS = {"today": _l("Today"), "soon": _l("In the next 2–3 days"), "this_week": _l("This week")}
STATUS_LABELS = {
    "draft": _l("not finished"), "open": _l("open"), "claimed": _l("someone is helping"),
    "fulfilled": _l("done"), "cancelled": _l("cancelled"), "expired": _l("expired"),
    "referred": _l("referred to another group"), "reserved": _l("reserved"), "given": _l("given"),
    "withdrawn": _l("withdrawn"), "pending": _l("awaiting approval"), "approved": _l("approved"),
    "paused": _l("paused"), "rejected": _l("not approved"),
}
# What the button that moves a request to each status says (an action, not the status's name).
STATUS_ACTION_LABELS = {
    "open": _l("Open it again"), "claimed": _l("Mark someone as helping"), "fulfilled": _l("Mark as done"),
    "cancelled": _l("Cancel the request"), "expired": _l("Close it: no longer needed"),
    "referred": _l("Refer it to another group"),
}
LOCATION_LABELS = {
    "located": _l("found"), "approximate": _l("found (approximate)"), "unknown": _l("location unknown"),
    "not_found": _l("place not found"), "ambiguous": _l("more than one place given"),
    "out_of_area": _l("outside our area"),
}

assert set(CATEGORY_LABELS) == set(BY_CODE), "every category needs a translatable label"
CLAIM_LABELS = {"active": _l("in progress"), "released": _l("given back"), "expired": _l("expired"),
                "completed": _l("done"), "cancelled": _l("cancelled by the neighbour"),
                "withdrawn": _l("closed by a coordinator")}
REASON_LABELS = {
    "location_unknown": _l("we do not know where it is"), "nobody_in_range": _l("no volunteer lives near enough"),
    "nobody_for_category": _l("no volunteer nearby does this kind of help"),
    "nobody_with_language": _l("no volunteer nearby speaks the language"),
    "nobody_with_car": _l("no volunteer nearby has a car"), "nobody_free": _l("everyone nearby is busy"),
    "nobody_took_it": _l("volunteers were told, but nobody has taken it yet"),
    "unknown": _l("not known yet"),
}
AGE_WORDS = {"green": _l("new"), "amber": _l("waiting"), "red": _l("overdue")}
STEP_LABELS = {0: _l("just in"), 1: _l("first volunteers told"), 2: _l("more volunteers told"),
               3: _l("coordinators alerted"), 4: _l("requester updated"), 5: _l("closing soon"), 6: _l("expired")}
MESSAGE_STATUS_LABELS = {
    "queued": _l("waiting to be sent"), "accepted": _l("waiting to be sent"), "sending": _l("being sent"),
    "sent": _l("sent"), "delivered": _l("delivered"), "read": _l("read"), "undelivered": _l("did not arrive"),
    "failed": _l("could not be sent"), "suppressed": _l("not sent (the person opted out or the number is wrong)"),
    "received": _l("received"), "receiving": _l("received"),
    "unanswered": _l("could not be answered automatically: please reply yourself"),
}

# What the web and the API tell someone whose number the group may not text (their request is kept).
CANNOT_TEXT_NOTICE = _l("We cannot send texts to the number you gave from this group, so we will not text you "
                        "about this request. Your request is saved, and a coordinator will see it.")


def country_name(code: str) -> str:
    """A country's name in the reader's language ("ES" -> "Spain" / "España"), or the code itself."""
    locale = get_locale()
    return (locale.territories.get(code) if locale else None) or code


def texting_refusal_label(reason: str | None) -> str:
    """Why a text was not sent or is waiting, in words (the reasons the outbox stores); empty when none."""
    if (country := refused_country(reason)) is not None:
        return gettext("Not texted: this group does not text numbers in %(country)s.", country=country_name(country))
    return {COSTLY_TYPE: gettext("Not texted: a premium-rate, shared-cost or unknown kind of number."),
            NOT_A_NUMBER: gettext("Not texted: not a phone number."),
            CAP_REASON: gettext("Waiting: today's text limit was reached, so it goes tomorrow.")}.get(reason or "", "")


# Every action the app writes to the audit log; tests/coordination/test_audit_labels.py checks that
# each one the code can record is here. A code missing from it is still shown in words (readable()).
AUDIT_ACTION_LABELS = {
    "need.created": _l("Request made"),
    "need.drafted": _l("Request started by text"),
    "need.claimed": _l("A volunteer took the request"),
    "need.assigned": _l("Request given to a volunteer"),
    "need.released": _l("Volunteer gave the request back"),
    "need.claim_confirmed": _l("Volunteer said they are still on it"),
    "need.claim_expired": _l("Volunteer's hold on the request lapsed"),
    "need.claim_settled": _l("Volunteer's hold tidied up after the request closed"),
    "need.fulfilled": _l("Request done"),
    "need.status_changed": _l("Request status changed"),
    "need.kept_open": _l("Neighbour asked to keep the request open"),
    "need.referred": _l("Request referred to another group"),
    "need.referred_in": _l("Request referred here by another group"),
    "need.chased": _l("Request chased"),
    "need.relayed": _l("Message passed on through the group's number"),
    "need.feedback": _l("Neighbour said whether they got what they needed"),
    "need.private_viewed": _l("Private details of a request seen"),
    "need.located": _l("Place of a request looked up"),
    "need.location_fixed": _l("Place of a request corrected"),
    "need.edited": _l("Request edited"),
    "need.merged": _l("Request merged into another"),
    "need.merged_in": _l("Another request merged into this one"),
    "need.noted": _l("Note added"),
    "offer.created": _l("Offer made"),
    "offer.proposed": _l("Offer proposed for a request"),
    "offer.private_viewed": _l("Private details of an offer seen"),
    "offer.reserved": _l("Offer set aside for a request"),
    "offer.given": _l("Offer given"),
    "offer.withdrawn": _l("Offer withdrawn"),
    "offer.reopened": _l("Offer put back on the list"),
    "offer.located": _l("Place of an offer looked up"),
    "person.opted_out": _l("Person stopped all texts"),
    "person.opted_in": _l("Person started texts again"),
    "person.phone_invalid": _l("Phone number found not to work"),
    "person.password_changed": _l("Password changed"),
    "person.password_reset": _l("Password set with a link sent by email"),
    "person.invited": _l("Invited by email to choose a password"),
    "person.login_held": _l("Account made to wait after wrong passwords"),
    "person.logged_out_everywhere": _l("Logged out everywhere"),
    "person.api_token_issued": _l("API key issued"),
    "person.erased": _l("Person erased on request"),
    "person.exported": _l("Everything held about a person downloaded"),
    "volunteer.signed_up": _l("Volunteer signed up"),
    "volunteer.approved": _l("Volunteer approved"),
    "volunteer.paused": _l("Volunteer paused"),
    "volunteer.rejected": _l("Volunteer not approved"),
    "coordinator.created": _l("Coordinator account made"),
    "coordinator.on_call": _l("Coordinator went on call"),
    "coordinator.off_call": _l("Coordinator went off call"),
    "group.imported": _l("Spreadsheet imported"),
    "group.intake_paused": _l("New requests paused"),
    "group.set_up": _l("The group was set up on the first-run page"),
    "group.intake_resumed": _l("New requests accepted again"),
    "group.retention_set": _l("How long personal data is kept was changed"),
    "group.texting_limits_set": _l("Where texts may go and the daily text limit were changed"),
    "group.sms_cap_reached": _l("The daily text limit was reached"),
    "messages.viewed": _l("Text messages looked at"),
    "export.needs": _l("Requests downloaded"),
    "export.offers": _l("Offers downloaded"),
    "export.volunteers": _l("Volunteers downloaded"),
    "need.message_passed_on": _l("A coordinator passed a waiting message on"),
    "practice.cleared": _l("Practice data from the SMS simulator cleared"),
}
ACTION_PREFIX_LABELS = {
    "need.": _l("Requests"), "offer.": _l("Offers"), "volunteer.": _l("Volunteers"), "person.": _l("People"),
    "export.": _l("Downloads"), "messages.": _l("Text messages"), "coordinator.": _l("Coordinators"),
    "group.": _l("The group"), "practice.": _l("Practice"),
}
VIA_LABELS = {
    "web": _l("on the website"), "sms": _l("by text message"), "api": _l("through the API"),
    "phone": _l("taken by phone"), "carrier": _l("by the phone company"), "coordinator": _l("by a coordinator"),
    "merge": _l("when merging duplicates"), "chase": _l("by the automatic chase"),
    "email": _l("by email"), "erasure": _l("because the person asked to be erased"),
    "import": _l("from a spreadsheet import"),
}
CHASE_STEP_LABELS = {
    "notify_first_ring": STEP_LABELS[1], "notify_second_ring": STEP_LABELS[2],
    "alert_coordinators": STEP_LABELS[3], "update_requester": STEP_LABELS[4], "last_message": STEP_LABELS[5],
    "expire": STEP_LABELS[6],
}
FIELD_LABELS = {"category": _l("kind of help"), "details": _l("details"), "urgency": _l("how soon")}
DIRECTION_LABELS = {"to_requester": _l("to the neighbour"), "to_volunteer": _l("to the volunteer")}
PASSED_ON_LABELS = {"sms": _l("passed on by text"), "email": _l("passed on by email"),
                    "hand": _l("passed on by a coordinator"),
                    "none": _l("not passed on: waiting on the request's page")}


def readable(code: object) -> str:
    """A code nobody gave words to yet, readable all the same: "need.moved_twice" -> "need: moved twice"."""
    text = str(code if code is not None else "")
    return text.replace(".", ": ", 1).replace("_", " ")


def action_label(code: str) -> str:
    """An audit action in words, in the page's language."""
    label = AUDIT_ACTION_LABELS.get(code)
    return str(label) if label is not None else readable(code)


def _words(value: object) -> str:
    """A plain value as a reader would write it (never a repr, never "None")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, (list, tuple, set)):
        return ", ".join(filter(None, (_words(v) for v in value)))
    if isinstance(value, dict):
        return ", ".join(f"{readable(k)}: {_words(v)}" for k, v in sorted(value.items()))
    return str(value)


def _status(code: object) -> str:
    """A status code in words."""
    return str(STATUS_LABELS.get(code, readable(code))) if code else ""


def detail_text(key: str, value: object) -> str:
    """One fact of an audit event in words ("from open to done", "by text message", "volunteer: Ada")."""
    if key == "change":
        previous, status = value
        if previous:
            return str(_l("from %(previous)s to %(status)s", previous=_status(previous), status=_status(status)))
        return str(_l("now %(status)s", status=_status(status)))
    if key in ("via", "source"):
        return str(VIA_LABELS.get(value, readable(value)))
    if key == "by_requester":
        return str(_l("by the neighbour who asked") if value else _l("not by the neighbour who asked"))
    if key == "has_reason":
        return str(_l("a reason was written") if value else _l("no reason written"))
    if key == "volunteer":
        return str(_l("volunteer: %(name)s", name=_words(value)))
    if key == "need":
        return str(_l("request %(ref)s", ref=_words(value)))
    if key == "new_need":
        return str(_l("new request %(ref)s", ref=_words(value)))
    if key == "into":
        return str(_l("kept request %(ref)s", ref=_words(value)))
    if key == "duplicate":
        return str(_l("duplicate %(ref)s", ref=_words(value)))
    if key == "to_group":
        return str(_l("to %(group)s", group=_words(value)))
    if key == "from_group":
        return str(_l("from %(group)s", group=_words(value)))
    if key == "step":
        return str(CHASE_STEP_LABELS.get(value, readable(value)))
    if key == "direction":
        return str(DIRECTION_LABELS.get(value, readable(value)))
    if key == "passed_on":
        return str(PASSED_ON_LABELS.get(value, readable(value)))
    if key == "satisfied":
        return str(_l("they got what they needed") if value else _l("they did not get what they needed"))
    if key == "fields":
        changed = ", ".join(str(FIELD_LABELS.get(f, readable(f))) for f in (value or ()))
        return str(_l("changed: %(fields)s", fields=changed)) if changed else str(_l("nothing changed"))
    if key == "location_status":
        return str(_l("place: %(status)s", status=LOCATION_LABELS.get(value, readable(value))))
    if key == "rows" and isinstance(value, int):
        return str(ngettext("%(num)d row", "%(num)d rows", value))
    if key == "count":
        return str(_l("%(count)s shown", count=_words(value)))
    if key == "problems_only":
        return str(_l("only texts that did not arrive") if value else _l("all texts"))
    if key == "code":
        return str(_l("error code %(code)s", code=_words(value)))
    if key == "status":
        return str(_l("now %(status)s", status=_status(value)))
    if key == "retention_days":
        return str(_l("personal data kept %(days)s days after a request closes", days=_words(value)))
    if key == "message_retention_days":
        return str(_l("message words kept %(days)s days after a request closes", days=_words(value)))
    if key == "draft_retention_days":
        return str(_l("unfinished text conversations kept %(days)s days", days=_words(value)))
    return f"{readable(key)}: {_words(value)}"

"""Translatable words for the codes the app stores (categories, statuses, places)."""
from flask_babel import lazy_gettext as _l

from mutualaid.domain.categories import BY_CODE

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
    "unknown": _l("not known yet"),
}
AGE_WORDS = {"green": _l("new"), "amber": _l("waiting"), "red": _l("long wait")}
STEP_LABELS = {0: _l("just in"), 1: _l("first volunteers told"), 2: _l("more volunteers told"),
               3: _l("coordinators alerted"), 4: _l("requester updated"), 5: _l("closing soon"), 6: _l("expired")}

"""Every audit action and detail is shown in words, in English and Spanish; never a raw code, "None" or a repr.

The actions the code can record are read from the source itself: every `audit.record(...)`,
lifecycle `_audit(...)`, and the `action=` of `save_new`/`_commit_new`. A literal is taken as it is; an action built at
run time must be listed in DYNAMIC below with what it can become, so a new kind of event cannot
reach the log without words for it.
"""
from __future__ import annotations

import ast
import html
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mutualaid.coordination.audit_log import ACTION_PREFIXES, AuditFilters, audit_page
from mutualaid.coordination.exports import EXPORTS
from mutualaid.core import audit
from mutualaid.domain.transitions import TRANSITIONS
from mutualaid.extensions import db
from mutualaid.labels import ACTION_PREFIX_LABELS, AUDIT_ACTION_LABELS, action_label, detail_text, readable
from mutualaid.offers.actions import MOVES
from tests.builders import make_coordinator, make_need, make_volunteer

PACKAGE = Path(__file__).resolve().parents[2] / "mutualaid"
START = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)
SAVERS = ("save_new", "_commit_new")  # they record their `action=` when a need or offer is first saved
VETTING_TARGETS = {t for targets in TRANSITIONS["volunteer"].values() for t in targets}
# (module, the action expression as ast.unparse writes it) -> every action it can be
DYNAMIC = {
    ("coordination/exports.py", "f'export.{kind}'"): {f"export.{kind}" for kind in EXPORTS},
    ("people/actions.py", "f'volunteer.{target}'"): {f"volunteer.{t}" for t in VETTING_TARGETS},
    ("needs/actions.py", "f'{model.__name__.lower()}.located'"): {"need.located", "offer.located"},
    ("offers/actions.py", "action"): {action for action, _ in MOVES.values()},
}


def _name(call: ast.Call) -> str:
    """The called function's own name (`save_new` for both `save_new(...)` and `intake.save_new(...)`)."""
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def _is_audit_call(call: ast.Call) -> bool:
    """audit.record(...) or the lifecycle's _audit(...)."""
    func = call.func
    return ((isinstance(func, ast.Attribute) and func.attr == "record" and isinstance(func.value, ast.Name)
             and func.value.id == "audit") or (isinstance(func, ast.Name) and func.id == "_audit"))


def _parameters(tree: ast.AST) -> dict[ast.AST, set[str]]:
    """For each call node, the parameter names of the function around it (pass-through actions)."""
    around: dict[ast.AST, set[str]] = {}
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = {a.arg for a in function.args.args + function.args.kwonlyargs}
            for node in ast.walk(function):
                around[node] = names
    return around


def _expand(expr: ast.AST, module: str, passed_through: set[str]) -> set[str]:
    """The actions an expression can be; fails for one built at run time that DYNAMIC does not know."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _expand(expr.body, module, passed_through) | _expand(expr.orelse, module, passed_through)
    if isinstance(expr, ast.Name) and expr.id in passed_through:
        return set()  # a helper handing on its caller's action: the callers are read too
    key = (module, ast.unparse(expr))
    assert key in DYNAMIC, f"an audit action built at run time in {module}: {key[1]}; list what it can be in DYNAMIC"
    return DYNAMIC[key]


def emitted_actions() -> set[str]:
    """Every action the code under mutualaid/ can write to the audit log."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        module = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        around = _parameters(tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            exprs = [k.value for k in call.keywords if k.arg == "action" and _name(call) in SAVERS]
            if _is_audit_call(call) and call.args:
                exprs.append(call.args[0])
            for expr in exprs:
                found |= _expand(expr, module, around.get(call, set()))
    return found


def test_the_source_scan_finds_the_actions_we_know_are_recorded():
    found = emitted_actions()
    assert {"need.created", "need.status_changed", "offer.given", "volunteer.approved", "export.needs",
            "group.intake_paused", "coordinator.on_call", "need.located"} <= found
    assert len(found) > 40


def test_every_action_the_code_can_record_has_words():
    missing = sorted(emitted_actions() - set(AUDIT_ACTION_LABELS))
    assert not missing, f"add these to AUDIT_ACTION_LABELS in mutualaid/labels.py: {missing}"


def test_every_kind_of_action_in_the_filter_has_words():
    assert set(ACTION_PREFIX_LABELS) == set(ACTION_PREFIXES)
    assert all(code.startswith(tuple(ACTION_PREFIXES)) for code in AUDIT_ACTION_LABELS)


@pytest.mark.parametrize("code, shown", [("need.moved_twice", "need: moved twice"), ("", ""), (None, "")])
def test_an_action_nobody_gave_words_to_yet_is_still_readable(app, code, shown):
    assert action_label(code) == readable(code) == shown


@pytest.mark.parametrize("key, value, shown", [
    ("change", ("open", "claimed"), "from open to someone is helping"),
    ("change", (None, "cancelled"), "now cancelled"),
    ("change", ("open", "lost_in_space"), "from open to lost in space"),
    ("via", "sms", "by text message"),
    ("via", "pigeon", "pigeon"),
    ("by_requester", True, "by the neighbour who asked"),
    ("passed_on", "email", "passed on by email"),
    ("passed_on", "none", "not passed on: waiting on the request's page"),
    ("step", "alert_coordinators", "coordinators alerted"),
    ("fields", ["category", "urgency"], "changed: kind of help, how soon"),
    ("fields", [], "nothing changed"),
    ("satisfied", False, "they did not get what they needed"),
    ("location_status", "not_found", "place: place not found"),
    ("rows", 1, "1 row"),
    ("rows", 3, "3 rows"),
    ("volunteer", "Vera Volunteer", "volunteer: Vera Volunteer"),
    ("some_new_flag", True, "some new flag: yes"),
    ("some_list", [1, None, "a"], "some list: 1, a"),
    ("nested", {"a_b": None}, "nested: a b: "),
])
def test_details_are_put_in_words(app, key, value, shown):
    with app.test_request_context():
        assert detail_text(key, value) == shown


@pytest.fixture
def coordinator(group):
    """A coordinator of Hackney, logged in."""
    return make_coordinator(group, name="Cora Coordinator")


def test_ids_in_details_become_references_and_names_and_internal_ids_are_left_out(group, coordinator):
    volunteer = make_volunteer(group, name="Vera Volunteer")
    need, other = make_need(details="one"), make_need(details="two")
    audit.record("need.assigned", need, actor=coordinator, now=START, volunteer_id=volunteer.id, claim_id=77)
    audit.record("need.merged", other, actor=coordinator, now=START, into=need.id)
    audit.record("need.relayed", need, actor=need.requester, now=START, volunteer_id=need.requester_id)
    db.session.commit()
    facts = {row.action: row.facts for row in audit_page(coordinator, AuditFilters(action="need.")).rows}
    assert facts["need.assigned"] == (("volunteer", "Vera Volunteer"),)
    assert facts["need.merged"] == (("into", need.ref),)
    assert facts["need.relayed"] == ()  # a neighbour is never named here, and no bare id is shown


def page_text(client, auth, coordinator, language="en") -> str:
    """The audit log page as the coordinator sees it in `language`."""
    coordinator.language = language  # the account's choice of language
    db.session.commit()
    auth.login(coordinator.email)
    response = client.get("/coordinator/audit/")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_page_shows_actions_statuses_and_details_in_words(client, auth, group, coordinator):
    volunteer = make_volunteer(group, name="Vera Volunteer")
    need = make_need(now=START - timedelta(hours=1))
    from mutualaid.coordination.actions import assign_need
    assign_need(coordinator, need.ref, volunteer.id, now=START)
    page = page_text(client, auth, coordinator)
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Request given to a volunteer" in table and "volunteer: Vera Volunteer" in table
    assert "A volunteer took the request" in table and "from open to someone is helping" in table
    for raw in ("need.assigned", "need.claimed", "claimed", "claim_id", "None", "<Person", "volunteer_id"):
        assert raw not in table, raw


def test_the_page_in_spanish_shows_spanish_words(client, auth, group, coordinator):
    volunteer = make_volunteer(group, name="Vera Volunteer")
    need = make_need(now=START - timedelta(hours=1))
    from mutualaid.coordination.actions import assign_need
    assign_need(coordinator, need.ref, volunteer.id, now=START)
    table = page_text(client, auth, coordinator, "es").split("<tbody>")[1].split("</tbody>")[0]
    assert "Pedido asignado a una persona voluntaria" in table and "de abierto a alguien está ayudando" in table
    assert "Request given to a volunteer" not in table and "need.assigned" not in table


def test_an_event_about_the_signed_in_person_is_recorded_as_about_a_person(group, coordinator):
    from werkzeug.local import LocalProxy

    event = audit.record("coordinator.on_call", LocalProxy(lambda: coordinator), actor=coordinator, now=START)
    assert (event.subject_type, event.subject_id, event.group_id) == ("person", coordinator.id, group.id)


def test_older_events_stored_under_the_proxys_name_are_shown_as_about_the_person(client, auth, group, coordinator):
    event = audit.record("messages.viewed", coordinator, actor=coordinator, now=START, problems_only=False, count=3)
    event.subject_type = "localproxy"  # as recorded before the proxy was unwrapped
    db.session.commit()
    row = audit_page(coordinator, AuditFilters(action="messages.")).rows[0]
    assert (row.subject_type, row.subject_label) == ("person", "Cora Coordinator")
    table = page_text(client, auth, coordinator).split("<tbody>")[1].split("</tbody>")[0]
    assert "localproxy" not in table and "person Cora Coordinator" in table and "3 shown; all texts" in table

"""API handlers: parse JSON, call one service, return JSON."""
from __future__ import annotations

from datetime import date

from flask import current_app, jsonify, request

from mutualaid.access import guards_refs
from mutualaid.api import bp
from mutualaid.api.auth import api_person, token_required
from mutualaid.api.autocommit import reads_without_transaction
from mutualaid.api.body import BadRequest, caller, contact_field, idempotency_key, json_body, text_field
from mutualaid.api.openapi import openapi_document
from mutualaid.claims.actions import claim_need as claim
from mutualaid.claims.actions import complete_claim, release_claim
from mutualaid.claims.nearby import my_claims
from mutualaid.core.errors import NotSetUp, ServiceError
from mutualaid.groups.actions import require_set_up
from mutualaid.domain.categories import CATEGORY_CODES
from mutualaid.extensions import limiter
from mutualaid.groups.pause import IntakePaused
from mutualaid.labels import CANNOT_TEXT_NOTICE
from mutualaid.messaging.costs import requester_refusal
from mutualaid.models import Offer
from mutualaid.needs import actions as need_actions
from mutualaid.needs import reads as needs
from mutualaid.needs.actions import submit_need, submit_offer
from mutualaid.needs.intake import NeedInput, OfferInput
from mutualaid.needs.reads import private_view, public_view

STATUS_FOR_CODE = {"not_set_up": 503, "not_found": 404, "forbidden": 403, "taken": 409, "illegal_transition": 409, "capacity": 409,
                   "key_reused": 422}


@bp.errorhandler(ServiceError)
def service_error(error: ServiceError):
    """Service refusals become JSON errors naming the field."""
    status = STATUS_FOR_CODE.get(error.code, 400)
    message = f"{error.message} {error.command}" if isinstance(error, NotSetUp) else str(error.message)
    return jsonify(error={"status": status, "message": message, "field": error.field}), status


def intake_limit():
    """Rate limit for anonymous creation, from config."""
    return current_app.config["RATELIMIT_INTAKE"]


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document for this API."""
    return jsonify(openapi_document())


@bp.route("/needs", methods=["POST"])
@limiter.limit(intake_limit)
def create_need():
    """Ask for help (no account needed)."""
    require_set_up()
    data = json_body()
    try:
        need, created = submit_need(NeedInput(
            category=text_field(data, "category", required=True), details=text_field(data, "details"),
            urgency=text_field(data, "urgency") or "soon", where=text_field(data, "where"),
            contact=contact_field(data), submission_key=idempotency_key(), source="api", caller=caller()))
    except IntakePaused as paused:
        until = paused.pause["until"]
        return jsonify(error={"status": 503, "message": str(paused.message), "field": None,
                              "until": until.isoformat() if until else None}), 503
    body = needs.public_view(need)
    if requester_refusal(need):
        body["contact_notice"] = str(CANNOT_TEXT_NOTICE)
    return jsonify(body), 201 if created else 200


@bp.route("/offers", methods=["POST"])
@limiter.limit(intake_limit)
def create_offer():
    """Offer something (no account needed)."""
    require_set_up()
    data = json_body()
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise BadRequest("'quantity' must be a whole number.", field="quantity")
    until = text_field(data, "available_until")
    try:
        available_until = date.fromisoformat(until) if until else None
    except ValueError:
        raise BadRequest("'available_until' must be a date like 2026-12-31.", field="available_until")
    offer, created = submit_offer(OfferInput(
        category=text_field(data, "category", required=True), details=text_field(data, "details"),
        kind=text_field(data, "kind") or "item", quantity=quantity, available_until=available_until,
        where=text_field(data, "where"), contact=contact_field(data), submission_key=idempotency_key(),
        source="api", caller=caller()))
    return jsonify(needs.public_view(offer)), 201 if created else 200


def require_helper(person) -> None:
    """Only approved volunteers and coordinators read needs and offers (checked before any lookup,
    so the answer says nothing about whether a reference exists)."""
    if not (person.is_coordinator or person.is_approved_volunteer):
        raise ServiceError("Only approved volunteers and coordinators can read needs and offers.", code="forbidden")


@bp.route("/needs/<ref>")
@guards_refs
@token_required
def get_need(ref):
    """One need, as the caller may see it (public unless coordinator or claimer)."""
    require_helper(api_person())
    return jsonify(need_actions.view_need(ref, api_person()))


@bp.route("/offers/<ref>")
@guards_refs
@token_required
def get_offer(ref):
    """One offer, public view."""
    require_helper(api_person())
    return jsonify(needs.public_view(needs.get_by_ref(Offer, ref)))


def float_arg(name: str, default: float | None = None) -> float:
    """A numeric query parameter, or a 400."""
    raw = request.args.get(name)
    if raw is None and default is not None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise BadRequest(f"Query parameter '{name}' must be a number.", field=name)
    if value != value or value in (float("inf"), float("-inf")):
        raise BadRequest(f"Query parameter '{name}' must be a finite number.", field=name)
    return value


@bp.route("/needs")
@reads_without_transaction
@token_required
def list_needs():
    """Open needs of the caller's group near a point, nearest first (approved volunteers and coordinators)."""
    person = api_person()
    if not (person.is_coordinator or person.is_approved_volunteer):
        raise ServiceError("Only approved volunteers and coordinators can list needs.", code="forbidden")
    lat, lon = float_arg("lat"), float_arg("lon")
    radius = float_arg("radius_km", 5.0)
    limit = int(min(max(float_arg("limit", 50), 1), 200))
    category = request.args.get("category")
    if category is not None and category not in CATEGORY_CODES:
        raise BadRequest("Unknown category.", field="category")
    return jsonify(needs=needs.public_needs_near(lat, lon, radius_km=radius, limit=limit, category=category,
                                                 group_id=person.group_id))


def claim_view(claim) -> dict:
    """A claim as its volunteer sees it: the need's private view while active."""
    view = private_view(claim.need) if claim.status == "active" else public_view(claim.need)
    return {"need": view, "status": claim.status, "claimed_at": claim.claimed_at.isoformat(),
            "ended_at": claim.ended_at.isoformat() if claim.ended_at else None, "outcome_note": claim.outcome_note}


@bp.route("/needs/<ref>/claim", methods=["POST"])
@guards_refs
@token_required
def claim_need(ref):
    """Take a need (the same service as the web button and YES by text)."""
    taken, created = claim(api_person(), ref, via="api")
    return jsonify(claim_view(taken)), 201 if created else 200


@bp.route("/needs/<ref>/release", methods=["POST"])
@guards_refs
@token_required
def release_need(ref):
    """Give a need back, with a reason."""
    need = release_claim(api_person(), ref, text_field(json_body(), "reason"))
    return jsonify(needs.public_view(need))


@bp.route("/needs/<ref>/fulfil", methods=["POST"])
@guards_refs
@token_required
def fulfil_need(ref):
    """Mark a need done, with a short outcome note."""
    need = complete_claim(api_person(), ref, text_field(json_body(), "outcome"))
    return jsonify(needs.public_view(need))


@bp.route("/claims")
@token_required
def list_claims():
    """The caller's claims, active first."""
    return jsonify(claims=[claim_view(c) for c in my_claims(api_person())])

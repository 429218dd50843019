"""The OpenAPI 3.1 description of /api/v1 (kept beside the handlers it documents)."""
from __future__ import annotations

from mutualaid.domain.categories import CATEGORY_CODES, URGENCIES

ERROR = {"$ref": "#/components/responses/Error"}
KEY_REUSED = {"description": "This Idempotency-Key was already used by this caller for a different body",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _json(schema_ref: str) -> dict:
    """A JSON response body referring to a component schema."""
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}


def words(limit: int) -> dict:
    """A free text that must say something (not only spaces), of at most `limit` characters."""
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": r"\S"}


def openapi_document() -> dict:
    """Build the document (a function, so it can read the category list at call time)."""
    contact = {
        "type": "object",
        "description": "Who is asking or offering. At least one of phone or email.",
        "properties": {
            "name": {"type": "string", "maxLength": 120},
            "phone": {"type": "string", "maxLength": 40, "description": "Any common format; stored as E.164."},
            "email": {"type": "string", "maxLength": 254},
            "language": {"type": "string", "enum": ["en", "es"]},
            "sms_consent": {"type": "boolean"},
        },
    }
    location = {
        "type": "object",
        "description": "Approximate place only (rounded to a few hundred metres) and an area label.",
        "properties": {
            "status": {"type": "string", "enum": ["known", "unknown"]},
            "approximate_lat": {"type": ["number", "null"]},
            "approximate_lon": {"type": ["number", "null"]},
            "label": {"type": "string"},
        },
    }
    public = {
        "type": "object",
        "required": ["ref", "type", "category", "details", "status", "created_at", "location"],
        "properties": {
            "ref": {"type": "string", "description": "Short public reference, e.g. K7Q4M."},
            "type": {"type": "string", "enum": ["need", "offer"]},
            "category": {"type": "string", "enum": list(CATEGORY_CODES)},
            "details": {"type": "string", "description": "The public version: names, street addresses, phone numbers, "
                        "emails and postcodes finer than the sector are replaced by [name], [address], [phone], "
                        "[email] (a postcode by its sector)."},
            "status": {"type": "string"},
            "urgency": {"type": "string", "enum": list(URGENCIES)},
            "created_at": {"type": "string", "format": "date-time"},
            "age_hours": {"type": "number"},
            "distance_km": {"type": "number", "description": "From the query point, in 0.5 km steps."},
            "kind": {"type": "string", "enum": ["item", "service"]},
            "quantity": {"type": "integer"},
            "available_until": {"type": ["string", "null"], "format": "date"},
            "location": location,
            "private": {"type": "object", "description": "Only for the group's coordinators and the claimer."},
            "contact_notice": {"type": "string", "description": "On a new need only, when the group cannot text "
                               "the number given (a country it does not text, or a premium-rate number): say so "
                               "to the person. The need is kept."},
        },
    }
    need_in = {
        "type": "object",
        "required": ["category", "details", "contact"],
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORY_CODES)},
            "details": words(2000),
            "urgency": {"type": "string", "enum": list(URGENCIES)},
            "where": {"type": "string", "maxLength": 300, "description": "Address or postcode / ZIP; may be empty."},
            "contact": {"$ref": "#/components/schemas/Contact"},
        },
    }
    offer_in = {
        "type": "object",
        "required": ["category", "details", "contact"],
        "properties": {
            "category": {"type": "string", "enum": list(CATEGORY_CODES)},
            "details": words(2000),
            "kind": {"type": "string", "enum": ["item", "service"]},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
            "available_until": {"type": "string", "format": "date", "description": "Not in the past."},
            "where": {"type": "string", "maxLength": 300},
            "contact": {"$ref": "#/components/schemas/Contact"},
        },
    }
    idempotency = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "description": "Retrying with the same key and the same body returns the first result "
                                  "(200). A key belongs to its caller (the token's holder, or else the client "
                                  "address): another caller's same key makes their own request. The same key "
                                  "with a different body is refused with 422.",
                   "schema": {"type": "string", "maxLength": 64}}
    ref_param = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}

    def number(name, required=True, description="", **limits):
        """A numeric query parameter, with the limits outside which the call is refused with 400."""
        return {"name": name, "in": "query", "required": required, "description": description,
                "schema": {"type": "number", **limits}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "mutualaid API", "version": "1",
                 "description": "Needs and offers of a neighbourhood mutual aid group. "
                                "Nothing here reveals a requester's name, phone, address or exact "
                                "point to anyone but the group's coordinators and the claimer."},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/openapi.json": {"get": {"summary": "This document", "operationId": "getOpenapi",
                                      "responses": {"200": {"description": "The OpenAPI 3.1 document",
                                                            "content": {"application/json": {
                                                                "schema": {"type": "object"}}}}}}},
            "/needs": {
                "post": {"summary": "Ask for help", "operationId": "createNeed", "parameters": [idempotency],
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/NeedIn"}}}},
                         "responses": {"201": {"description": "Created", **_json("Public")},
                                       "200": {"description": "Already created with this key", **_json("Public")},
                                       "400": ERROR, "413": ERROR, "422": KEY_REUSED, "429": ERROR}},
                "get": {"summary": "Open needs of the caller's group near a point, nearest first",
                        "operationId": "listNeeds",
                        "security": [{"bearer": []}],
                        "parameters": [number("lat", minimum=-90, maximum=90),
                                       number("lon", minimum=-180, maximum=180),
                                       number("radius_km", False, "Default 5, more than 0 and at most 100.",
                                              exclusiveMinimum=0, maximum=100),
                                       number("limit", False, "Default 50, at most 200."),
                                       {"name": "category", "in": "query", "required": False,
                                        "schema": {"type": "string", "enum": list(CATEGORY_CODES)}}],
                        "responses": {"200": {"description": "Needs", "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"needs": {"type": "array", "items": {
                                "$ref": "#/components/schemas/Public"}}}}}}},
                            "400": ERROR, "401": ERROR, "403": ERROR}},
            },
            "/needs/{ref}": {"get": {"summary": "One need, as the caller may see it", "operationId": "getNeed",
                                     "description": "Approved volunteers and coordinators only. Too many "
                                                    "unknown references from one address are answered 429.",
                                     "security": [{"bearer": []}], "parameters": [ref_param],
                                     "responses": {"200": {"description": "The need", **_json("Public")},
                                                   "401": ERROR, "403": ERROR, "404": ERROR, "429": ERROR}}},
            "/needs/{ref}/claim": {"post": {
                "summary": "Take a need (exactly one of simultaneous claims wins)", "operationId": "claimNeed",
                "security": [{"bearer": []}], "parameters": [ref_param],
                "responses": {"201": {"description": "Claimed", **_json("Claim")},
                              "200": {"description": "Already yours", **_json("Claim")},
                              "401": ERROR, "403": ERROR, "404": ERROR, "429": ERROR,
                              "409": {"description": "Someone else took it, or you are at capacity",
                                      **_json("Error")}}}},
            "/needs/{ref}/release": {"post": {
                "summary": "Give a need back", "operationId": "releaseNeed", "security": [{"bearer": []}],
                "parameters": [ref_param],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {"reason": words(500)}}}}},
                "responses": {"200": {"description": "Open again", **_json("Public")},
                              "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "413": ERROR, "429": ERROR}}},
            "/needs/{ref}/fulfil": {"post": {
                "summary": "Mark a need done", "operationId": "fulfilNeed", "security": [{"bearer": []}],
                "parameters": [ref_param],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["outcome"], "properties": {"outcome": words(1000)}}}}},
                "responses": {"200": {"description": "Done", **_json("Public")},
                              "400": ERROR, "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "413": ERROR,
                              "429": ERROR}}},
            "/claims": {"get": {
                "summary": "My claims, active first", "operationId": "listClaims", "security": [{"bearer": []}],
                "responses": {"200": {"description": "Claims", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"claims": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Claim"}}}}}}}, "401": ERROR}}},
            "/offers": {"post": {"summary": "Offer something", "operationId": "createOffer",
                                 "parameters": [idempotency],
                                 "requestBody": {"required": True, "content": {"application/json": {
                                     "schema": {"$ref": "#/components/schemas/OfferIn"}}}},
                                 "responses": {"201": {"description": "Created", **_json("Public")},
                                               "200": {"description": "Already created with this key",
                                                       **_json("Public")},
                                               "400": ERROR, "413": ERROR, "422": KEY_REUSED, "429": ERROR}}},
            "/offers/{ref}": {"get": {"summary": "One offer", "operationId": "getOffer",
                                      "description": "Approved volunteers and coordinators only.",
                                      "security": [{"bearer": []}], "parameters": [ref_param],
                                      "responses": {"200": {"description": "The offer", **_json("Public")},
                                                    "401": ERROR, "403": ERROR, "404": ERROR, "429": ERROR}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "`flask --app wsgi users token EMAIL` issues one."}},
            "schemas": {
                "Contact": contact, "NeedIn": need_in, "OfferIn": offer_in, "Public": public,
                "Claim": {"type": "object", "required": ["need", "status", "claimed_at"], "properties": {
                    "need": {"$ref": "#/components/schemas/Public"}, "status": {"type": "string"},
                    "claimed_at": {"type": "string", "format": "date-time"},
                    "ended_at": {"type": ["string", "null"], "format": "date-time"},
                    "outcome_note": {"type": "string"}}},
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "status": {"type": "integer"}, "message": {"type": "string"},
                    "field": {"type": ["string", "null"]}}}}},
            },
            "responses": {"Error": {"description": "Refused, with a message saying why",
                                    **_json("Error")}},
        },
    }

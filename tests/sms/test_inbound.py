"""The inbound SMS webhook: signatures, replays, odd bodies, keywords and whole dialogues."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from mutualaid.extensions import db
from mutualaid.models import Conversation, Message, Need, Offer, Person
from mutualaid.messaging.outbox import deliver_outbox
from tests.builders import make_group, make_need
from tests.sms_helpers import ACCOUNT_SID, AUTH_TOKEN, BASE_URL, GROUP_NUMBER, signed_post, sms_config, text_in

SENDER = "+447911123456"


@pytest.fixture
def config_overrides():
    """Console SMS, with a known webhook token and public URL."""
    return sms_config()


@pytest.fixture(autouse=True)
def group(app):
    """The Hackney group, owning the number neighbours text."""
    return make_group(phone_number=GROUP_NUMBER)


def inbound() -> list[Message]:
    """Stored inbound messages."""
    return list(db.session.execute(db.select(Message).where(Message.direction == "in")).scalars())


def replies(to: str = SENDER) -> list[str]:
    """Bodies of our replies queued to `to`, oldest first (not what Twilio answers itself)."""
    return [m.body for m in db.session.execute(db.select(Message).where(
        Message.direction == "out", Message.to_number == to, Message.purpose != "carrier").order_by(Message.id))
        .scalars()]


def last_reply(to: str = SENDER) -> str:
    """The newest reply queued to `to`."""
    bodies = replies(to)
    assert bodies, "no reply was queued"
    return bodies[-1]


def person(phone: str = SENDER) -> Person:
    """The person behind a phone number."""
    return db.session.execute(db.select(Person).where(Person.phone == phone)).scalar_one()


def needs() -> list[Need]:
    """All needs, oldest first."""
    return list(db.session.execute(db.select(Need).order_by(Need.id)).scalars())


# --- signatures and replays ------------------------------------------------------------

def test_signed_webhook_is_stored_and_answered_with_twiml(client):
    response = text_in(client, "need groceries E8 3RH")
    assert response.status_code == 200
    assert response.mimetype == "text/xml" and "<Response" in response.get_data(as_text=True)
    assert [m.body for m in inbound()] == ["need groceries E8 3RH"]


def test_forged_signature_is_refused_and_nothing_is_stored(client):
    form = {"MessageSid": "SMforged", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    response = signed_post(client, "/sms/inbound", form, token="not-our-token")
    assert response.status_code == 403
    assert inbound() == [] and Person.query.count() == 0


def test_a_refused_webhook_is_told_why_in_plain_text_without_a_page_or_cookie(client):
    form = {"MessageSid": "SMforged", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    response = signed_post(client, "/sms/inbound", form, token="not-our-token")
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert "<html" not in response.get_data(as_text=True) and "Set-Cookie" not in response.headers


def test_a_signature_header_that_is_not_ascii_is_refused_not_a_server_error(client):
    form = {"MessageSid": "SModd", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    response = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": "sïgnatüre=="})
    assert response.status_code == 403
    assert inbound() == []


def test_missing_signature_is_refused(client):
    response = client.post("/sms/inbound", data={"MessageSid": "SM1", "From": SENDER, "Body": "hi"})
    assert response.status_code == 403
    assert inbound() == []


class TestWebhooksSignedWithASharedKey:
    """A Twilio Webhook Setting can sign with a shared key instead of the auth token, naming it in a header."""

    OLD, NEW = "webhooks_sharedkey_01old", "webhooks_sharedkey_02new"
    SECRETS = {OLD: "old-shared-secret", NEW: "new-shared-secret"}

    @pytest.fixture
    def config_overrides(self):
        """Two keys configured, as during a rotation."""
        return sms_config(TWILIO_WEBHOOK_SHARED_KEYS=dict(self.SECRETS))

    def post(self, client, sid: str, *, key: str, secret: str | None = None, algorithm: str = "HMAC_SHA256",
             path: str = "/sms/inbound", **fields):
        form = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": SENDER, "To": GROUP_NUMBER,
                "Body": "need milk E8 3RH", **fields}
        return signed_post(client, path, form, token=secret or self.SECRETS.get(key, "x"), algorithm=algorithm,
                           headers={"X-Twilio-Webhooks-Signature-Settings": f"key={key},algorithm={algorithm}"})

    def test_a_text_signed_with_either_configured_key_is_stored(self, client):
        assert self.post(client, "SMkeyold", key=self.OLD).status_code == 200
        assert self.post(client, "SMkeynew", key=self.NEW, algorithm="HMAC_SHA1").status_code == 200
        assert [m.provider_sid for m in inbound()] == ["SMkeyold", "SMkeynew"]

    def test_the_header_decides_the_secret_so_the_auth_token_or_the_other_key_is_refused(self, client):
        with_token = self.post(client, "SMtoken", key=self.OLD, secret=AUTH_TOKEN)
        other_key = self.post(client, "SMother", key=self.OLD, secret=self.SECRETS[self.NEW])
        sha1_as_sha256 = signed_post(client, "/sms/inbound", {"MessageSid": "SMalgo", "From": SENDER, "Body": "hi"},
                                     token=self.SECRETS[self.OLD], headers={
                                         "X-Twilio-Webhooks-Signature-Settings": f"key={self.OLD},algorithm=HMAC_SHA256"})
        assert [with_token.status_code, other_key.status_code, sha1_as_sha256.status_code] == [403, 403, 403]
        assert inbound() == []

    def test_an_algorithm_twilio_does_not_sign_with_is_refused(self, client):
        form = {"MessageSid": "SMmd5", "From": SENDER, "Body": "hi"}
        refused = signed_post(client, "/sms/inbound", form, token=self.SECRETS[self.OLD], headers={
            "X-Twilio-Webhooks-Signature-Settings": f"key={self.OLD},algorithm=HMAC_MD5"})
        assert refused.status_code == 403
        assert inbound() == []

    def test_a_key_we_were_not_given_is_our_error_500_named_in_the_log_and_nothing_is_stored(self, client, caplog):
        response = self.post(client, "SMunknownkey", key="webhooks_sharedkey_03next", secret="next-secret")
        assert response.status_code == 500 and response.mimetype == "text/plain"
        assert inbound() == []
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert "webhooks_sharedkey_03next" in logged and "TWILIO_WEBHOOK_SHARED_KEYS" in logged
        assert "next-secret" not in logged and SENDER not in logged and "milk" not in logged

    def test_a_delivery_report_signed_with_a_shared_key_is_recorded(self, client):
        response = self.post(client, "SMreport", key=self.NEW, path="/sms/status", MessageStatus="delivered")
        forged = self.post(client, "SMreport", key=self.NEW, secret="wrong", path="/sms/status",
                           MessageStatus="failed")
        assert (response.status_code, forged.status_code) == (204, 403)


def test_a_shared_key_header_without_any_keys_configured_is_a_500_not_a_silent_403(client):
    form = {"MessageSid": "SMnokeys", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    response = signed_post(client, "/sms/inbound", form, token="some-shared-secret", algorithm="HMAC_SHA256",
                           headers={"X-Twilio-Webhooks-Signature-Settings": "key=webhooks_sharedkey_x,algorithm=HMAC_SHA256"})
    assert response.status_code == 500
    assert inbound() == []


def test_signature_covers_every_posted_field(client):
    form = {"MessageSid": "SM1", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE_URL + "/sms/inbound", form)
    tampered = {**form, "Body": "CANCEL ABCDE"}
    response = client.post("/sms/inbound", data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    extra = {**form, "Extra": "added"}
    assert client.post("/sms/inbound", data=extra, headers={"X-Twilio-Signature": signature}).status_code == 403


def test_the_validator_reads_every_field_through_getall_and_signs_as_over_a_plain_dict(client, monkeypatch):
    """twilio's validator tries `getall`, then `getlist`, then indexes: a plain dict cost two exceptions a field."""
    from twilio.request_validator import RequestValidator

    from mutualaid.sms.signing import SignedFields, sign

    form = {"MessageSid": "SMfields", "From": SENDER, "To": GROUP_NUMBER, "Body": "need milk 🥛", "NumMedia": "0"}
    url = BASE_URL + "/sms/inbound"
    with client.application.test_request_context():
        assert sign(url, form) == RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    readers = []
    get_values = RequestValidator.get_values

    def recording(self, params, name):
        readers.append(callable(getattr(params, "getall", None)))
        return get_values(self, params, name)

    monkeypatch.setattr(RequestValidator, "get_values", recording)
    assert signed_post(client, "/sms/inbound", form).status_code == 200
    assert inbound()[0].body == "need milk 🥛"
    # signed_post computes over the plain dict; the webhook's own check reads each field by getall
    assert readers.count(True) == len(form) and readers.count(False) == len(form)
    assert SignedFields(form).getall("Body") == ["need milk 🥛"]


def test_signature_for_another_url_is_refused(client):
    form = {"MessageSid": "SM1", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
    response = signed_post(client, "/sms/inbound", form, url="http://localhost/sms/inbound")
    assert response.status_code == 403


def test_replayed_message_sid_answers_200_and_creates_nothing_new(client):
    text_in(client, "need groceries E8 3RH", sid="SMreplay")
    first_replies = len(replies())
    again = text_in(client, "need groceries E8 3RH", sid="SMreplay")
    assert again.status_code == 200
    assert len(inbound()) == 1 and len(replies()) == first_replies and len(needs()) == 1


def test_concurrent_duplicate_webhooks_store_exactly_one_row(app):
    barrier = threading.Barrier(4)
    statuses = []

    def post():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            statuses.append(text_in(client, "need milk E8 3RH", sid="SMsame").status_code)
            db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert db.session.execute(db.select(Message).where(Message.provider_sid == "SMsame")).scalars().all().__len__() == 1
    assert len(needs()) == 1


def test_a_webhook_after_the_database_dropped_our_connections_is_still_stored(client, backend):
    text_in(client, "STATUS", sid="SMbefore")
    db.session.commit()
    if backend == "postgresql":  # e.g. PostgreSQL restarted: every pooled connection is now dead
        db.session.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        db.session.commit()
    response = text_in(client, "need milk E8 3RH", sid="SMafter")
    assert response.status_code == 200
    assert {m.provider_sid for m in inbound()} == {"SMbefore", "SMafter"}


class TestWithTheRateLimiterOn:
    """Twilio's webhooks come from Twilio's servers: a limit by address would drop neighbours' texts."""

    @pytest.fixture
    def config_overrides(self):
        """Production's limiter, with a default limit small enough to reach in a test."""
        return sms_config(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")

    def test_webhooks_are_never_limited_by_address_while_pages_are(self, client):
        texts = [text_in(client, "STATUS", sid=f"SMlimit{n}").status_code for n in range(5)]
        callbacks = [signed_post(client, "/sms/status", {"MessageSid": "SMunknown", "MessageStatus": "delivered"})
                     .status_code for _ in range(3)]
        pages = [client.get("/").status_code for _ in range(3)]
        assert texts == [200] * 5 and len(inbound()) == 5
        assert 429 not in callbacks
        assert pages[:2] != [429, 429] and pages[-1] == 429  # the limiter is on


class TestBehindAProxy:
    """Behind a TLS proxy the app must see the public https URL Twilio signed."""

    @pytest.fixture
    def config_overrides(self):
        """No PUBLIC_BASE_URL: rely on ProxyFix and X-Forwarded-* headers."""
        return sms_config(PUBLIC_BASE_URL=None, TRUSTED_PROXIES=1)

    def test_forwarded_https_url_is_what_gets_verified(self, client):
        form = {"MessageSid": "SMproxy", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "aid.example.org"}
        ok = signed_post(client, "/sms/inbound", form, url="https://aid.example.org/sms/inbound", headers=headers)
        assert ok.status_code == 200

    def test_without_forwarded_headers_the_https_signature_does_not_match(self, client):
        form = {"MessageSid": "SMproxy2", "From": SENDER, "To": GROUP_NUMBER, "Body": "hi"}
        response = signed_post(client, "/sms/inbound", form, url="https://aid.example.org/sms/inbound")
        assert response.status_code == 403


# --- odd bodies ------------------------------------------------------------------------

def test_a_1600_character_body_is_kept_whole_and_the_reply_stays_short(client):
    body = "need groceries E8 3RH " + "x" * (1600 - 22)
    text_in(client, body)
    assert len(inbound()[0].body) == 1600
    from mutualaid.messaging.limits import segments

    assert segments(last_reply()) <= 3


def test_emoji_and_right_to_left_text_survive(client):
    body = "need bread 🍞 خبز E8 3RH"
    text_in(client, body)
    assert inbound()[0].body == body
    assert needs()[0].details == body


def test_nul_bytes_in_a_body_are_dropped_not_a_server_error(client):
    response = text_in(client, "need\x00 milk E8 3RH")
    assert response.status_code == 200
    assert inbound()[0].body == "need milk E8 3RH"


def test_empty_body_gets_a_friendly_prompt(client):
    text_in(client, "")
    assert "Your message was empty" in last_reply()
    assert needs() == []


def test_media_only_message_is_answered_in_words(client):
    text_in(client, "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/1")
    assert "We cannot read pictures" in last_reply()
    assert inbound()[0].num_media == 1


# --- keywords ---------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "END", "QUIT", "CANCEL",
                                  "REVOKE", "OPTOUT"])
def test_carrier_opt_out_words_opt_out_and_get_no_reply(client, word):
    text_in(client, word)
    assert person().opted_out is True
    assert replies() == []


def test_stop_please_is_not_an_opt_out(client):
    text_in(client, "STOP please")
    assert person().opted_out is False


def test_spanish_opt_out_is_confirmed_by_us_because_the_carrier_does_not(client):
    text_in(client, "PARAR")
    assert person().opted_out is True
    deliver_outbox()
    confirmation = db.session.execute(db.select(Message).where(Message.to_number == SENDER)).scalar_one()
    assert confirmation.template == "opted_out" and confirmation.status == "delivered"


def test_stop_is_honoured_by_every_sender_at_once(client):
    from datetime import datetime, timezone

    from mutualaid.messaging.outbox import queue_sms

    noon = datetime(2026, 6, 1, 11, 0, tzinfo=timezone.utc)
    text_in(client, "need groceries E8 3RH")
    pending = [queue_sms(to_number=SENDER, template="help", group=None, person=person(),
                         params={"group": "x", "contact": ""}, purpose=purpose, now=noon)
               for purpose in ("notify", "relay", "chase")]
    db.session.commit()
    text_in(client, "STOP")
    deliver_outbox(now=noon)
    for message in pending:
        db.session.refresh(message)
        assert message.status == "suppressed", message.purpose


def test_start_opts_back_in(client):
    text_in(client, "STOP")
    text_in(client, "START")
    assert person().opted_out is False


def test_ayuda_explains_the_number_in_spanish_and_help_is_left_to_twilio(client):
    text_in(client, "ayuda", sender="+447911123457")
    assert "Hackney Mutual Aid" in last_reply("+447911123457") and "vecinos" in last_reply("+447911123457")
    text_in(client, "HELP")
    assert replies() == []  # Twilio answers HELP itself


def test_status_lists_only_references_and_states(client):
    text_in(client, "need groceries today E8 3RH")
    need = needs()[0]
    text_in(client, "STATUS")
    reply = last_reply()
    assert need.ref in reply and "open" in reply
    assert "E8 3RH" not in reply and SENDER not in reply


def test_cancel_by_reference_cancels_your_own_request(client):
    text_in(client, "need groceries today E8 3RH")
    need = needs()[0]
    text_in(client, f"CANCEL {need.ref}")
    db.session.refresh(need)
    assert need.status == "cancelled"
    assert need.ref in last_reply()


def test_cancel_from_another_number_changes_nothing_and_reveals_nothing(client):
    text_in(client, "need groceries today E8 3RH")
    need = needs()[0]
    text_in(client, f"CANCEL {need.ref}", sender="+447911123458")
    db.session.refresh(need)
    assert need.status == "open"
    assert "could not find a request" in last_reply("+447911123458")
    assert "groceries" not in last_reply("+447911123458")


def test_done_by_reference_marks_it_fulfilled(client):
    text_in(client, "need groceries today E8 3RH")
    need = needs()[0]
    text_in(client, f"done {need.ref.lower()}")
    db.session.refresh(need)
    assert need.status == "fulfilled"


def test_done_on_a_cancelled_request_is_refused_with_a_message(client):
    text_in(client, "need groceries today E8 3RH")
    need = needs()[0]
    text_in(client, f"CANCEL {need.ref}")
    text_in(client, f"DONE {need.ref}")
    db.session.refresh(need)
    assert need.status == "cancelled"
    assert "cannot be changed by text" in last_reply()


def test_lang_switches_replies_to_spanish_and_back(client):
    text_in(client, "LANG ES")
    assert person().language == "es"
    text_in(client, "AYUDA")
    assert "vecinos" in last_reply().lower() or "vecinas" in last_reply().lower()
    text_in(client, "IDIOMA EN")
    assert person().language == "en"


# --- dialogues ----------------------------------------------------------------------------

def test_full_english_dialogue_ends_in_a_stored_located_need(client):
    text_in(client, "hello")
    assert "What do you need help with" in last_reply()
    text_in(client, "I need a lift to the hospital on Thursday")
    assert "Where are you" in last_reply()
    text_in(client, "my postcode is e8 3rh")
    assert "How soon" in last_reply()
    text_in(client, "2")
    need = needs()[0]
    assert need.status == "open" and need.source == "sms"
    assert need.category == "transport" and need.urgency == "soon"
    assert need.postcode == "E8 3RH" and need.location_status in ("located", "approximate")
    assert need.requester.phone == SENDER
    assert need.ref in last_reply()


def test_full_spanish_dialogue_ends_in_a_stored_located_need(client):
    sender = "+12125550187"
    make_group(slug="brooklyn", name="Brooklyn Ayuda Mutua", centre=(40.68, -73.95), radius_km=8,
               phone_number="+13475550100")
    text_in(client, "hola", sender=sender, to="+13475550100")
    text_in(client, "necesito medicinas de la farmacia", sender=sender, to="+13475550100")
    text_in(client, "11216", sender=sender, to="+13475550100")
    text_in(client, "hoy", sender=sender, to="+13475550100")
    need = needs()[0]
    assert need.group.slug == "brooklyn"
    assert need.status == "open" and need.category == "medicine" and need.urgency == "today"
    assert need.language == "es" and need.postcode == "11216" and 40.6 < need.exact_lat < 40.75
    assert person(sender).language == "es"
    assert need.ref in last_reply(sender)
    assert "vecin" in last_reply(sender).lower() or "pedido" in last_reply(sender).lower()


@pytest.mark.parametrize("text, category, postcode, urgency", [
    ("need groceries E8 3RH today", "groceries", "E8 3RH", "today"),
    ("can someone walk my dog tomorrow, postcode LS6 2AB", "pets", "LS6 2AB", "soon"),
])
def test_one_shot_texts_become_open_needs_at_once(client, text, category, postcode, urgency):
    text_in(client, text)
    need = needs()[0]
    assert (need.status, need.category, need.postcode, need.urgency) == ("open", category, postcode, urgency)


def test_abandoned_dialogue_is_kept_as_a_draft_for_coordinators(client):
    text_in(client, "need someone to help with a form")
    need = needs()[0]
    assert need.status == "draft" and need.source == "sms"
    assert need.details == "need someone to help with a form"


def test_unclear_place_gets_one_clarifying_question_then_moves_on(client):
    text_in(client, "need groceries")
    text_in(client, "near the big church")
    assert "could not find a postcode" in last_reply()
    text_in(client, "by the park on the corner")
    assert "How soon" in last_reply()
    text_in(client, "3")
    need = needs()[0]
    assert need.status == "open" and need.location_status in ("unknown", "not_found")
    assert need.address_text == "by the park on the corner"


def test_skip_leaves_the_place_unknown_without_losing_the_request(client):
    text_in(client, "need groceries")
    text_in(client, "SKIP")
    text_in(client, "SKIP")
    need = needs()[0]
    assert need.status == "open" and need.location_status == "unknown" and need.urgency == "soon"


def test_offer_by_text(client):
    text_in(client, "OFFER a baby cot")
    text_in(client, "E8 4")
    offer = Offer.query.one()
    assert offer.category == "household" and offer.status == "open" and offer.postcode == "E8 4"
    assert offer.ref in last_reply()


def test_conversations_are_kept_per_number_and_group(client):
    text_in(client, "need groceries")
    make_group(slug="other", name="Other", phone_number="+442079460000")
    text_in(client, "hello", to="+442079460000")
    assert Conversation.query.count() == 2
    assert {c.state["step"] for c in Conversation.query} == {"where", "what"}


def test_a_flood_from_one_number_is_stored_but_not_answered(client, app):
    app.config["SMS_MAX_INBOUND_PER_10_MINUTES"] = 3
    for i in range(6):
        text_in(client, f"hello {i}")
    statuses = [m.status for m in inbound()]
    assert statuses == ["processed"] * 3 + ["rate_limited"] * 3
    assert len(replies()) == 3


def test_replies_do_not_echo_other_peoples_data(client):
    make_need(name="Edna Canary", phone="+447911123499", where="14 Mare St E8 3RH")
    text_in(client, "STATUS")
    assert "Edna" not in last_reply() and "Mare" not in last_reply()


class TestStoredFirstAnsweredByTheJob:
    """In production the webhook only stores the text; the process_inbound job answers it."""

    @pytest.fixture
    def config_overrides(self):
        """As in production: nothing but storing inside Twilio's request."""
        return sms_config(SMS_INBOUND_INLINE=False)

    def test_the_webhook_stores_and_answers_without_conversing(self, client):
        response = text_in(client, "need groceries today E8 3RH")
        assert response.status_code == 200
        assert [m.status for m in inbound()] == ["received"]
        assert replies() == [] and needs() == []

    def test_the_job_converses_once_in_order(self, client):
        from mutualaid.jobs.runner import run_job

        text_in(client, "need groceries")
        text_in(client, "E8 3RH")
        text_in(client, "1")
        run = run_job("process_inbound")
        run_job("process_inbound")
        assert run.rows == 3
        assert [m.status for m in inbound()] == ["processed"] * 3
        need = needs()[0]
        assert need.status == "open" and need.postcode == "E8 3RH" and need.urgency == "today"
        assert len(replies()) == 3

    def test_two_job_runs_at_once_answer_each_text_once(self, app, client):
        from mutualaid.sms.actions import process_pending_inbound

        for i in range(6):
            text_in(client, "STATUS", sender=f"+4479111234{30 + i}")
        barrier = threading.Barrier(2)

        def run():
            with app.app_context():
                barrier.wait()
                process_pending_inbound(datetime.now(timezone.utc))
                db.session.remove()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        db.session.expire_all()
        assert all(m.status == "processed" for m in inbound())
        assert Message.query.filter_by(direction="out").count() == 6

    def test_the_answer_sets_no_cookie(self, client):
        response = text_in(client, "STATUS")
        assert "Set-Cookie" not in response.headers

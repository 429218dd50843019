"""`flask doctor`'s Twilio check (the real twilio Client, its transport sent to a loopback Twilio) and its
email check (a real SMTP conversation with a loopback mail server), each both ways."""
import pytest

from mutualaid.doctor.email_check import check_email
from mutualaid.doctor.twilio_check import check_sms
from tests.builders import make_group
from tests.deploy.loopback import FakeTwilioAccount, LoopbackTwilio, MailServer, serve

BASE = "https://aid.example.org"
INBOUND = f"{BASE}/sms/inbound"
NUMBER = "+442071234567"


def statuses(findings):
    """The statuses in order."""
    return [finding.status for finding in findings]


@pytest.fixture
def twilio():
    """A loopback Twilio with one account; stopped afterwards."""
    account = FakeTwilioAccount()
    account.base_url = account.start()
    yield account
    account.server.shutdown()


def twilio_config(twilio, **changes):
    """Settings for SMS through `twilio`."""
    return {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": twilio.sid, "TWILIO_AUTH_TOKEN": twilio.token,
            "TWILIO_FROM_NUMBER": NUMBER, "PUBLIC_BASE_URL": BASE,
            "TWILIO_HTTP_CLIENT": LoopbackTwilio(twilio.base_url), **changes}


def test_console_sms_is_ok():
    assert statuses(check_sms({"SMS_BACKEND": "console"})) == ["OK"]


def test_twilio_without_credentials_fails():
    (finding,) = check_sms({"SMS_BACKEND": "twilio", "TWILIO_FROM_NUMBER": NUMBER, "PUBLIC_BASE_URL": BASE})
    assert finding.status == "FAIL" and "TWILIO_ACCOUNT_SID" in finding.message


def test_a_number_pointing_at_our_webhook_is_ok(app, twilio):
    twilio.add_number(NUMBER, INBOUND)
    findings = check_sms(twilio_config(twilio))
    assert statuses(findings) == ["OK", "OK", "OK"]
    assert f"{NUMBER} sends incoming texts to {INBOUND}" in findings[1].message
    assert "sms/status" in findings[2].message


def test_wrong_credentials_fail(app, twilio):
    twilio.add_number(NUMBER, INBOUND)
    (finding,) = check_sms(twilio_config(twilio, TWILIO_AUTH_TOKEN="wrong"))
    assert finding.status == "FAIL" and "refused" in finding.message


def test_a_suspended_account_fails(app, twilio):
    twilio.status = "suspended"
    (finding,) = check_sms(twilio_config(twilio))
    assert finding.status == "FAIL" and "suspended" in finding.message


def test_a_number_not_on_the_account_fails(app, twilio):
    findings = check_sms(twilio_config(twilio))
    assert statuses(findings) == ["OK", "FAIL", "OK"]
    assert "not a number on this Twilio account" in findings[1].message


def test_a_number_whose_webhook_points_elsewhere_fails_and_says_where_to_point_it(app, twilio):
    twilio.add_number(NUMBER, "https://demo.twilio.com/welcome/sms/reply")
    finding = check_sms(twilio_config(twilio))[1]
    assert finding.status == "FAIL" and INBOUND in finding.message and "A message comes in" in finding.message


def test_a_webhook_using_get_fails(app, twilio):
    twilio.add_number(NUMBER, INBOUND, sms_method="GET")
    assert statuses(check_sms(twilio_config(twilio)))[1] == "FAIL"


def test_each_groups_number_is_checked_too(app, twilio):
    make_group(phone_number="+442071234568")
    twilio.add_number(NUMBER, INBOUND)
    findings = check_sms(twilio_config(twilio))
    assert statuses(findings) == ["OK", "OK", "FAIL", "OK"] and "+442071234568" in findings[2].message


def test_a_messaging_service_with_its_own_webhook(app, twilio):
    twilio.add_number(NUMBER, "")
    twilio.service = {"sid": "MG" + "3" * 32, "use_inbound_webhook_on_number": False, "inbound_request_url": INBOUND}
    config = twilio_config(twilio, TWILIO_MESSAGING_SERVICE_SID=twilio.service["sid"])
    assert statuses(check_sms(config)) == ["OK", "OK", "OK", "OK"]
    twilio.service["inbound_request_url"] = "https://elsewhere.example.org/in"
    assert statuses(check_sms(config))[1] == "FAIL"


def test_twilio_out_of_reach_fails(app):
    config = {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t",
              "TWILIO_FROM_NUMBER": NUMBER, "PUBLIC_BASE_URL": BASE,
              "TWILIO_HTTP_CLIENT": LoopbackTwilio("http://127.0.0.1:9")}
    (finding,) = check_sms(config)
    assert finding.status == "FAIL" and "Cannot reach Twilio" in finding.message


@pytest.fixture
def mail():
    """A loopback mail server that takes aid / right."""
    server = MailServer()
    server.address = serve(server)
    yield server
    server.shutdown()


def mail_config(mail, **changes):
    """Settings for email through `mail`."""
    host, port = mail.address.split(":")
    return {"EMAIL_BACKEND": "smtp", "MAIL_SERVER": host, "MAIL_PORT": int(port), "MAIL_USE_TLS": False,
            "MAIL_USERNAME": "aid", "MAIL_PASSWORD": "right", "MAIL_FROM": "aid@example.org", **changes}


def test_console_email_is_ok_for_trying_out_and_a_warning_in_production():
    assert statuses(check_email({"EMAIL_BACKEND": "console", "ENV_NAME": "development"})) == ["OK"]
    assert statuses(check_email({"EMAIL_BACKEND": "console", "ENV_NAME": "production"})) == ["WARN"]


def test_a_mail_server_that_takes_the_login_is_ok_and_no_mail_is_sent(mail):
    findings = check_email(mail_config(mail))
    assert statuses(findings) == ["OK"] and "no mail was sent" in findings[0].message
    assert "AUTH" in mail.commands and "MAIL" not in mail.commands and "QUIT" in mail.commands


def test_a_wrong_mail_password_fails(mail):
    (finding,) = check_email(mail_config(mail, MAIL_PASSWORD="wrong"))
    assert finding.status == "FAIL" and "refused MAIL_USERNAME" in finding.message


def test_starttls_the_server_does_not_offer_fails(mail):
    (finding,) = check_email(mail_config(mail, MAIL_USE_TLS=True))
    assert finding.status == "FAIL" and "STARTTLS" in finding.message


def test_no_mail_server_there_fails():
    (finding,) = check_email({"EMAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9})
    assert finding.status == "FAIL" and "MAIL_SERVER" in finding.message


def test_port_465_is_explained():
    (finding,) = check_email({"EMAIL_BACKEND": "smtp", "MAIL_SERVER": "mail.example.org", "MAIL_PORT": 465})
    assert finding.status == "FAIL" and "587" in finding.message


def test_a_made_up_sender_warns_in_production(mail):
    findings = check_email(mail_config(mail, ENV_NAME="production", MAIL_FROM="mutualaid@localhost"))
    assert statuses(findings) == ["WARN", "OK"]

"""Which requests are Twilio's webhooks (the sms blueprint, under /sms/).

They come from Twilio's servers, signed, never from a browser, so they get no cookie session,
no CSRF check and no login cookie, are never rate limited by address, and are told about errors
in one line of plain text. Nothing for browsers may live under /sms/.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, Request, request

from mutualaid.extensions import csrf, limiter, login_manager

PREFIX = "/sms/"


def is_twilio_webhook(request: Request) -> bool:
    """Whether `request` is for one of Twilio's webhooks (by path, so also when no route matched)."""
    return request.path.startswith(PREFIX)


def init_app(app: Flask) -> None:
    """Keep the browser-facing work of Flask-WTF, Flask-Limiter and Flask-Login off Twilio's webhooks."""
    for extension in (csrf, limiter, login_manager):
        skip_extension_hooks(app, extension)


def skip_extension_hooks(app: Flask, extension: object) -> int:
    """Keep `extension`'s app-wide request hooks from running for Twilio's webhooks; how many were wrapped.

    For Flask-Limiter: its request filter exempts the webhooks, but its three hooks (before,
    after and teardown) still resolved every limit of the route and built its context first,
    about 60-80 of the webhook's 430-550 µs of CPU in one process (bench/README.md). Flask-WTF's
    CSRF check (the sms blueprint is exempt, but the check found that out on every text) and
    Flask-Login's remember-cookie hook (no session, so nothing to do) cost 10 and 7 µs more.
    Only the hooks the extension registered itself are wrapped, found by the object they are
    bound to or close over.
    """
    wrapped = 0
    for registry, passes_response in ((app.before_request_funcs, False), (app.after_request_funcs, True),
                                      (app.teardown_request_funcs, False)):
        hooks = registry.get(None, [])
        for index, hook in enumerate(hooks):
            if _bound_to(hook, extension):
                hooks[index] = _unless_webhook(hook, passes_response)
                wrapped += 1
    return wrapped


def _bound_to(hook: Callable, extension: object) -> bool:
    """Whether `hook` is `extension`'s: a bound method, a partial with it first, or a closure over it (Flask-WTF)."""
    if isinstance(hook, functools.partial):
        return bool(hook.args) and hook.args[0] is extension
    if getattr(hook, "__self__", None) is extension:
        return True
    return any(_cell_holds(cell, extension) for cell in getattr(hook, "__closure__", None) or ())


def _cell_holds(cell, value: object) -> bool:
    """Whether a closure cell holds `value` (an empty cell holds nothing)."""
    try:
        return cell.cell_contents is value
    except ValueError:
        return False


def _unless_webhook(hook: Callable, passes_response: bool) -> Callable:
    """`hook`, except for a webhook request, where it passes the response on untouched (after_request) or does nothing."""
    @functools.wraps(hook)
    def run(*args):
        if is_twilio_webhook(request):
            return args[0] if passes_response else None
        return hook(*args)

    run.skips_twilio_webhooks = True
    return run

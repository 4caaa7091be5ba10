"""Security headers on every response, trusted proxy headers, no cookie set by the JSON API,
and no change of anything by a read-only role (auditors)."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.errors import NotAllowed
from app.services import access, users
from app.web import errors

# Scripts only from our own files (JSON data blocks are not scripts); bpmn-js sets style
# attributes on the diagram's SVG, hence 'unsafe-inline' for style attributes only.
CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'",
    "style-src-attr 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


class SessionInterface(SecureCookieSessionInterface):
    """The JSON API never sets a cookie; it reads the browser's session only for a request
    without a token (the designer pages call it so, with the CSRF token: web/api.py)."""

    def open_session(self, app, request):
        if _is_api() and request.headers.get("Authorization"):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not _is_api():
            super().save_session(app, session, response)


def _headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# POSTs a read-only role still makes: its own session and password; verification, which
# replays a case; the dry runs of the designer tools auditors may read (a timer preview, a
# form check, a decision table tried on a case's data). None of them saves anything.
# Everything under /audit/ and /api/audit/ is an auditor's tool and reads only.
READ_POSTS = {"auth.login", "auth.logout", "auth.password", "auth.renew", "audit.verify",
              "api.verify",
              "api_calendar.preview", "api_forms.check", "api_forms.try_decision"}
READ_PREFIXES = ("/audit/", "/api/audit/")


def token_user(token: str):
    """Return the active user holding API token `token`, or None: read once per request
    (this guard and the API's authentication both ask). Kept in the request's environ, not
    in `g`: an application context can outlive one request."""
    known = request.environ.setdefault("app.token_users", {})
    if token not in known:
        known[token] = users.user_for_token(token)
    return known[token]


def _requester():
    """Return the user making this request (token for the API, else the session), or None."""
    header = request.headers.get("Authorization", "")
    if _is_api() and header:
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        return token_user(token) if token else None
    return current_user if current_user.is_authenticated else None


def _writes() -> bool:
    return (request.method not in SAFE_METHODS and request.endpoint is not None
            and request.endpoint not in READ_POSTS
            and not request.path.startswith(READ_PREFIXES))


def refuse_read_only_writes():
    """Answer 403 to a read-only role's request that would change something, before any
    view runs: one guard for every route, present and future (access.require_writer).
    Answered here rather than raised, so no blueprint's own handler turns it into a flash."""
    user = _requester() if _writes() else None
    if user is None:
        return None
    try:
        access.require_writer(user)
    except NotAllowed as error:
        return errors.handle_app_error(error)
    return None


def register(app: Flask) -> None:
    """Install the headers, the cookie-free API session and, when configured, ProxyFix."""
    hops = app.config["TRUST_PROXY"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.before_request(refuse_read_only_writes)

"""Security headers on every response, trusted proxy headers, and no cookie set by the JSON API."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

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


def register(app: Flask) -> None:
    """Install the headers, the cookie-free API session and, when configured, ProxyFix."""
    hops = app.config["TRUST_PROXY"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
    app.session_interface = SessionInterface()
    app.after_request(_headers)

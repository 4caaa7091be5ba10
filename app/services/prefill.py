"""Values an applicant gave at registration, pre-filled into the fields that ask for them.

A form field names its source with `prefill:` (docs/FORMS.md); a value already there (a
draft, an earlier answer) is never replaced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.models import User

# Accounts registered before the phone had its own field wrote "王敏 13800001111" in one.
PHONE_IN_TEXT = re.compile(r"\+?[0-9][0-9() -]{5,18}[0-9]")


def _contact(user: User) -> tuple[str, str]:
    if user.contact_phone:
        return user.contact, user.contact_phone
    found = PHONE_IN_TEXT.search(user.contact or "")
    if found is None:
        return user.contact or "", ""
    name = (user.contact[:found.start()] + user.contact[found.end():]).strip(" ,，;；:：/、")
    return name, found[0]


def registration_values(user: User) -> dict[str, str]:
    """Return the registration's values by prefill source ("" where none was given)."""
    name, phone = _contact(user)
    return {"organisation": user.name or "", "credit_code": user.credit_code or "",
            "county": user.county or "", "contact_name": name, "contact_phone": phone}


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def prefilled(form, user: User, values: Mapping) -> dict:
    """Return `values` with each empty field that names a prefill source filled from `user`'s
    registration (applicants only; other users get `values` unchanged)."""
    result = dict(values)
    if user.role != "applicant":
        return result
    source = registration_values(user)
    for field in form.fields:
        key = field.option("prefill")
        if key and _empty(result.get(field.name)) and source.get(key):
            result[field.name] = source[key]
    return result

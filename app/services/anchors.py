"""Anchors: signed Merkle roots over every case's chain head, kept outside the database.

A hash chain alone cannot show that someone with database write access rewrote a case and
recomputed every hash, cut its tail or deleted it. An anchor records (ref, last seq, head hash)
of every case in an append-only JSON-lines file, signed with an Ed25519 key that lives beside
it, each line chained to the previous one by its sha256. Verification compares today's chains
with the latest anchor covering each case, and checks the log's own chain and signatures.

Merkle root: leaves are sha256(ref + ":" + str(seq) + ":" + head) as hex, sorted; each level
hashes sha256(left_hex + right_hex) of neighbouring pairs; an odd last leaf is carried up
unchanged; the root of no leaves is sha256("").
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import Case, Event, User

GENESIS = "0" * 64
READERS = ("auditor", "admin")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf(ref: str, seq: int, head: str) -> str:
    """Return the Merkle leaf of one case's chain head."""
    return _sha(f"{ref}:{seq}:{head}")


def merkle_root(leaves: list[str]) -> str:
    """Return the Merkle root of `leaves` (sorted first; odd leaf carried up)."""
    level = sorted(leaves)
    if not level:
        return _sha("")
    while len(level) > 1:
        pairs = [_sha(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def canonical(fields: dict) -> bytes:
    """Return the canonical JSON bytes a signature covers."""
    return json.dumps(fields, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


# --- the signing key --------------------------------------------------------------------------

def public_path(key_path: Path) -> Path:
    """Return where the public key (PEM) of `key_path` is kept."""
    return key_path.with_name(key_path.name + ".pub")


def signing_key(key_path: Path) -> Ed25519PrivateKey:
    """Return the Ed25519 key kept at `key_path`; made (mode 0600, public PEM beside) if absent."""
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # O_EXCL: never overwrite a key that appeared meanwhile; 0600 from the start.
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        public_path(key_path).write_bytes(public_pem(key.public_key()))
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{key_path} is not an Ed25519 private key")
    return key


def public_pem(public: Ed25519PublicKey) -> bytes:
    """Return the PEM (SubjectPublicKeyInfo) text of `public`."""
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public: Ed25519PublicKey) -> str:
    """Return sha256 (hex) of the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public(key_path: Path) -> Ed25519PublicKey | None:
    """Return the public key kept beside `key_path`, or None when there is none."""
    path = public_path(key_path)
    if not path.exists():
        return None
    public = serialization.load_pem_public_key(path.read_bytes())
    return public if isinstance(public, Ed25519PublicKey) else None


# --- writing an anchor ------------------------------------------------------------------------

def chain_heads() -> list[dict]:
    """Return [{"ref", "seq", "head"}] of every case with events, by ref."""
    last = (sa.select(Event.case_id, sa.func.max(Event.seq).label("seq"))
            .group_by(Event.case_id).subquery())
    rows = db.session.execute(
        sa.select(Case.ref, Event.seq, Event.hash).join(Event, Event.case_id == Case.id)
        .join(last, sa.and_(last.c.case_id == Event.case_id, last.c.seq == Event.seq))
        .order_by(Case.ref))
    return [{"ref": ref, "seq": seq, "head": head} for ref, seq, head in rows]


def read_lines(log_path: Path) -> list[str]:
    """Return the non-empty lines of the anchor log (none when it does not exist)."""
    if not log_path.exists():
        return []
    return [line for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]


def anchor(log_path: Path, key_path: Path, now: dt.datetime) -> dict:
    """Append a signed anchor over every case's chain head to the log; return the entry."""
    key = signing_key(key_path)
    heads = chain_heads()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as out:
        # Two runs at once must not both chain to the same previous line.
        fcntl.flock(out.fileno(), fcntl.LOCK_EX)
        entry = _signed_entry(key, heads, read_lines(log_path), now)
        out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return entry


def _signed_entry(key: Ed25519PrivateKey, heads: list[dict], lines: list[str],
                  now: dt.datetime) -> dict:
    fields = {
        "at": now.astimezone(dt.timezone.utc).isoformat(), "cases": len(heads),
        "root": merkle_root([leaf(h["ref"], h["seq"], h["head"]) for h in heads]),
        "leaves": heads, "prev": _sha(lines[-1]) if lines else GENESIS,
        "key": fingerprint(key.public_key()),
    }
    return {**fields, "signature": base64.b64encode(key.sign(canonical(fields))).decode()}


def publish_line(entry: dict) -> str:
    """Return the one line to publish: date, root, key fingerprint."""
    return f"{entry['at'][:10]} audit-anchor root={entry['root']} key={entry['key']}"


# --- checking ---------------------------------------------------------------------------------

def check_log(log_path: Path, key_path: Path) -> list[str]:
    """Return what is wrong with the anchor log: broken chain, bad root or signature, by line."""
    lines = read_lines(log_path)
    if not lines:
        return []
    public = load_public(key_path)
    if public is None:
        return [f"{public_path(key_path)}: the public key to check the anchors is missing"]
    problems, prev = [], GENESIS
    for number, line in enumerate(lines, start=1):
        problem = _line_problem(line, prev, public)
        if problem:
            problems.append(f"{log_path.name} line {number}: {problem}")
        prev = _sha(line)
    return problems


def _line_problem(line: str, prev: str, public: Ed25519PublicKey) -> str | None:
    try:
        entry = json.loads(line)
        fields = {k: entry[k] for k in ("at", "cases", "root", "leaves", "prev", "key")}
        signature = base64.b64decode(entry["signature"], validate=True)
        leaves = [leaf(h["ref"], h["seq"], h["head"]) for h in entry["leaves"]]
    except (ValueError, KeyError, TypeError):
        return "not a well-formed anchor entry"
    if fields["prev"] != prev:
        return "chain broken: prev is not the sha256 of the line before"
    if merkle_root(leaves) != fields["root"] or fields["cases"] != len(leaves):
        return "root does not match its leaves"
    try:
        public.verify(signature, canonical(fields))
    except Exception:  # cryptography raises InvalidSignature; any failure means not valid
        return "signature does not verify"
    return None


def anchored_heads(log_path: Path) -> dict[str, dict]:
    """Return {ref: {"seq", "head", "at"}} from the latest anchor covering each case."""
    found: dict[str, dict] = {}
    for line in read_lines(log_path):
        try:
            entry = json.loads(line)
            for head in entry["leaves"]:
                found[head["ref"]] = {"seq": head["seq"], "head": head["head"], "at": entry["at"]}
        except (ValueError, KeyError, TypeError):
            continue  # check_log names the broken line
    return found


def case_problem(anchored: dict | None, events: list[Event]) -> str | None:
    """Return why `events` no longer extend the anchored head, or None when they do."""
    if anchored is None:
        return None
    seq, at = anchored["seq"], anchored["at"]
    if len(events) < seq:
        return (f"anchored at #{seq} on {at}, but the events stop at #{len(events)}: "
                "events were removed at the end")
    if events[seq - 1].seq != seq or events[seq - 1].hash != anchored["head"]:
        return (f"event #{seq} no longer hashes to the head anchored on {at}: "
                "the history was rewritten")
    return None


def missing_cases(anchored: dict[str, dict], present: set[str]) -> list[str]:
    """Return the anchored refs that no longer exist (deleted cases), sorted."""
    return sorted(set(anchored) - present)


def all_refs() -> set[str]:
    """Return the refs of every case in the database."""
    return set(db.session.scalars(sa.select(Case.ref)))


def entries(user: User, log_path: Path) -> list[dict]:
    """Return the anchor log entries; raise NotAllowed unless `user` is an auditor or admin."""
    if user.role not in READERS:
        raise NotAllowed(N_("Only auditors and administrators see the audit anchors."))
    result = []
    for line in read_lines(log_path):
        try:
            result.append(json.loads(line))
        except ValueError:
            result.append({"malformed": line})
    return result


def covering(log_path: Path, ref: str) -> dict | None:
    """Return the latest anchor covering case `ref`: {"at", "root", "key", "seq", "head",
    "proof"} (proof: the Merkle path from its leaf to the root), or None."""
    for line in reversed(read_lines(log_path)):
        try:
            entry = json.loads(line)
            heads = {h["ref"]: h for h in entry["leaves"]}
            if ref not in heads:
                continue
            leaves = [leaf(h["ref"], h["seq"], h["head"]) for h in entry["leaves"]]
            mine = heads[ref]
            return {"at": entry["at"], "root": entry["root"], "key": entry["key"],
                    "seq": mine["seq"], "head": mine["head"],
                    "proof": merkle_proof(leaves, leaf(ref, mine["seq"], mine["head"]))}
        except (ValueError, KeyError, TypeError):
            continue  # check_log names the broken line
    return None


def merkle_proof(leaves: list[str], target: str) -> list[list[str]]:
    """Return the path from `target` to the root of `leaves` as [side, sibling] pairs (side
    "L": the sibling goes left of the running hash); a carried-up odd leaf adds no pair."""
    level, index, path = sorted(leaves), sorted(leaves).index(target), []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(["L" if sibling < index else "R", level[sibling]])
        level = ([_sha(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
                 + ([level[-1]] if len(level) % 2 else []))
        index //= 2
    return path

"""Anchors: signed Merkle roots over every case's chain head, kept outside the database.

A hash chain alone cannot show that someone with database write access rewrote a case and
recomputed every hash, cut its tail or deleted it. An anchor records (ref, last seq, head hash)
of every case in an append-only JSON-lines file, signed with an Ed25519 key that lives beside
it, each line chained to the previous one by its sha256. Verification compares today's chains
with EVERY anchor that covered each case (a history rewritten and then anchored again still
differs from the earlier anchors), and checks the log's own chain and signatures.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.errors import N_, NotAllowed
from app.extensions import db
from app.models import Case, Event, User

GENESIS = "0" * 64
READERS = ("auditor", "admin")
PEM_END = "-----END PUBLIC KEY-----"


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


def retired_path(key_path: Path) -> Path:
    """Return where the public keys of earlier signing keys are kept (PEM blocks, oldest first)."""
    return key_path.with_name(key_path.name + ".retired.pub")


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
        _retire_public(key_path)
        public_path(key_path).write_bytes(public_pem(key.public_key()))
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{key_path} is not an Ed25519 private key")
    return key


def _retire_public(key_path: Path) -> None:
    # A new key (the old one lost, e.g. after a restore: backups hold no private key) must
    # not orphan the lines the old key signed: its public key moves to the retired keys.
    old = public_path(key_path)
    if old.exists():
        with open(retired_path(key_path), "ab") as out:
            out.write(old.read_bytes())


def public_pem(public: Ed25519PublicKey) -> bytes:
    """Return the PEM (SubjectPublicKeyInfo) text of `public`."""
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public: Ed25519PublicKey) -> str:
    """Return sha256 (hex) of the raw 32-byte public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def keyring(key_path: Path) -> dict[str, Ed25519PublicKey]:
    """Return {fingerprint: public key} of the current and every retired signing key."""
    blocks = []
    for path in (retired_path(key_path), public_path(key_path)):
        if path.exists():
            text = path.read_text(encoding="ascii")
            blocks += [b + PEM_END for b in text.split(PEM_END) if "-----BEGIN" in b]
    keys = [serialization.load_pem_public_key(b.strip().encode()) for b in blocks]
    return {fingerprint(k): k for k in keys if isinstance(k, Ed25519PublicKey)}


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


def _lines(log_path: Path) -> Iterator[str]:
    # One line at a time: the log grows by one line of every case a day.
    if log_path.exists():
        with open(log_path, encoding="utf-8", newline="") as source:
            for line in source:
                if line.strip():
                    yield line.rstrip("\r\n")


def _last_line(log_path: Path) -> str | None:
    """Return the log's last non-empty line, read from the end (the log may be large)."""
    with open(log_path, "rb") as source:
        position, tail = source.seek(0, os.SEEK_END), b""
        while position > 0 and b"\n" not in tail.rstrip():
            step = min(65536, position)
            position -= step
            source.seek(position)
            tail = source.read(step) + tail
    tail = tail.rstrip()
    return tail.rsplit(b"\n", 1)[-1].decode("utf-8").rstrip("\r") if tail else None


def _entry_time(line: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(json.loads(line)["at"]) if line else None
    except (ValueError, KeyError, TypeError):
        return None  # a broken last line: check_log names it; anchoring again is right


def anchor(log_path: Path, key_path: Path, now: dt.datetime) -> dict:
    """Append a signed anchor over every case's chain head to the log; return the entry."""
    return append_when(log_path, key_path, now, lambda _last_at: True)[0]


def append_when(log_path: Path, key_path: Path, now: dt.datetime,
                due: Callable[[dt.datetime | None], bool]
                ) -> tuple[dict | None, dt.datetime | None]:
    """Append an anchor when `due(time of the last anchor)` holds, deciding under the log's
    lock (several workers anchor once); return (the entry or None, the last anchor's time)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as out:
        # Two runs at once must not both chain to the same previous line.
        fcntl.flock(out.fileno(), fcntl.LOCK_EX)
        last = _last_line(log_path)
        if not due(_entry_time(last)):
            return None, _entry_time(last)
        entry = _signed_entry(signing_key(key_path), chain_heads(), last, now)
        out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return entry, now


def _signed_entry(key: Ed25519PrivateKey, heads: list[dict], last: str | None,
                  now: dt.datetime) -> dict:
    fields = {
        "at": now.astimezone(dt.timezone.utc).isoformat(), "cases": len(heads),
        "root": merkle_root([leaf(h["ref"], h["seq"], h["head"]) for h in heads]),
        "leaves": heads, "prev": _sha(last) if last else GENESIS,
        "key": fingerprint(key.public_key()),
    }
    return {**fields, "signature": base64.b64encode(key.sign(canonical(fields))).decode()}


def publish_line(entry: dict) -> str:
    """Return the one line to publish: date, root, key fingerprint."""
    return f"{entry['at'][:10]} audit-anchor root={entry['root']} key={entry['key']}"


# --- checking ---------------------------------------------------------------------------------

@dataclass
class AnchorLog:
    """The anchor log read once. `cases`: {ref: {"points": {(seq, head): the first anchor
    that recorded it}, "latest": the last anchor covering the case}}, each anchor as
    {"line", "at", "root"}; `problems`: what is wrong with the log itself."""

    cases: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_log(log_path: Path, key_path: Path | None) -> AnchorLog:
    """Return the anchor log read once: every case's anchored heads and the log's problems
    (broken chain, bad root or signature, by line; signatures unchecked without `key_path`)."""
    keys, log, prev = keyring(key_path) if key_path else {}, AnchorLog(), GENESIS
    for number, line in enumerate(_lines(log_path), start=1):
        if number == 1 and key_path and not keys:
            log.problems.append(f"{public_path(key_path).name}: the public key to check "
                                "the anchors is missing")
        entry, problem = _parse_line(line, prev, keys)
        if problem:
            log.problems.append(f"{log_path.name} line {number}: {problem}")
        if entry is not None:
            _add_entry(log, number, entry)
        prev = _sha(line)
    return log


_loaded: dict[tuple, tuple[tuple, AnchorLog]] = {}


def load(log_path: Path, key_path: Path) -> AnchorLog:
    """Return `read_log`, read again only when the log or a public key file changed."""
    stamp = tuple(_stamp(p) for p in (log_path, public_path(key_path), retired_path(key_path)))
    cached = _loaded.get((log_path, key_path))
    if cached is None or cached[0] != stamp:
        _loaded.clear()
        cached = _loaded[(log_path, key_path)] = (stamp, read_log(log_path, key_path))
    return cached[1]


def _stamp(path: Path) -> tuple | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    # ctime too: a rewrite that restores size and mtime still changes it.
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def _parse_line(line: str, prev: str, keys: dict) -> tuple[dict | None, str | None]:
    try:
        entry = json.loads(line)
        fields = {k: entry[k] for k in ("at", "cases", "root", "leaves", "prev", "key")}
        signature = base64.b64decode(entry["signature"], validate=True)
        leaves = [leaf(h["ref"], h["seq"], h["head"]) for h in entry["leaves"]]
    except (ValueError, KeyError, TypeError):
        return None, "not a well-formed anchor entry"
    if fields["prev"] != prev:
        return entry, "chain broken: prev is not the sha256 of the line before"
    if merkle_root(leaves) != fields["root"] or fields["cases"] != len(leaves):
        return entry, "root does not match its leaves"
    if not keys:
        return entry, None  # named once for the whole log
    if fields["key"] not in keys:
        return entry, f"signed by a key whose public key is not on hand ({fields['key'][:16]}…)"
    try:
        keys[fields["key"]].verify(signature, canonical(fields))
    except Exception:  # cryptography raises InvalidSignature; any failure means not valid
        return entry, "signature does not verify"
    return entry, None


def _add_entry(log: AnchorLog, number: int, entry: dict) -> None:
    anchor_ = {"line": number, "at": entry["at"], "root": entry["root"]}
    for head in entry["leaves"]:
        case = log.cases.setdefault(head["ref"], {"points": {}, "latest": None})
        case["points"].setdefault((head["seq"], head["head"]), anchor_)
        case["latest"] = anchor_


def check_log(log_path: Path, key_path: Path) -> list[str]:
    """Return what is wrong with the anchor log: broken chain, bad root or signature, by line."""
    return read_log(log_path, key_path).problems


def anchored_heads(log_path: Path) -> dict[str, dict]:
    """Return {ref: {"seq", "head", "at"}} from the latest anchor covering each case."""
    found = {}
    for ref, anchored in read_log(log_path, None).cases.items():
        (seq, head), where = max(anchored["points"].items(),
                                 key=lambda item: (item[0][0], item[1]["line"]))
        found[ref] = {"seq": seq, "head": head, "at": where["at"]}
    return found


def case_problem(anchored: dict | None, events: list[Event]) -> dict | None:
    """Return the first anchored head that `events` no longer reach, as {"kind" ("tail cut",
    "rewritten"), "seq", "line", "at", "root", "detail"}, or None when they reach them all."""
    if not anchored:
        return None
    hashes = {event.seq: event.hash for event in events}
    last = max(hashes, default=0)
    for (seq, head), where in sorted(anchored["points"].items(),
                                     key=lambda item: (item[0][0], item[1]["line"])):
        said = f"on {where['at']} (anchor {where['line']})"
        if seq > last:
            return _problem("tail cut", seq, where, f"anchored at #{seq} {said}, but the events "
                            f"stop at #{last}: events were removed at the end")
        if hashes.get(seq) != head:
            return _problem("rewritten", seq, where, f"event #{seq} no longer hashes to the head "
                            f"anchored {said}: the history was rewritten")
    return None


def deleted_problem(ref: str, anchored: dict) -> dict:
    """Return the problem of an anchored case that no longer exists."""
    seq = max(seq for seq, _ in anchored["points"])
    where = anchored["latest"]
    return {**_problem("case deleted", seq, where, f"anchored at #{seq} on {where['at']} (anchor "
                       f"{where['line']}), but the case is gone"), "ref": ref}


def _problem(kind: str, seq: int, where: dict, detail: str) -> dict:
    return {"kind": kind, "seq": seq, "line": where["line"], "at": where["at"],
            "root": where["root"], "detail": detail}


def case_anchor(ref: str, events: list[Event], log: AnchorLog) -> dict:
    """Return {"problem": case_problem's, else the log's first problem, or None; "anchored":
    the last anchor covering the case ({"line", "at", "root"}) or None}."""
    anchored = log.cases.get(ref)
    problem = case_problem(anchored, events)
    if problem is None and log.problems:
        problem = {"kind": "anchor log tampered", "seq": None, "line": None, "at": None,
                   "root": None, "detail": log.problems[0]}
    return {"problem": problem, "anchored": anchored["latest"] if anchored else None}


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

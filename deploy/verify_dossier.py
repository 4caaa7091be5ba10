#!/usr/bin/env python3
"""Check a case dossier (the ZIP an auditor downloads) offline.

    python3 verify_dossier.py DOSSIER.zip [--key instance-public-key.pem]

Needs Python 3.11+ and the `cryptography` package, nothing of the product. For every case
in the ZIP (its root, or one folder per case of a search result) it checks:

1. manifest.sig is a valid Ed25519 signature over the exact bytes of manifest.json, made by
   the public key the manifest carries (and, with --key, that this is the instance's key:
   compare its fingerprint with the one the authority publishes with each anchor);
2. every file the manifest lists is there with that sha256, and no other file is;
3. journal.json's hash chain recomputes: for each event in order
       hash = sha256_hex(prev_hash + canonical(event))
   with prev_hash "0" * 64 for the first, where canonical(event) is the JSON text of
       {"case": <ref>, "seq", "at": <the instant in UTC, Python isoformat>, "actor", "kind",
        "task", "task_id", "data", "state_hash"}  (+ "calendar" when it is not null)
   dumped with sorted keys, separators "," and ":", non-ASCII as is (UTF-8); the last hash
   is the journal's and the manifest's "head";
4. when the manifest names an anchor: the journal's event at the anchored seq hashes to the
   anchored head, and the Merkle path leads from leaf sha256_hex(ref:seq:head) to the anchor
   root (publish line: `<date> audit-anchor root=<root> key=<fingerprint>`).

Exit 0 printing "OK ..." per case; exit 1 naming each problem.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import sys
import zipfile
import zlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64
SIGNED = ("manifest.json", "manifest.sig")


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def canonical(ref: str, event: dict) -> str:
    """The text an event's hash covers (as app/services/audit.py `canonical` writes it)."""
    at = dt.datetime.fromisoformat(event["at"]).astimezone(dt.timezone.utc).isoformat()
    fields = {"case": ref, "seq": event["seq"], "at": at, "actor": event["actor"],
              "kind": event["kind"], "task": event["task"], "task_id": event.get("task_id"),
              "data": event["data"], "state_hash": event["state_hash"]}
    if event.get("calendar") is not None:
        fields["calendar"] = event["calendar"]
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def raw_key(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def check_signature(manifest: dict, content: bytes, signature: bytes,
                    expected: Ed25519PublicKey | None) -> list[str]:
    try:
        public = serialization.load_pem_public_key(manifest["public_key"].encode("ascii"))
        assert isinstance(public, Ed25519PublicKey)
        public.verify(base64.b64decode(signature, validate=True), content)
    except (KeyError, ValueError, TypeError, AssertionError, InvalidSignature):
        return ["manifest.sig: the signature over manifest.json does not verify "
                "(manifest.json or manifest.sig was changed)"]
    if expected is not None and raw_key(public) != raw_key(expected):
        return ["manifest.json: signed with another key than the one given with --key"]
    if manifest.get("key") != sha256(raw_key(public)):
        return ["manifest.json: the key fingerprint does not match its public key"]
    return []


def read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """Return a member's bytes, or None when the ZIP's own checksum shows it damaged."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        return None


def check_files(archive: zipfile.ZipFile, prefix: str, manifest: dict) -> list[str]:
    problems, listed = [], manifest.get("files") or {}
    present = {n[len(prefix):] for n in archive.namelist()
               if n.startswith(prefix) and not n.endswith("/")}
    for name, digest in sorted(listed.items()):
        content = read(archive, prefix + name) if name in present else b""
        if name not in present:
            problems.append(f"{prefix}{name}: listed in the manifest but missing")
        elif content is None:
            problems.append(f"{prefix}{name}: damaged (its bytes in the ZIP were changed)")
        elif sha256(content) != digest:
            problems.append(f"{prefix}{name}: sha256 differs from the manifest (the file was "
                            "changed)")
    for name in sorted(present - set(listed) - set(SIGNED)):
        problems.append(f"{prefix}{name}: not listed in the manifest")
    return problems


def check_chain(journal: dict, ref: str, where: str) -> tuple[list[str], dict[int, str]]:
    """Return the problems of the journal's hash chain and {seq: hash} as recomputed."""
    problems, hashes, prev = [], {}, GENESIS
    for expected, event in enumerate(journal.get("events") or [], start=1):
        try:
            computed = sha256(prev + canonical(ref, event))
        except (KeyError, TypeError, ValueError):
            problems.append(f"{where}: event #{expected} is not a well-formed event")
            break
        if event.get("seq") != expected:
            problems.append(f"{where}: event #{expected} is numbered {event.get('seq')}: "
                            "an event is missing")
        if computed != event.get("hash"):
            problems.append(f"{where}: event #{event.get('seq')} does not hash to its recorded "
                            "hash: the event was changed")
        hashes[event.get("seq")] = prev = computed
    if journal.get("head") != (prev if hashes else None):
        problems.append(f"{where}: the chain ends at {prev[:12]}…, not at the head "
                        f"{str(journal.get('head'))[:12]}…: events were removed or added")
    return problems, hashes


def check_anchor(anchor: dict | None, ref: str, hashes: dict[int, str]) -> list[str]:
    if not anchor:
        return []
    if hashes.get(anchor.get("seq")) != anchor.get("head"):
        return [f"journal.json: event #{anchor.get('seq')} does not hash to the head anchored "
                f"on {anchor.get('at')}"]
    node = sha256(f"{ref}:{anchor['seq']}:{anchor['head']}")
    for side, sibling in anchor.get("proof") or []:
        node = sha256(sibling + node) if side == "L" else sha256(node + sibling)
    if node != anchor.get("root"):
        return ["manifest.json: the Merkle path does not lead to the anchor root"]
    return []


def check_case(archive: zipfile.ZipFile, prefix: str,
               expected: Ed25519PublicKey | None) -> tuple[list[str], str]:
    """Return (problems, summary) of the dossier of one case under `prefix`."""
    try:
        content = archive.read(prefix + "manifest.json")
        manifest = json.loads(content)
        signature = archive.read(prefix + "manifest.sig").strip()
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError):
        return [f"{prefix}manifest.json / manifest.sig: missing, damaged or unreadable"], ""
    ref = str(manifest.get("case"))
    problems = check_signature(manifest, content, signature, expected)
    problems += check_files(archive, prefix, manifest)
    try:
        journal = json.loads(archive.read(prefix + "journal.json"))
    except (KeyError, ValueError, zipfile.BadZipFile, zlib.error, EOFError):
        return problems + [f"{prefix}journal.json: missing, damaged or not JSON"], ""
    chain_problems, hashes = check_chain(journal, ref, f"{prefix}journal.json")
    problems += chain_problems
    if journal.get("head") != manifest.get("head"):
        problems.append(f"{prefix}journal.json: its head is not the one the manifest signs")
    if not chain_problems:
        problems += check_anchor(manifest.get("anchor"), ref, hashes)
    anchor = manifest.get("anchor")
    anchored = (f"anchored {anchor['at'][:10]} root={anchor['root']}" if anchor
                else "not yet anchored")
    return problems, (f"OK {ref}: signature valid (key {manifest.get('key')}), "
                      f"{len(manifest.get('files') or {})} files, {len(hashes)} events, "
                      f"head {manifest.get('head')}, {anchored}")


def check(path: str, key_path: str | None = None) -> tuple[bool, list[str]]:
    """Return (ok, lines to print) for the dossier ZIP at `path`."""
    expected = None
    if key_path:
        with open(key_path, "rb") as pem:
            expected = serialization.load_pem_public_key(pem.read())
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        return False, [f"{path}: not a readable ZIP ({error})"]
    with archive:
        prefixes = sorted(n[: -len("manifest.json")] for n in archive.namelist()
                          if n == "manifest.json" or (n.endswith("/manifest.json")
                                                      and n.count("/") == 1
                                                      and not n.startswith("attachments/")))
        if not prefixes:
            return False, [f"{path}: no manifest.json: not a dossier"]
        lines = [f"{name}: not part of any case's dossier" for name in archive.namelist()
                 if not name.endswith("/") and not any(name.startswith(p) for p in prefixes)]
        ok = not lines
        for prefix in prefixes:
            problems, summary = check_case(archive, prefix, expected)
            ok = ok and not problems
            lines += problems or [summary]
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a case dossier ZIP offline.")
    parser.add_argument("dossier", help="the ZIP file")
    parser.add_argument("--key", help="the instance's public key (PEM) it must be signed with")
    args = parser.parse_args(argv)
    ok, lines = check(args.dossier, args.key)
    for line in lines:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

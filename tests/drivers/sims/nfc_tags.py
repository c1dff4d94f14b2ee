"""Tag emulators on nfcpy's UDP radio, run as a separate process by the tests.

  python -m tests.drivers.sims.nfc_tags --port 54321 tt3 --idm 03FEA1B2C3D4E5F6 --text hi
  python -m tests.drivers.sims.nfc_tags --port 54321 tt2 --uid 04A1B2C3D4E5F6 --text hi
  python -m tests.drivers.sims.nfc_tags --port 54321 tt4 --uid 08123456 --text hi

* Type 3: nfcpy's own ``Type3TagEmulation`` with an NDEF attribute block.
* Type 2: a 7-byte-UID tag answering READ (30h) from a memory image through
  ``clf.listen``/``clf.exchange``; other commands get silence, like a real tag.
* Type 4: ISO-DEP like a phone's host card emulation: ATS, I-blocks carrying the
  NFC Forum Type 4 NDEF application (SELECT, READ BINARY), R(NAK) and DESELECT.

The emulator answers until it is killed (the card leaves the field).
"""

from __future__ import annotations

import argparse
import struct
import sys

import ndef
import nfc
import nfc.clf


def ndef_message(text: str) -> bytes:
    return b"".join(ndef.message_encoder([ndef.TextRecord(text, "fr")]))


def run_tt3(clf: nfc.ContactlessFrontend, idm: bytes, message: bytes) -> None:
    pmm = bytes.fromhex("00FF FFFF FFFF FFFF".replace(" ", ""))
    sensf_res = b"\x01" + idm + pmm + b"\x12\xfc"
    blocks = (len(message) + 15) // 16
    attribute = (
        bytearray([0x10, 1, 1, 0, blocks, 0, 0, 0, 0, 0, 0]) + struct.pack(">I", len(message))[1:]
    )
    attribute += struct.pack(">H", sum(attribute[:14]))
    data = message + bytes(blocks * 16 - len(message))

    def read(block: int, rb: int, re: int) -> bytes | None:
        if block == 0:
            return bytes(attribute)
        if 1 <= block <= blocks:
            return data[(block - 1) * 16 : block * 16]
        return None

    def on_startup(target: nfc.clf.LocalTarget) -> nfc.clf.LocalTarget:
        target.brty = "212F"
        target.sensf_res = bytearray(sensf_res)
        return target

    def on_connect(tag: object) -> bool:
        tag.add_service(0x0009, read, None)  # type: ignore[attr-defined]
        tag.add_service(0x000B, read, None)  # type: ignore[attr-defined]
        return True

    options = {"on-startup": on_startup, "on-connect": on_connect, "on-release": lambda t: True}
    while True:
        clf.connect(card=options)


def run_tt2(clf: nfc.ContactlessFrontend, uid: bytes, message: bytes) -> None:
    assert len(uid) == 7
    bcc0 = 0x88 ^ uid[0] ^ uid[1] ^ uid[2]
    bcc1 = uid[3] ^ uid[4] ^ uid[5] ^ uid[6]
    tlv = b"\x03" + bytes([len(message)]) + message + b"\xfe"
    data_pages = max(4, (len(tlv) + 3) // 4)
    memory = (
        uid[:3]
        + bytes([bcc0])
        + uid[3:]
        + bytes([bcc1, 0x48, 0, 0])
        + bytes([0xE1, 0x10, data_pages // 2, 0x0F])  # CC: NDEF 1.0, read-only
        + tlv
        + bytes(data_pages * 4 - len(tlv))
    )
    target = nfc.clf.LocalTarget("106A")
    target.sens_res = bytearray.fromhex("4400")
    target.sdd_res = bytearray(uid)
    target.sel_res = bytearray.fromhex("00")

    def answer(command: bytes) -> bytes | None:
        if len(command) == 2 and command[0] == 0x30:  # READ: 4 pages from the given one
            start = command[1] * 4
            return bytes((memory[(start + i) % len(memory)]) for i in range(16))
        return None  # anything else: a real tag goes mute

    serve(clf, target, lambda t: t.tt2_cmd, answer)


def run_tt4(clf: nfc.ContactlessFrontend, uid: bytes, message: bytes) -> None:
    ndef_file = struct.pack(">H", len(message)) + message
    cc_file = bytes.fromhex("000F 20 003B 0034 0406 E104 0800 00 FF".replace(" ", ""))
    files = {b"\xe1\x03": cc_file, b"\xe1\x04": ndef_file}
    state: dict[str, bytes | None] = {"app": None, "file": None}
    ats = bytes.fromhex("0578 80B0 00".replace(" ", ""))  # FSCI 8 (256), FWI 11

    def apdu(command: bytes) -> bytes:
        ins, p1, p2 = command[1], command[2], command[3]
        body = command[5 : 5 + command[4]] if len(command) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            if body == bytes.fromhex("D2760000850101"):
                state["app"], state["file"] = body, None
                return b"\x90\x00"
            return b"\x6a\x82"
        if ins == 0xA4 and p1 == 0x00 and state["app"] and body in files:
            state["file"] = body
            return b"\x90\x00"
        if ins == 0xB0 and state["file"]:
            content = files[state["file"]]
            offset, length = p1 << 8 | p2, command[4] if len(command) > 4 else 256
            return content[offset : offset + (length or 256)] + b"\x90\x00"
        return b"\x6a\x82" if ins == 0xA4 else b"\x6d\x00"

    def answer(block: bytes) -> bytes | None:
        pcb = block[0]
        if pcb == 0xE0:  # RATS
            state["app"] = state["file"] = None
            return ats
        if pcb & 0xE2 == 0x02:  # I-block
            return bytes([0x02 | pcb & 1]) + apdu(bytes(block[1:]))
        if pcb & 0xF6 == 0xB2:  # R(NAK): the reader asks if we are still here
            return bytes([0xA2 | pcb & 1])
        if pcb & 0xF7 == 0xC2:  # S(DESELECT)
            return bytes([0xC2])
        return None

    target = nfc.clf.LocalTarget("106A")
    target.sens_res = bytearray.fromhex("0400")
    target.sdd_res = bytearray(uid)
    target.sel_res = bytearray.fromhex("20")
    serve(clf, target, lambda t: t.tt4_cmd or t.tt2_cmd, answer)


def serve(clf: nfc.ContactlessFrontend, target: object, first: object, answer: object) -> None:
    while True:
        activated = clf.listen(target, 1.0)
        if activated is None:
            continue
        command = first(activated)  # type: ignore[operator]
        while command is not None:
            response = answer(bytes(command))  # type: ignore[operator]
            try:
                command = clf.exchange(response, 1.0)
            except nfc.clf.CommunicationError:  # RFOFF, timeout: back to listening
                break


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--text", default="")
    parser.add_argument("kind", choices=["tt2", "tt3", "tt4"])
    parser.add_argument("--uid", default="04A1B2C3D4E5F6")
    parser.add_argument("--idm", default="03FEA1B2C3D4E5F6")
    args = parser.parse_args(argv)
    clf = nfc.ContactlessFrontend(f"udp:127.0.0.1:{args.port}")
    message = ndef_message(args.text) if args.text else b""
    try:
        if args.kind == "tt3":
            run_tt3(clf, bytes.fromhex(args.idm), message)
        elif args.kind == "tt2":
            run_tt2(clf, bytes.fromhex(args.uid), message)
        else:
            run_tt4(clf, bytes.fromhex(args.uid), message)
    except KeyboardInterrupt:
        pass
    finally:
        clf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

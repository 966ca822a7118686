#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/security/screen_client.py - kioskd's socket as the screen sees it,
# for the security tests of previews (finding 4) and idle connections
# (finding 6). Prints one JSON object. Test tool only.
#   screen_client.py SOCK preview DOC SECS   hello as "ui"; read states (and
#       the descriptors passed with them) until a preview of DOC comes with
#       its descriptor: its fd_id, kioskd's path, the content's SHA-256,
#       the seals, whether writing to it is refused
#   screen_client.py SOCK idle HOW ROLE SECS  HOW: none (never says hello),
#       hello (then silent), trickle (hello, then half a line, one byte
#       every 0.5 s); until kioskd closes or SECS: {"eof", "seconds"}
#   screen_client.py SOCK watch SCREEN SECS  hello as "ui", silent; until a
#       state shows SCREEN, kioskd closes, or SECS: {"eof", "seen", ...}
import array, fcntl, hashlib, json, os, socket, sys, time

F_GET_SEALS = 1034
SEALS = {1: "seal", 2: "shrink", 4: "grow", 8: "write"}

def hello(s, role):
    s.sendall(json.dumps({"v": 1, "type": "hello", "versions": [1], "role": role}).encode() + b"\n")

def recv(s, fds):
    anc = socket.CMSG_SPACE(16 * array.array("i").itemsize)
    data, cm, _, _ = s.recvmsg(65536, anc)
    for level, kind, blob in cm:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            a = array.array("i")
            a.frombytes(blob[: len(blob) - len(blob) % a.itemsize])
            fds.extend(a)
    return data

def walk(o, out):
    if isinstance(o, list):
        for v in o:
            walk(v, out)
    elif isinstance(o, dict):
        if "fd_id" in o:
            out.append(o)
        for v in o.values():
            walk(v, out)

def preview(path, doc, secs):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    hello(s, "ui")
    s.settimeout(1.0)
    buf, fds, end = b"", [], time.time() + secs
    while time.time() < end:
        try:
            d = recv(s, fds)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = json.loads(line)
            objs = []
            walk(m, objs)
            for o in objs:
                if not o.get("fd"):
                    continue
                fd = fds.pop(0)
                if o.get("doc") != doc:
                    os.close(fd)
                    continue
                content = open("/proc/self/fd/%d" % fd, "rb").read()
                seals = fcntl.fcntl(fd, F_GET_SEALS)
                try:
                    os.pwrite(fd, b"x", 0)
                    refused = False
                except OSError:
                    refused = True
                print(json.dumps({"doc": doc, "fd_id": o["fd_id"], "path": o.get("path"),
                                  "sha256": hashlib.sha256(content).hexdigest(),
                                  "png": content[:8] == b"\x89PNG\r\n\x1a\n",
                                  "seals": sorted(v for k, v in SEALS.items() if seals & k),
                                  "write_refused": refused, "fds_left": len(fds)}))
                return
    print(json.dumps({"doc": doc, "found": False}))

def idle(path, how, role, secs):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    t0 = time.time()
    if how != "none":
        hello(s, role)
    s.settimeout(0.5)
    sent = 0
    half = b'{"v":1,"type":"request","cmd":"status"'
    while time.time() - t0 < secs:
        if how == "trickle" and sent < len(half):
            try:
                s.send(half[sent:sent + 1])
            except OSError:
                pass
            sent += 1
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            d = b""
        if not d:
            print(json.dumps({"eof": True, "seconds": round(time.time() - t0, 2)}))
            return
    print(json.dumps({"eof": False, "seconds": round(time.time() - t0, 2)}))

def watch(path, screen, secs):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    t0 = time.time()
    hello(s, "ui")
    s.settimeout(0.5)
    buf, states, eof = b"", 0, False
    while time.time() - t0 < secs:
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            d = b""
        if not d:
            eof = True
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = json.loads(line)
            if m.get("type") == "state":
                states += 1
                if m.get("screen") == screen:
                    print(json.dumps({"eof": False, "seen": True, "states": states,
                                      "seconds": round(time.time() - t0, 2)}))
                    return
    print(json.dumps({"eof": eof, "seen": False,
                      "states": states, "seconds": round(time.time() - t0, 2)}))

if __name__ == "__main__":
    sock, mode = sys.argv[1], sys.argv[2]
    if mode == "preview":
        preview(sock, sys.argv[3], float(sys.argv[4]))
    elif mode == "idle":
        idle(sock, sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        watch(sock, sys.argv[3], float(sys.argv[4]))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tests/security/kxclient.py - a raw kioskd protocol client for the
# security tests: holds several connections open at once, speaks as the
# screen or a staff peer, and prints what kioskd answered (one JSON object
# per line). Test tool only.
#   kxclient.py SOCKET hold N [SECONDS]   open N connections, hello each,
#                                         print "accepted K refused R eof E"
#   kxclient.py SOCKET script ROLE < lines  one connection; each stdin line
#                                         is a message (JSON); "close" ends it
#                                         without a logout; prints replies
import json, socket, sys, time

def conn(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s

def read_msgs(s, until_seq=None, timeout=5.0):
    s.settimeout(timeout)
    buf, out = b"", []
    end = time.time() + timeout
    while time.time() < end:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            out.append({"eof": True})
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = json.loads(line)
            out.append(m)
            if until_seq is not None and m.get("seq") == until_seq and m.get("type") != "state":
                return out
            if until_seq is None and m.get("type") in ("welcome", "error"):
                return out
    return out

def hello(s, role, seq=1):
    try:
        s.sendall(json.dumps({"v": 1, "type": "hello", "versions": [1], "role": role,
                              "seq": seq}).encode() + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed at once: its answer is still there to read
    try:
        return read_msgs(s)
    except ConnectionResetError:
        return [{"eof": True}]

def hold(path, n, secs):
    conns, acc, ref, eof = [], 0, 0, 0
    t0 = time.time()
    for _ in range(n):
        try:
            s = conn(path)
        except OSError:
            ref += 1
            continue
        conns.append(s)
        got = hello(s, "staff", 1)
        if any(m.get("type") == "welcome" for m in got):
            acc += 1
        else:
            ref += 1
            rest = read_msgs(s, timeout=1.0) if not any(m.get("eof") for m in got) else got
            eof += any(m.get("eof") for m in got + rest)
    print(json.dumps({"accepted": acc, "refused": ref, "eof": eof,
                      "seconds": round(time.time() - t0, 2)}), flush=True)
    time.sleep(secs)

def script(path, role):
    s = conn(path)
    for m in hello(s, role):
        print(json.dumps(m), flush=True)
    seq = 1
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        if line == "close":
            break
        if line.startswith("sleep "):
            time.sleep(float(line.split()[1]))
            continue
        seq += 1
        m = json.loads(line)
        m.update({"v": 1, "seq": seq})
        s.sendall(json.dumps(m).encode() + b"\n")
        for r in read_msgs(s, until_seq=seq, timeout=30):
            if r.get("type") != "state":
                print(json.dumps(r), flush=True)
    s.close()

if __name__ == "__main__":
    if sys.argv[2] == "hold":
        hold(sys.argv[1], int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else 0)
    else:
        script(sys.argv[1], sys.argv[3])

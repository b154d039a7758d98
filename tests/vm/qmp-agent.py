#!/usr/bin/env python3
"""QMP agent of the p2pmap lab: lets guest tests drive QEMU's monitor (hot-unplug, re-plug).

Runs on the host beside QEMU (tests/vm/run.sh starts it). The guest writes a QMP command as
JSON to SHARE/qmp/N.req (at /mnt/out/qmp/ in the guest); the agent runs it and writes QEMU's
answer to SHARE/qmp/N.rep. QMP events (DEVICE_DELETED, ...) are appended to
SHARE/qmp/events, one JSON object per line.

    qmp-agent.py QMP_SOCKET SHARE_DIR
"""
import json
import os
import select
import socket
import sys
import time


class Qmp:
    def __init__(self, path, events):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.events = events

    def _line(self, timeout):
        """One line from QEMU, or None after @timeout seconds; EOFError when QEMU is gone."""
        end = time.time() + timeout
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def message(self, timeout):
        """The next non-event message; events are logged on the way."""
        while True:
            msg = self._line(timeout)
            if msg is None or "event" not in msg:
                return msg
            self.events.write(json.dumps(msg) + "\n")
            self.events.flush()

    def execute(self, cmd):
        self.sock.sendall(json.dumps(cmd).encode() + b"\n")
        msg = None
        while msg is None:
            msg = self.message(1.0)
        return msg


def main():
    sock_path, share = sys.argv[1], sys.argv[2]
    qdir = os.path.join(share, "qmp")
    os.makedirs(qdir, exist_ok=True)
    events = open(os.path.join(qdir, "events"), "a")
    deadline = time.time() + 60
    while True:
        try:
            q = Qmp(sock_path, events)
            break
        except OSError:
            if time.time() > deadline:
                sys.exit("qmp-agent: no QMP socket at %s" % sock_path)
            time.sleep(0.2)
    try:
        while q.message(5.0) is None:       # the greeting
            pass
        q.execute({"execute": "qmp_capabilities"})
        while True:
            q.message(0.2)                  # log events while idle
            for name in sorted(os.listdir(qdir)):
                if not name.endswith(".req"):
                    continue
                req = os.path.join(qdir, name)
                try:
                    cmd = json.load(open(req))
                except ValueError as e:
                    rep = {"error": {"class": "AgentError", "desc": "bad JSON: %s" % e}}
                else:
                    rep = q.execute(cmd)
                tmp = req[:-4] + ".tmp"
                with open(tmp, "w") as out:
                    json.dump(rep, out)
                os.rename(tmp, req[:-4] + ".rep")
                os.unlink(req)
    except (EOFError, OSError):
        return                              # QEMU exited


if __name__ == "__main__":
    main()

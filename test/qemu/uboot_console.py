#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
"""Drive U-Boot's console in QEMU through a script of commands.

    uboot_console.py SCRIPT LOG -- QEMU-COMMAND...

QEMU runs with its serial port on our stdin/stdout (-nographic) and a QMP
socket (added here).  The script's lines are U-Boot commands, each sent
when U-Boot shows its prompt and given until the next prompt to finish;
a line "!qmp {json}" is sent to QMP instead (device_del, say); "!send
LINE" types LINE without waiting for the prompt (a command that boots
an OS never gives it back), and "!wait TEXT" waits until U-Boot prints
TEXT.  Everything U-Boot printed goes to LOG.
Exit status: 0 when the script ran to its end, 1 when a step timed out
or QEMU ended first (LOG says where).
"""
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

PROMPT = b"\n=> "		# at the start of a line: "==> " is crc32's
STEP_TIMEOUT = float(os.environ.get("UBOOT_STEP_TIMEOUT", "240"))


class Console:
    """QEMU's serial console: what it printed, and the means to type."""

    def __init__(self, cmd, log):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.log = log
        self.seen = b""		# printed since the last step began

    def read_until(self, text, timeout):
        """Read until TEXT was printed; False on timeout or exit."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            left = end - time.monotonic()
            if left <= 0:
                return False
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                continue
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return False
            self.log.write(data)
            self.log.flush()
            self.seen += data
        return True

    def send(self, line):
        """Type a line, one character at a time (U-Boot's UART FIFO is
        small) and start a new step."""
        self.seen = b""
        for ch in line.encode() + b"\r":
            self.proc.stdin.write(bytes([ch]))
            self.proc.stdin.flush()
            time.sleep(0.002)


def qmp(path, command):
    """Send one QMP command (after the capabilities handshake)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        f = s.makefile("rwb")
        f.readline()
        for msg in ({"execute": "qmp_capabilities"}, json.loads(command)):
            f.write(json.dumps(msg).encode() + b"\n")
            f.flush()
            while True:		# skip events until the reply
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
        return reply


def run(script, log, cmd):
    """Run the script; return True when it ran to its end."""
    console = Console(cmd, log)
    try:
        if not console.read_until(b"Hit any key to stop autoboot", 120):
            log.write(b"\n# uboot_console: no autoboot prompt\n")
            return False
        console.send("")
        if not console.read_until(PROMPT, 30):
            log.write(b"\n# uboot_console: no prompt\n")
            return False
        for line in script:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("!qmp "):
                reply = qmp(QMP_PATH, line[5:])
                log.write(b"\n# qmp: %s -> %s\n" % (line[5:].encode(),
                                                   json.dumps(reply).encode()))
                continue
            if line.startswith("!send "):
                console.send(line[6:])
                continue
            if line.startswith("!wait "):
                if not console.read_until(line[6:].encode(), STEP_TIMEOUT):
                    log.write(b"\n# uboot_console: timed out waiting for %s\n"
                              % line[6:].encode())
                    return False
                continue
            console.send(line)
            if not console.read_until(PROMPT, STEP_TIMEOUT):
                log.write(b"\n# uboot_console: step timed out: %s\n"
                          % line.encode())
                return False
        log.write(b"\n# uboot_console: end of script\n")
        return True
    finally:
        console.proc.kill()
        console.proc.wait()


if __name__ == "__main__":
    sep = sys.argv.index("--")
    script_path, log_path = sys.argv[1:sep]
    QMP_PATH = os.path.join(tempfile.mkdtemp(), "qmp.sock")
    qemu = sys.argv[sep + 1:] + ["-qmp", "unix:%s,server=on,wait=off" % QMP_PATH]
    with open(script_path) as script, open(log_path, "wb") as log_file:
        ok = run(script, log_file, qemu)
    os.unlink(QMP_PATH)
    os.rmdir(os.path.dirname(QMP_PATH))
    sys.exit(0 if ok else 1)

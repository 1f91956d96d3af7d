#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boots one Microkit loader image in QEMU and watches its console.

usage: qemu_expect.py LOADER.IMG LOG TIMEOUT [--send TRIGGER TEXT] EXPECT...

Passes when every EXPECT string appears (in any order) and then svmm's
power-off line; QEMU is stopped then, since nothing on seL4 can end it.
Prints one line with how long QEMU took to print each EXPECT. Fails with
"hang" when the time runs out first, so a hang is told apart from a guest
that powered off without the expected output ("missing").
"""
import os
import select
import subprocess
import sys
import time

POWEROFF = b"svmm: guest powered off"


def main():
    args = sys.argv[1:]
    image, log_path, timeout = args[0], args[1], float(args[2])
    rest = args[3:]
    send = None
    if rest[:1] == ["--send"]:
        send = (rest[1].encode(), rest[2].encode())
        rest = rest[3:]
    expects = [e.encode() for e in rest]
    cmd = ["qemu-system-aarch64", "-machine", "virt,virtualization=on,secure=off",
           "-cpu", "cortex-a53", "-m", "2G", "-nographic",
           "-device", "loader,file=%s,addr=0x70000000,cpu-num=0" % image]
    start = time.monotonic()
    qemu = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = b""
    seen = {}
    sent = False
    result = "hang"
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([qemu.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(qemu.stdout.fileno(), 65536)
                if not chunk:
                    result = "qemu exited"
                    break
                out += chunk
            now = time.monotonic() - start
            for e in expects:
                if e not in seen and e in out:
                    seen[e] = now
            if send and not sent and send[0] in out:
                # The guest's shell reads a line: type it like a person would.
                for byte in send[1] + b"\r":
                    qemu.stdin.write(bytes([byte]))
                    qemu.stdin.flush()
                    time.sleep(0.05)
                sent = True
            if POWEROFF in out:
                # Give the last lines a moment, then judge.
                time.sleep(0.5)
                result = "ok" if len(seen) == len(expects) else "missing"
                break
    finally:
        qemu.kill()
        qemu.wait()
        while True:
            ready, _, _ = select.select([qemu.stdout], [], [], 0)
            chunk = os.read(qemu.stdout.fileno(), 65536) if ready else b""
            if not chunk:
                break
            out += chunk
        with open(log_path, "wb") as log:
            log.write(out)
    times = " ".join("%s@%.2fs" % (e.decode(), seen[e]) for e in expects if e in seen)
    missing = [e.decode() for e in expects if e not in seen]
    if result == "ok":
        print("%s (%s; powered off at %.1fs)" % ("ok", times, time.monotonic() - start))
        return 0
    print("FAIL: %s after %.0fs; saw %s; missing %s (log: %s)" %
          (result, time.monotonic() - start, times or "nothing", missing, log_path))
    return 1


if __name__ == "__main__":
    sys.exit(main())

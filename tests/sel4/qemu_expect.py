#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boots one Microkit loader image in QEMU and watches its console.

usage: qemu_expect.py LOADER.IMG LOG TIMEOUT [--smp N] [--until TEXT]
                      [--send TRIGGER TEXT]... [--then TEXT] [--for SECONDS]
                      [--absent TEXT]... EXPECT...

Passes when every EXPECT string appears (in any order; "TEXT*N": at least N
times), then the --then TEXT appears anew after that moment (which ends the run), or else
the --until line (default svmm's power-off line), or else --for SECONDS have
passed since the last EXPECT appeared (a benchmark's window: the log keeps what
came); QEMU is stopped then, since nothing on seL4 can end it. No --absent TEXT may appear. --send types TEXT
(Python escapes allowed, e.g. \\x01 for Ctrl-A) and a carriage return once
TRIGGER has appeared; several --send are typed in order, each once its
TRIGGER has appeared after the one before was typed. --smp N gives QEMU N cores (the smp- configs want 4).
Prints one line with how long QEMU took to print each EXPECT. Fails with
"hang" when the time runs out first, so a hang is told apart from a guest
that powered off without the expected output ("missing").
"""
import os
import select
import subprocess
import sys
import time


def parse(args):
    opts = {"smp": "1", "until": "svmm: guest powered off", "send": [], "then": None,
            "for": None, "absent": []}
    expects = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--smp", "--until", "--then", "--for"):
            opts[a[2:]] = args[i + 1]
            i += 2
        elif a == "--absent":
            opts["absent"].append(args[i + 1].encode())
            i += 2
        elif a == "--send":
            opts["send"].append((args[i + 1].encode(),
                                 args[i + 2].encode().decode("unicode_escape").encode("latin-1")))
            i += 3
        else:
            text, _, count = a.rpartition("*") if "*" in a else (a, "", "1")
            expects.append((a, text.encode(), int(count)))
            i += 1
    return opts, expects


def main():
    image, log_path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    opts, expects = parse(sys.argv[4:])
    until = opts["until"].encode()
    cmd = ["qemu-system-aarch64", "-machine", "virt,virtualization=on,secure=off",
           "-cpu", "cortex-a53", "-smp", opts["smp"], "-m", "2G", "-nographic",
           "-device", "loader,file=%s,addr=0x70000000,cpu-num=0" % image]
    # SEL4_QEMU_ARGS: extra QEMU options, e.g. "-accel tcg,thread=single".
    cmd += os.environ.get("SEL4_QEMU_ARGS", "").split()
    start = time.monotonic()
    qemu = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = b""
    seen = {}
    sent = 0  # how many of the --send have been typed
    sent_at = 0  # where the next --send's trigger must appear
    then_from = None  # where the --then text must appear anew
    then_seen = opts["then"] is None
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
            for name, text, count in expects:
                if name not in seen and out.count(text) >= count:
                    seen[name] = now
            if len(seen) == len(expects) and then_from is None:
                then_from = len(out)
                all_seen_at = now
            if not then_seen and then_from is not None and \
                    opts["then"].encode() in out[then_from:]:
                then_seen = True
            if sent < len(opts["send"]) and opts["send"][sent][0] in out[sent_at:]:
                # The guest's shell reads a line: type it like a person would.
                for byte in opts["send"][sent][1] + b"\r":
                    qemu.stdin.write(bytes([byte]))
                    qemu.stdin.flush()
                    time.sleep(0.05)
                sent += 1
                sent_at = len(out)
            # With --then, its new line ends the run; with --for, the time; else the --until line.
            if opts["for"] is not None and then_from is not None and \
                    now - all_seen_at >= float(opts["for"]):
                result = "ok"
                break
            if then_seen if opts["then"] else until in out:
                # Give the last lines a moment, then judge.
                time.sleep(0.5)
                result = "ok" if len(seen) == len(expects) and then_seen else "missing"
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
    present = [a.decode() for a in opts["absent"] if a in out]
    if result == "ok" and present:
        result = "unexpected %s" % present
    times = " ".join("%s@%.2fs" % (name, seen[name]) for name, _, _ in expects if name in seen)
    missing = [name for name, _, _ in expects if name not in seen]
    if opts["then"] and not then_seen:
        missing.append("then " + opts["then"])
    if result == "ok":
        end = "%ss more" % opts["for"] if opts["for"] is not None else opts["until"]
        print("%s (%s; %s at %.1fs)" % ("ok", times, end, time.monotonic() - start))
        return 0
    print("FAIL: %s after %.0fs; saw %s; missing %s (log: %s)" %
          (result, time.monotonic() - start, times or "nothing", missing, log_path))
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Command-line behaviour of svmm that needs no guest: runs on any host.

Checks the one-line errors, exit statuses, `svmm validate` with the device
tree it writes, the Microkit system description `svmm sdf` writes, the
refusal on a host whose ISA svmm cannot run guests on, and that the terminal
is restored when `svmm run` fails after entering raw mode.
Usage: test_cli.py SVMM_BINARY
"""
import json
import os
import platform
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import xml.etree.ElementTree as ET

SVMM = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="svmm-host-test-")
RESULTS = {"passed": 0, "failed": 0}


def fake_image(path, image_size=4 << 20, length=4096):
    """A minimal arm64 Image: a valid header and padding, enough for svmm's checks."""
    header = struct.pack("<IIQQQQQQI I", 0, 0, 0, image_size, 0b1010, 0, 0, 0, 0x644D5241, 0)
    with open(path, "wb") as f:
        f.write(header + bytes(length - len(header)))
    return path


KERNEL = fake_image(os.path.join(WORK, "Image"))
BIG_KERNEL = fake_image(os.path.join(WORK, "BigImage"), image_size=64 << 20)


def svmm(*args):
    return subprocess.run([SVMM, *args], capture_output=True, text=True, timeout=30)


def check(name, condition, detail=""):
    if condition:
        RESULTS["passed"] += 1
    else:
        RESULTS["failed"] += 1
        print(f"FAIL {name}: {detail}")


def one_error_line(name, result, *needles, status=2):
    lines = result.stderr.splitlines()
    ok = (result.returncode == status and len(lines) == 1 and lines[0].startswith("svmm: ")
          and all(n in lines[0] for n in needles))
    check(name, ok, f"status {result.returncode}, stderr {result.stderr!r}")


def test_version_and_help():
    r = svmm("--version")
    check("version", r.returncode == 0 and r.stdout.startswith("svmm "), repr(r.stdout))
    r = svmm("--help")
    check("help", r.returncode == 0 and "svmm run" in r.stdout, repr(r.stdout))
    r = svmm("run", "--help")
    check("run help", r.returncode == 0 and "--on-reboot" in r.stdout, repr(r.stdout))
    check("no command", svmm().returncode == 2)


def test_bad_inputs():
    one_error_line("unknown option", svmm("run", "--frobnicate"), "--frobnicate")
    one_error_line("bad --seccomp", svmm("run", "--seccomp", "maybe"), "--seccomp maybe", "kill, log or off")
    one_error_line("--jail alone", svmm("run", "--jail", "/tmp"), "--jail, --uid and --gid go together")
    one_error_line("bad --uid", svmm("run", "--uid", "root"), "--uid root", "numeric id")
    one_error_line("unknown command", svmm("frobnicate"), "frobnicate")
    one_error_line("missing value", svmm("run", "--kernel"), "--kernel")
    one_error_line("no kernel", svmm("run"), "no kernel given")
    one_error_line("missing kernel", svmm("run", "--kernel", "/nonexistent"),
                   "/nonexistent", "No such file")
    zeros = os.path.join(WORK, "zeros")
    with open(zeros, "wb") as f:
        f.write(bytes(4096))
    one_error_line("corrupt image", svmm("validate", "--kernel", zeros), "ARM\\x64 magic")
    gz = os.path.join(WORK, "Image.gz")
    with open(gz, "wb") as f:
        f.write(b"\x1f\x8b\x08" + bytes(200))
    one_error_line("gzip image", svmm("validate", "--kernel", gz), "gzip")
    one_error_line("memory too small",
                   svmm("validate", "--kernel", BIG_KERNEL, "--memory", "16M"),
                   "too small", "--memory")
    one_error_line("bad memory", svmm("run", "--kernel", KERNEL, "--memory", "lots"),
                   "--memory", "expected a size")
    one_error_line("bad cpus", svmm("run", "--kernel", KERNEL, "--cpus", "0"),
                   "--cpus", "from 1 to")
    one_error_line("bad on-reboot", svmm("run", "--kernel", KERNEL, "--on-reboot", "maybe"),
                   "--on-reboot")
    bad_json = os.path.join(WORK, "bad.json")
    with open(bad_json, "w") as f:
        f.write('{"cpus": ')
    one_error_line("invalid json", svmm("validate", bad_json), "bad.json", "invalid JSON")
    typo = os.path.join(WORK, "typo.json")
    with open(typo, "w") as f:
        json.dump({"kernel": KERNEL, "cpu": 2}, f)
    one_error_line("unknown field", svmm("validate", typo), 'unknown field "cpu"')


def fdtget(dtb, node, prop, kind="s"):
    r = subprocess.run(["fdtget", "-t", kind, dtb, node, prop], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def test_validate_writes_device_tree():
    vm = os.path.join(WORK, "vm.json")
    with open(vm, "w") as f:
        json.dump({"kernel": "Image", "cmdline": "console=ttyAMA0 from-file", "cpus": 1,
                   "memory": "256M"}, f)
    dtb = os.path.join(WORK, "vm.dtb")
    r = svmm("validate", vm, "--cpus", "3", "--dtb-out", dtb)
    check("validate ok", r.returncode == 0 and "ok" in r.stdout, repr(r.stderr))
    check("dtb bootargs", fdtget(dtb, "/chosen", "bootargs") == "console=ttyAMA0 from-file")
    cpus = subprocess.run(["fdtget", "-l", dtb, "/cpus"], capture_output=True, text=True)
    check("flag overrides file (cpus)", cpus.stdout.split() == ["cpu@0", "cpu@1", "cpu@2"],
          repr(cpus.stdout))
    check("dtb memory", fdtget(dtb, "/memory@40000000", "reg", "x") == "0 40000000 0 10000000",
          fdtget(dtb, "/memory@40000000", "reg", "x"))
    check("dtb console", fdtget(dtb, "/chosen", "stdout-path") == "/pl011@9000000")


def test_system_description():
    """A system description: validate it whole, one-line errors naming the VM, no flags."""
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.join(WORK, "system")
    os.makedirs(work)
    fake_image(os.path.join(work, "Image"))
    with open(os.path.join(work, "rootfs.cpio.gz"), "wb") as f:
        f.write(bytes(512))
    example = os.path.join(work, "two-vms.json")
    with open(os.path.join(here, "..", "..", "examples", "two-vms.json")) as f:
        system = json.load(f)
    with open(example, "w") as f:
        json.dump(system, f)
    r = svmm("validate", example)
    if (os.cpu_count() or 1) >= 2:
        check("example system validates", r.returncode == 0 and
              "system two-vms: ok (2 VMs, hybrid scheduling)" in r.stdout and
              r.stdout.startswith("a: ok (2 vCPUs, 256 MiB"), repr((r.stdout, r.stderr)))
    else:
        one_error_line("example needs 2 cores", r, 'vm "a": field "cores": core 1 does not exist')
    cores = os.cpu_count() or 1
    r = svmm("validate", "--kernel", KERNEL, "--cores", str(cores))
    one_error_line("core the host lacks", r, f"core {cores} does not exist on this host")
    system["scheduling"] = "direct"
    system["vms"][1]["cores"] = [0]
    with open(example, "w") as f:
        json.dump(system, f)
    one_error_line("direct core conflict", svmm("validate", example),
                   'two-vms.json: vm "b": field "cores": core 0 is already vm "a"\'s')
    one_error_line("flags with a system", svmm("run", "--config", example, "--memory", "1G"),
                   "--memory: cannot be combined with a system description")
    system["vms"][1]["name"] = "a"
    with open(example, "w") as f:
        json.dump(system, f)
    one_error_line("duplicate VM names", svmm("validate", example),
                   'two VMs are named "a" (vms[0] and vms[1])')
    if platform.machine() != "aarch64":
        system["vms"][1] = dict(system["vms"][1], name="b", cores=[1])
        system["scheduling"] = "hybrid"
        with open(example, "w") as f:
            json.dump(system, f)
        r = svmm("run", "--config", example)
        if cores >= 2:
            one_error_line("system on an unsupported host", r, platform.machine(), "make demo")


def test_validate_describes_virtio_devices():
    """validate's device tree has the virtio-mmio nodes run gives the guest, slot by slot."""
    disk = os.path.join(WORK, "v.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    dtb = os.path.join(WORK, "virtio.dtb")
    r = svmm("validate", "--kernel", KERNEL, "--memory", "256M", "--disk", disk, "--rng",
             "--console", "virtio", "--vsock", "cid=3,socket=" + os.path.join(WORK, "v.sock"),
             "--dtb-out", dtb)
    check("validate with devices", r.returncode == 0, repr(r.stderr))
    # Order: disk, console, rng, vsock; windows 0x200 apart from 0x0a000000, SPIs from 16.
    for slot in range(4):
        node = "/virtio_mmio@%x" % (0x0a000000 + 0x200 * slot)
        check("validate virtio slot %d" % slot,
              fdtget(dtb, node, "compatible") == "virtio,mmio"
              and fdtget(dtb, node, "interrupts", "x") == "0 %x 1" % (16 + slot)
              and fdtget(dtb, node, "reg", "x") == "0 %x 0 200" % (0x0a000000 + 0x200 * slot),
              "%s: %s" % (node, fdtget(dtb, node, "interrupts", "x")))
    check("validate no fifth virtio slot",
          fdtget(dtb, "/virtio_mmio@a000800", "compatible") is None)
    # The virtio console is the console: the PL011 is not stdout.
    check("validate virtio console", fdtget(dtb, "/chosen", "stdout-path") != "/pl011@9000000",
          fdtget(dtb, "/chosen", "stdout-path"))


def test_sdf():
    """`svmm sdf` writes a well-formed Microkit system description for the VM."""
    vm = os.path.join(WORK, "sdf.json")
    with open(vm, "w") as f:
        json.dump({"name": "vm0", "kernel": "Image", "cpus": 2, "memory": "512M"}, f)
    r = svmm("sdf", vm)
    check("sdf ok", r.returncode == 0 and r.stderr == "", repr(r.stderr))
    try:
        root = ET.fromstring(r.stdout)
    except ET.ParseError as e:
        check("sdf well-formed", False, f"{e}: {r.stdout!r}")
        return
    pds = root.findall("protection_domain")
    vms = root.findall("protection_domain/virtual_machine")
    ram = root.find("memory_region[@name='guest_ram']")
    # svmm and the timer PD every system has.
    check("sdf elements", root.tag == "system" and len(pds) == 2 and len(vms) == 1
          and pds[0].find("program_image").get("path") == "svmm.elf", r.stdout)
    check("sdf vcpus", vms and [v.get("id") for v in vms[0].findall("vcpu")] == ["0", "1"],
          r.stdout)
    check("sdf guest ram", ram is not None and int(ram.get("size"), 16) == 512 << 20
          and vms and vms[0].find("map[@mr='guest_ram']").get("vaddr") == "0x40000000",
          r.stdout)
    out = os.path.join(WORK, "vm0.system")
    r2 = svmm("sdf", "--out", out, vm)
    with open(out) as f:
        check("sdf --out", r2.returncode == 0 and r2.stdout == "" and f.read() == r.stdout,
              repr(r2.stderr))
    one_error_line("sdf too many cpus", svmm("sdf", vm, "--cpus", "9"), "cpus 9", "1 to 8")
    # --dtb-out: the guest's device tree for seL4 (GICv2, PSCI by SMC), beside the SDF.
    dtb = os.path.join(WORK, "vm0-sel4.dtb")
    r3 = svmm("sdf", vm, "--kernel", KERNEL, "--out", out, "--dtb-out", dtb)
    blob = open(dtb, "rb").read() if os.path.exists(dtb) else b""
    check("sdf --dtb-out", r3.returncode == 0 and blob[:4] == b"\xd0\x0d\xfe\xed"
          and b"arm,cortex-a15-gic" in blob and b"smc" in blob and b"arm,gic-v3" not in blob,
          repr(r3.stderr))
    # One disk: the block server PD and its channel, and the disk on the guest's
    # first virtio-mmio slot in the device tree; two disks are refused.
    disk = os.path.join(WORK, "sel4-disk.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    r4 = svmm("sdf", vm, "--kernel", KERNEL, "--disk", disk, "--dtb-out", dtb)
    try:
        root = ET.fromstring(r4.stdout)
    except ET.ParseError as e:
        check("sdf disk well-formed", False, f"{e}: {r4.stdout!r} {r4.stderr!r}")
        return
    ends = root.findall("channel/end")
    check("sdf disk", r4.returncode == 0
          and [pd.get("name") for pd in root.findall("protection_domain")]
          == ["vmm", "blk_driver", "timer"]
          and [(e.get("pd"), e.get("pp")) for e in ends]
          == [("vmm", None), ("blk_driver", None), ("vmm", "true"), ("timer", None)],
          r4.stdout)
    check("sdf disk dtb", fdtget(dtb, "/virtio_mmio@a000000", "compatible") == "virtio,mmio"
          and fdtget(dtb, "/virtio_mmio@a000000", "interrupts", "x") == "0 10 1",
          fdtget(dtb, "/virtio_mmio@a000000", "interrupts", "x"))
    disk2 = os.path.join(WORK, "sel4-disk2.img")
    with open(disk2, "wb") as f:
        f.truncate(1 << 20)
    one_error_line("sdf two disks", svmm("sdf", vm, "--disk", disk, "--disk", disk2),
                   "2 disks", "serves one")


def test_refusal_on_unsupported_host():
    if platform.machine() == "aarch64":
        return
    r = svmm("run", "--kernel", KERNEL, "--memory", "64M")
    one_error_line("unsupported host", r, platform.machine(), "make demo")


def test_terminal_restored_after_failure():
    """svmm puts a terminal stdin in raw mode; a failed run must put it back."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(SVMM, [SVMM, "run", "--kernel", KERNEL, "--memory", "64M"])
    before = termios.tcgetattr(fd)
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    after = termios.tcgetattr(fd)
    os.close(fd)
    check("terminal restored", before == after, f"{before} != {after}")
    if platform.machine() != "aarch64":
        check("pty run refused", os.waitstatus_to_exitcode(status) == 2, repr(output))


def test_ctl():
    """svmm ctl against a stand-in server: the request it sends, its output, its exit status."""
    import socket
    import threading

    r = svmm("ctl")
    check("ctl usage", r.returncode == 2 and "usage: svmm ctl" in r.stderr, repr(r.stderr))
    r = svmm("ctl", os.path.join(WORK, "no-such.sock"), "status")
    check("ctl no socket", r.returncode == 1 and r.stderr.startswith("svmm ctl: ") and
          len(r.stderr.splitlines()) == 1, repr(r.stderr))
    r = svmm("ctl", os.path.join(WORK, "no-such.sock"), "stop", "--timeout-ms", "soon")
    check("ctl bad timeout", r.returncode == 2 and "--timeout-ms" in r.stderr, repr(r.stderr))

    path = os.path.join(WORK, "api.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)
    seen = []

    def serve(reply):
        conn, _ = server.accept()
        with conn:
            seen.append(json.loads(conn.makefile().readline()))
            conn.sendall(reply.encode() + b"\n")

    for reply, args, want_rc, want_out, want_err in [
        ('{"version":1,"ok":true,"command":"status","result":{"state":"paused",'
         '"devices":[{"kind":"disk"}]}}', ["status"], 0, "state: paused\ndevices[0].kind: disk\n",
         ""),
        ('{"version":1,"ok":true,"command":"pause"}', ["pause"], 0, "ok\n", ""),
        ('{"version":1,"ok":false,"error":"pause: the VM is stopping"}', ["pause"], 1, "",
         "svmm ctl: pause: the VM is stopping\n"),
        ('{"version":1,"ok":true,"command":"restart"}', ["restart", "vm-b", "--json"], 0,
         '{"version":1,"ok":true,"command":"restart"}\n', ""),
        ("garbage", ["status"], 1, "", None),
    ]:
        t = threading.Thread(target=serve, args=(reply,))
        t.start()
        r = svmm("ctl", path, *args)
        t.join()
        check(f"ctl {args} status", r.returncode == want_rc, f"{r.returncode} {r.stderr!r}")
        check(f"ctl {args} stdout", r.stdout == want_out, repr(r.stdout))
        if want_err is not None:
            check(f"ctl {args} stderr", r.stderr == want_err, repr(r.stderr))
    check("ctl request", seen[0] == {"version": 1, "command": "status"} and
          seen[3] == {"version": 1, "command": "restart", "name": "vm-b"}, repr(seen))
    server.close()


for test in [test_version_and_help, test_bad_inputs, test_validate_writes_device_tree,
             test_validate_describes_virtio_devices, test_sdf,
             test_refusal_on_unsupported_host, test_terminal_restored_after_failure,
             test_system_description, test_ctl]:
    test()
print(f"host: {RESULTS['passed']} passed, {RESULTS['failed']} failed")
sys.exit(1 if RESULTS["failed"] else 0)

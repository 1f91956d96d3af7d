#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The Microkit SDF `svmm sdf sys.json` writes for systems of 1, 2 and 3 VMs,
read back as XML: each vCPU on the core its VM names, priorities (a VM's
vCPUs at its priority, its svmm one above), budgets and periods, one svmm
protection domain per VM with its own program image, and isolation by
construction: every memory region is mapped only into the address spaces
the description connects (a VM and its own svmm share its RAM; an svmm and
its block server share their queue; an svmm and the console multiplexer
share its console queue; with "management", the management PD and the
multiplexer share its prompt's queue, and the management PD maps nothing
else: no VM's memory, no irq, only a channel to each svmm), every channel
joins only such a pair, and the one
frame several VMs map is the GIC's virtual CPU interface. Then `--build-dir`:
each VM's device tree and the build's make fragment.
Usage: test_sdf_system.py SVMM_BINARY
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVMM = os.path.abspath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="svmm-sdf-test-")
RESULTS = {"passed": 0, "failed": 0}
# A scheduling context the description gives no period: config/sdf_plan.h, SDF_DEFAULT_TIMESLICE_US.
DEFAULT_SLICE = "50000"
GICV_PHYS = 0x8040000


def check(name, condition, detail=""):
    if condition:
        RESULTS["passed"] += 1
    else:
        RESULTS["failed"] += 1
        print(f"FAIL {name}: {detail}")


def fake_image(path):
    header = struct.pack("<IIQQQQQQI I", 0, 0, 0, 4 << 20, 0b1010, 0, 0, 0, 0x644D5241, 0)
    with open(path, "wb") as f:
        f.write(header + bytes(4096 - len(header)))
    return path


fake_image(os.path.join(WORK, "Image"))
with open(os.path.join(WORK, "disk.img"), "wb") as f:
    f.truncate(1 << 20)

SYSTEMS = {
    "one": {"name": "one", "vms": [
        {"name": "solo", "kernel": "Image", "cpus": 2, "memory": "256M", "cores": [0, 1],
         "priority": 120}]},
    "two": {"name": "two", "scheduling": "direct", "vms": [
        {"name": "a", "kernel": "Image", "cpus": 2, "memory": "256M", "cores": [1, 2],
         "priority": 200},
        {"name": "b", "kernel": "Image", "cpus": 1, "memory": "128M", "cores": [3],
         "priority": 150, "budget_us": 2000, "period_us": 10000, "disk": ["disk.img"]}]},
    "three": {"name": "three", "scheduling": "hybrid", "vms": [
        {"name": "x", "kernel": "Image", "cpus": 1, "memory": "64M", "cores": [1]},
        {"name": "y", "kernel": "Image", "cpus": 1, "memory": "64M", "cores": [1],
         "priority": 90, "budget_us": 1000, "period_us": 4000},
        {"name": "z", "kernel": "Image", "cpus": 2, "memory": "96M", "disk": ["disk.img"]}]},
    "managed": {"name": "managed", "scheduling": "direct", "management": True, "vms": [
        {"name": "a", "kernel": "Image", "cpus": 1, "memory": "128M", "cores": [1]},
        {"name": "b", "kernel": "Image", "cpus": 1, "memory": "64M", "cores": [2],
         "disk": ["disk.img"]}]},
    # The form: a VM's disk on the system's block device, the board's virtio-blk.
    "device": {"name": "device", "vms": [
        {"name": "a", "kernel": "Image", "cpus": 1, "memory": "256M", "cores": [1],
         "disk": [{"device": "disk0"}]},
        {"name": "b", "kernel": "Image", "cpus": 1, "memory": "256M", "cores": [2]}],
     "devices": {"disk0": {"type": "block"}}},
}


def sdf_of(name, *extra):
    path = os.path.join(WORK, f"{name}.json")
    with open(path, "w") as f:
        json.dump(SYSTEMS[name], f)
    r = subprocess.run([SVMM, "sdf", path, *extra], capture_output=True, text=True, timeout=30)
    check(f"{name}: sdf ok", r.returncode == 0 and r.stderr == "", r.stderr)
    if "--out" in extra:
        return None
    try:
        return ET.fromstring(r.stdout)
    except ET.ParseError as e:
        check(f"{name}: well-formed", False, f"{e}: {r.stdout!r}")
        return None


def spaces(root):
    """Every address space: ('pd', name) for a protection domain, ('vm', name) for a guest."""
    for pd in root.findall("protection_domain"):
        yield ("pd", pd.get("name")), pd
        vm = pd.find("virtual_machine")
        if vm is not None:
            yield ("vm", vm.get("name")), vm


def check_system(name):
    desc = SYSTEMS[name]
    root = sdf_of(name)
    if root is None:
        return
    lone = len(desc["vms"]) == 1
    pds = {pd.get("name"): pd for pd in root.findall("protection_domain")}
    regions = {r.get("name"): r for r in root.findall("memory_region")}
    # Which address spaces the description connects: (space, space) pairs.
    connected = set()
    owner_of = {}  # an svmm's name -> its VM's name
    for vm in desc["vms"]:
        vmm = "vmm" if lone else f"vmm_{vm['name']}"
        blk = "blk_driver" if lone else f"blk_driver_{vm['name']}"
        owner_of[vmm] = vm["name"]
        connected.add(frozenset([("pd", vmm), ("vm", vm["name"])]))
        if vm.get("disk"):
            connected.add(frozenset([("pd", vmm), ("pd", blk)]))
        if not lone:
            connected.add(frozenset([("pd", vmm), ("pd", "console")]))
        if desc.get("management"):
            # A channel only: svmm reports to the management PD and takes its requests.
            connected.add(frozenset([("pd", vmm), ("pd", "mgmt")]))
            connected.add(frozenset([("pd", "mgmt"), ("pd", "console")]))
        # Every svmm calls the timer PD (a channel; they share no memory).
        connected.add(frozenset([("pd", vmm), ("pd", "timer")]))
        pd = pds.get(vmm)
        if pd is None:
            check(f"{name}: {vmm} exists", False, list(pds))
            continue
        image = "svmm.elf" if lone else f"svmm_{vm['name']}.elf"
        check(f"{name}: {vmm} image", pd.find("program_image").get("path") == image)
        guest = pd.find("virtual_machine")
        prio = vm.get("priority", 100)
        check(f"{name}: {vm['name']} priority", guest.get("priority") == str(prio)
              and pd.get("priority") == str(prio + 1), ET.tostring(pd))
        period, budget = vm.get("period_us"), vm.get("budget_us")
        for what, el in (("vm", guest), ("svmm", pd)):
            check(f"{name}: {vm['name']} {what} budget/period",
                  (el.get("period"), el.get("budget")) ==
                  ((str(period), str(budget or period)) if period else (DEFAULT_SLICE, DEFAULT_SLICE)),
                  ET.tostring(el))
        cores = vm.get("cores")
        vcpus = guest.findall("vcpu")
        check(f"{name}: {vm['name']} vcpus", [v.get("id") for v in vcpus] ==
              [str(i) for i in range(vm["cpus"])])
        check(f"{name}: {vm['name']} cores",
              [v.get("cpu") for v in vcpus] == ([str(c) for c in cores] if cores
                                                else [None] * vm["cpus"])
              and pd.get("cpu") == (str(cores[0]) if cores else None), ET.tostring(pd))
        ram = regions.get("guest_ram" if lone else f"guest_ram_{vm['name']}")
        check(f"{name}: {vm['name']} ram", ram is not None and
              int(ram.get("size"), 16) == int(vm["memory"].rstrip("M")) << 20)
    # No region in two address spaces the description did not connect.
    mapped = {}
    for space, el in spaces(root):
        for m in el.findall("map"):
            mapped.setdefault(m.get("mr"), set()).add(space)
    for region, where in mapped.items():
        r = regions[region]
        if len(where) < 2:
            continue
        if r.get("phys_addr") is not None and int(r.get("phys_addr"), 16) == GICV_PHYS:
            check(f"{name}: {region} only in guests", all(k == "vm" for k, _ in where), where)
            continue
        check(f"{name}: {region} shared only as described",
              len(where) == 2 and frozenset(where) in connected, sorted(where))
    # Each VM's RAM is in its own guest and its own svmm only.
    for vm in desc["vms"]:
        ram = "guest_ram" if lone else f"guest_ram_{vm['name']}"
        vmm = "vmm" if lone else f"vmm_{vm['name']}"
        check(f"{name}: {ram} private", mapped.get(ram) == {("pd", vmm), ("vm", vm["name"])},
              mapped.get(ram))
    for ch in root.findall("channel"):
        ends = frozenset(("pd", e.get("pd")) for e in ch.findall("end"))
        check(f"{name}: channel between connected PDs", ends in connected, sorted(ends))
    check(f"{name}: console multiplexer", ("console" in pds) == (not lone), list(pds))
    mgmt = pds.get("mgmt")
    check(f"{name}: management PD", (mgmt is not None) == bool(desc.get("management")), list(pds))
    if mgmt is not None:
        # Its one region: the prompt's queue to the multiplexer. No VM's memory, no irq.
        check(f"{name}: the management PD maps only its console queue",
              [m.get("mr") for m in mgmt.findall("map")] == ["mgmt_console"]
              and mgmt.findall("irq") == [] and mgmt.find("virtual_machine") is None,
              ET.tostring(mgmt))
        check(f"{name}: its queue only in it and the multiplexer",
              mapped.get("mgmt_console") == {("pd", "mgmt"), ("pd", "console")},
              mapped.get("mgmt_console"))
        calls = sorted((e[0].get("pd"), e[0].get("id"), e[0].get("pp"), e[1].get("id"))
                       for e in (ch.findall("end") for ch in root.findall("channel"))
                       if e[1].get("pd") == "mgmt")
        check(f"{name}: each svmm calls the management PD on its channel 5",
              calls == [(f"vmm_{vm['name']}", "5", "true", str(i + 1))
                        for i, vm in enumerate(desc["vms"])], calls)
    timer = pds.get("timer")
    check(f"{name}: the timer PD maps nothing and takes only the PPI",
          timer is not None and timer.findall("map") == []
          and [i.get("irq") for i in timer.findall("irq")] == ["30"], list(pds))
    # A disk's block driver: the board's virtio-mmio window, its DMA region and the sDDF
    # regions it shares with its svmm; no guest RAM; the 32 transports' SPIs.
    for vm in desc["vms"]:
        blk = "blk_driver" if lone else f"blk_driver_{vm['name']}"
        driver = pds.get(blk)
        check(f"{name}: {vm['name']} block driver", (driver is not None) == bool(vm.get("disk")),
              list(pds))
        if driver is None:
            continue
        maps = sorted(m.get("mr").split("_" + vm["name"])[0] if not lone else m.get("mr")
                      for m in driver.findall("map"))
        check(f"{name}: {blk} maps", maps == ["blk_data", "blk_dma", "blk_req_queue",
                                            "blk_resp_queue", "blk_storage_info",
                                            "virtio_mmio"], maps)
        check(f"{name}: {blk} irqs", [i.get("irq") for i in driver.findall("irq")]
              == [str(48 + i) for i in range(32)])
        mmio = regions.get("virtio_mmio")
        check(f"{name}: the virtio-mmio window only in the driver", mmio is not None
              and int(mmio.get("phys_addr"), 16) == 0xa000000
              and mapped.get("virtio_mmio") == {("pd", blk)}, mapped.get("virtio_mmio"))
    if not lone:
        uart = mapped.get("uart")
        check(f"{name}: the UART only in the multiplexer", uart == {("pd", "console")}, uart)


def machine_lines(vm):
    """The machine svmm on seL4 assembles the guest from (machine/desc_text.h)."""
    mib = {"64M": 64, "128M": 128, "256M": 256}[vm["memory"]]
    return (f"machine.cpus={vm['cpus']}\nmachine.memory={mib << 20}\n"
            f"machine.disks={len(vm.get('disk', []))}\nmachine.nets=0\n"
            "machine.console=pl011\nmachine.rng=0\nmachine.vsock_cid=0\n")


def settings_of(system, vm_name, tail):
    vm = next(v for v in SYSTEMS[system]["vms"] if v["name"] == vm_name)
    return "on_reboot=restart\n" + machine_lines(vm) + tail


def test_build_dir():
    out = os.path.join(WORK, "build")
    os.makedirs(out)
    sdf_of("two", "--out", os.path.join(out, "svmm.system"), "--build-dir", out)
    names = sorted(os.listdir(out))
    check("build dir files", names == ["a.dtb", "a.settings", "b.dtb", "b.settings",
                                       "console_names", "svmm.system", "system.mk"], names)
    # Every svmm may park vCPUs in WFI: the timer PD serves each its alarm.
    for vm in ("a", "b"):
        with open(os.path.join(out, vm + ".settings")) as f:
            text = f.read()
            check(f"{vm}: settings", text == settings_of("two", vm, "wfi_park=1\n"), text)
    root = ET.parse(os.path.join(out, "svmm.system")).getroot()
    timers = [pd.get("name") for pd in root.findall("protection_domain")
              for irq in pd.findall("irq") if irq.get("irq") == "30"]
    check("only the timer PD has the timer's PPI", timers == ["timer"], timers)
    calls = sorted((ends[0].get("pd"), ends[0].get("id"), ends[1].get("id"))
                   for ends in (ch.findall("end") for ch in root.findall("channel"))
                   if ends[1].get("pd") == "timer" and ends[0].get("pp") == "true")
    check("each svmm calls the timer PD on its channel 4",
          calls == [("vmm_a", "4", "1"), ("vmm_b", "4", "2")], calls)
    with open(os.path.join(out, "system.mk")) as f:
        mk = f.read()
    check("make fragment", "SEL4_SYSTEM_VMS := a b\n" in mk and "SEL4_SYSTEM_MUX := yes" in mk
          and "SEL4_SYSTEM_MGMT := \n" in mk
          and "SEL4_SYSTEM_IMAGE_b := svmm_b.elf" in mk
          and "SEL4_SYSTEM_BLK_b := blk_driver_b.elf" in mk
          and "SEL4_SYSTEM_BLK_a" not in mk and "SEL4_SYSTEM_DISK" not in mk, mk)
    with open(os.path.join(out, "a.dtb"), "rb") as f:
        blob = f.read()
    check("per-VM device tree", blob[:4] == b"\xd0\x0d\xfe\xed" and b"smc" in blob)


def test_managed_build_dir():
    out = os.path.join(WORK, "build-managed")
    os.makedirs(out)
    sdf_of("managed", "--out", os.path.join(out, "svmm.system"), "--build-dir", out)
    for vm in ("a", "b"):
        with open(os.path.join(out, vm + ".settings")) as f:
            text = f.read()
            check(f"managed {vm}: settings",
                  text == settings_of("managed", vm, "wfi_park=1\nmanagement=1\n"), text)
    with open(os.path.join(out, "system.mk")) as f:
        mk = f.read()
    check("managed make fragment", "SEL4_SYSTEM_MGMT := yes\n" in mk, mk)


def test_refusals():
    bad = {"name": "bad", "scheduling": "direct", "vms": [
        {"name": "a", "kernel": "Image", "cores": [1]},
        {"name": "b", "kernel": "Image", "cores": [1]}]}
    path = os.path.join(WORK, "bad.json")
    with open(path, "w") as f:
        json.dump(bad, f)
    r = subprocess.run([SVMM, "sdf", path], capture_output=True, text=True, timeout=30)
    check("core named twice", r.returncode == 2 and r.stdout == ""
          and len(r.stderr.splitlines()) == 1 and '"a"' in r.stderr and '"b"' in r.stderr,
          r.stderr)
    bad["scheduling"] = "hybrid"
    bad["vms"][1]["priority"] = 254
    with open(path, "w") as f:
        json.dump(bad, f)
    r = subprocess.run([SVMM, "sdf", path], capture_output=True, text=True, timeout=30)
    check("priority above the VM range", r.returncode == 2 and r.stdout == ""
          and 'vm "b": priority 254' in r.stderr, r.stderr)
    # One VM has the board's block device until the block virtualiser shares it.
    bad = {"name": "bad", "vms": [{"name": "a", "kernel": "Image", "disk": ["disk.img"]},
                                  {"name": "b", "kernel": "Image", "disk": ["disk.img"]}]}
    with open(path, "w") as f:
        json.dump(bad, f)
    r = subprocess.run([SVMM, "sdf", path], capture_output=True, text=True, timeout=30)
    check("two VMs with a disk", r.returncode == 2 and r.stdout == ""
          and len(r.stderr.splitlines()) == 1
          and 'vm "b": disk: VM "a" has the disk already' in r.stderr, r.stderr)


for system in SYSTEMS:
    check_system(system)
test_build_dir()
test_managed_build_dir()
test_refusals()
print(f"sdf-system: {RESULTS['passed']} passed, {RESULTS['failed']} failed")
sys.exit(1 if RESULTS["failed"] else 0)

# SPDX-License-Identifier: Apache-2.0
# Lab scenarios for the virtio devices, driven through the guest kernel's own
# drivers (modules, loaded by the guest's init with svmm.modules=1). The lab host
# has busybox plus lab_sock (tests/lab/tools/lab_sock.c) for unix and vsock
# sockets. Sourced by scenarios.sh, whose helpers they use.

LAB_SCENARIOS="$LAB_SCENARIOS blk_persist blk_readonly blk_two_disks disk_busy rng vsock
	virtio_console net_tap net_tap_offload net_user boot_all_devices"

scenario_blk_persist() {
	local img=$LAB_TMP/persist.img want got
	image "$img" 64
	# Boot 1 writes and reboots (restarted in place), boot 2 verifies and powers off.
	guest_run blk_persist 120 "svmm.test=blk svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$img" --on-reboot restart
	has SVMM-GUEST-BLK-WROTE || { fail blk_persist "no SVMM-GUEST-BLK-WROTE on the first boot, $(status)"; return; }
	[ "$(value SVMM-GUEST-BLK-VERIFIED)" = 1 ] ||
		{ fail blk_persist "the rebooted guest did not verify the pattern, $(status)"; return; }
	[ "$rc" = 0 ] || { fail blk_persist "$(status), want 0"; return; }
	# A new svmm process on the same image.
	guest_run blk_persist.2 60 "svmm.test=blk svmm.modules=1" --cpus 1 --memory 256M --disk "$img"
	[ "$(value SVMM-GUEST-BLK-VERIFIED)" = 2 ] ||
		{ fail blk_persist "after an svmm restart the guest did not verify the pattern, $(status)"; return; }
	[ "$rc" = 0 ] || { fail blk_persist "second run: $(status), want 0"; return; }
	# The bytes really are in the file, where the guest put them.
	want=$(blk_pattern | md5)
	got=$(dd if="$img" bs=1M skip=1 count=1 2>/dev/null | md5)
	[ "$got" = "$want" ] || { fail blk_persist "image bytes at 1 MiB: md5 $got, want $want"; return; }
	got=$(dd if="$img" bs=512 count=1 2>/dev/null | tr -d '\0')
	[ "$got" = svmm-blk-state=3 ] || { fail blk_persist "image sector 0 holds '$got', want svmm-blk-state=3"; return; }
	pass blk_persist
}

scenario_blk_readonly() {
	local img=$LAB_TMP/ro.img before after
	image "$img" 16 ro-label-42
	before=$(md5 <"$img")
	guest_run blk_readonly 60 "svmm.test=blkro svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$img,readonly"
	booted blk_readonly || return
	after=$(md5 <"$img")
	[ "$after" = "$before" ] || { fail blk_readonly "the image changed (md5 $before -> $after)"; return; }
	has "SVMM-GUEST-BLKRO ro=1 read=ro-label-42 write=failed" ||
		{ fail blk_readonly "want 'ro=1 read=ro-label-42 write=failed'"; return; }
	pass blk_readonly
}

scenario_blk_two_disks() {
	image "$LAB_TMP/a.img" 8 disk-label-A
	image "$LAB_TMP/b.img" 16 disk-label-B
	guest_run blk_two_disks 60 "svmm.test=blk2 svmm.modules=1" --cpus 1 --memory 256M \
		--disk "$LAB_TMP/a.img" --disk "$LAB_TMP/b.img"
	booted blk_two_disks || return
	# /sys/block/*/size counts 512-byte sectors.
	has "SVMM-GUEST-DISK vda size=16384 label=disk-label-A" &&
		has "SVMM-GUEST-DISK vdb size=32768 label=disk-label-B" ||
		{ fail blk_two_disks "want vda = a.img (16384 sectors), vdb = b.img (32768)"; return; }
	pass blk_two_disks
}

scenario_disk_busy() {
	local img=$LAB_TMP/busy.img first_out first_err
	image "$img" 8
	guest_start disk_busy.first 60 "$GUEST_CMDLINE svmm.test=echo" --cpus 1 --memory 256M --disk "$img"
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail disk_busy "the first VM did not boot, $(status)"
		return
	fi
	first_out=$out first_err=$err
	bad_case disk_busy "the same image again" run --kernel "$GUEST/Image" \
		--initrd "$GUEST/rootfs.cpio.gz" --cmdline "$GUEST_CMDLINE svmm.test=marker" \
		--cpus 1 --memory 256M --disk "$img"
	local ok=$?
	if [ $ok = 0 ] && ! grep -q locked "$LAB_TMP/disk_busy.err"; then
		fail disk_busy "the error doesn't say the image is locked"
		ok=1
	fi
	out=$first_out err=$first_err
	echo bye >&3
	guest_wait
	[ $ok = 0 ] || return
	[ "$rc" = 0 ] || { fail disk_busy "the first VM: $(status), want 0"; return; }
	pass disk_busy
}

scenario_rng() {
	guest_run rng 60 "svmm.test=rng svmm.modules=1" --cpus 1 --memory 256M --rng
	booted rng || return
	has "SVMM-GUEST-RNG current=virtio_rng.0 bytes=64 nonzero=yes" ||
		{ fail rng "want 'current=virtio_rng.0 bytes=64 nonzero=yes'"; return; }
	pass rng
}

scenario_vsock() {
	local sock=$LAB_TMP/v.sock host=$LAB_TMP/vsock.host echo_pid reply
	rm -f "$sock" "${sock}_5001"
	# Guest to host: the guest's connection to port 5001 lands on ${sock}_5001.
	lab_sock unix-echo "${sock}_5001" >/dev/null 2>&1 &
	echo_pid=$!
	guest_start vsock 60 "$GUEST_CMDLINE svmm.test=vsock svmm.modules=1" --cpus 1 --memory 256M \
		--vsock "cid=3,socket=$sock"
	if ! wait_for "listening on vsock port 5000" 40 $pid; then
		kill $echo_pid 2>/dev/null
		guest_abort
		fail vsock "the guest's vsock listener did not start, $(status)"
		return
	fi
	# Host to guest: through svmm's socket, CONNECT 5000.
	reply=$(timeout 20 lab_sock unix-vsock "$sock" 5000 hello 2>&1)
	guest_wait
	kill $echo_pid 2>/dev/null
	wait $echo_pid
	[ "$reply" = echo:hello ] || { fail vsock "host to guest: reply '$reply', want 'echo:hello'"; return; }
	[ "$(value SVMM-GUEST-VSOCK-REPLY)" = host-echo:ping ] ||
		{ fail vsock "guest to host: reply '$(value SVMM-GUEST-VSOCK-REPLY)', want 'host-echo:ping'"; return; }
	[ "$rc" = 0 ] || { fail vsock "$(status), want 0"; return; }
	pass vsock
}

scenario_virtio_console() {
	# console=hvc0 only: the kernel and init talk through virtio-console, not the PL011.
	guest_start virtio_console 60 "console=hvc0 quiet svmm.test=echo" --console virtio \
		--cpus 1 --memory 256M
	if ! wait_for SVMM-GUEST-READY 40 $pid; then
		guest_abort
		fail virtio_console "no SVMM-GUEST-READY through hvc0, $(status)"
		return
	fi
	echo hvc-hello-19 >&3
	guest_wait
	[ "$(value SVMM-GUEST-GOT)" = hvc-hello-19 ] ||
		{ fail virtio_console "guest got '$(value SVMM-GUEST-GOT)', want 'hvc-hello-19' ($(status))"; return; }
	# (The guest kernel resets its virtio devices before its last words, so
	# "reboot: Power down" never reaches hvc0.)
	has "svmm-guest: kernel console on hvc0" || { fail virtio_console "no kernel message through hvc0"; return; }
	[ "$rc" = 0 ] || { fail virtio_console "echo worked but $(status), want 0"; return; }
	pass virtio_console
}

# www: a directory with a file of known content for busybox httpd; sets $www_md5.
www() {
	mkdir -p "$LAB_TMP/www"
	seq 1 40000 >"$LAB_TMP/www/file" # ~230 KB: many frames, both directions
	www_md5=$(md5 <"$LAB_TMP/www/file")
}

scenario_net_tap() {
	local httpd i=0
	lab_net_up || { fail net_tap "cannot set up the lab host's network"; return; }
	www
	httpd -f -p 8080 -h "$LAB_TMP/www" &
	httpd=$!
	# No tap0 yet: svmm (root here) creates it; the lab host then configures it
	# while the guest boots, as an administrator would.
	guest_start net_tap 60 "$GUEST_CMDLINE svmm.test=net svmm.modules=1 svmm.net=10.0.3.2/24 svmm.url=http://10.0.3.1:8080/file" \
		--cpus 1 --memory 256M --net tap=tap0
	while [ $i -lt 50 ] && [ ! -e /sys/class/net/tap0 ]; do sleep 0.1; i=$((i + 1)); done
	ip link set tap0 up 2>/dev/null && ip addr add 10.0.3.1/24 dev tap0 ||
		{ kill $httpd; guest_abort; fail net_tap "svmm did not create tap0"; return; }
	guest_wait
	kill $httpd
	wait $httpd 2>/dev/null
	booted net_tap || return
	[ "$(value md5)" = "$www_md5" ] || { fail net_tap "guest's md5 '$(value md5)', want $www_md5"; return; }
	# svmm made it, so it goes away with svmm.
	[ ! -e /sys/class/net/tap0 ] || { tunctl -d tap0 >/dev/null; fail net_tap "tap0 outlived svmm"; return; }
	pass net_tap
}

scenario_net_user() {
	local httpd page
	lab_net_up || { fail net_user "cannot set up the lab host's network"; return; }
	www
	httpd -f -p 8080 -h "$LAB_TMP/www" &
	httpd=$!
	# passt: DHCP gives the guest the lab host's address; the gateway 10.0.2.2
	# means the lab host itself (its loopback); host port 8081 reaches guest port 80.
	guest_start net_user 60 "$GUEST_CMDLINE svmm.test=net svmm.modules=1 svmm.net=dhcp svmm.url=http://10.0.2.2:8080/file svmm.serve=1" \
		--cpus 1 --memory 256M --net user,forward=tcp:8081:80
	if ! wait_for SVMM-GUEST-SERVING 40 $pid; then
		kill $httpd
		guest_abort
		fail net_user "no SVMM-GUEST-SERVING, $(status)"
		return
	fi
	page=$(timeout 10 wget -q -O - http://127.0.0.1:8081/index.html 2>&1)
	echo done >&3
	guest_wait
	kill $httpd
	wait $httpd 2>/dev/null
	# passt's DHCP hands the guest the lab host's own address.
	[ "$(value ip | cut -d' ' -f1)" = 10.0.2.15/24 ] ||
		{ fail net_user "guest's address '$(value ip | cut -d' ' -f1)', want 10.0.2.15/24 by DHCP"; return; }
	[ "$(value md5)" = "$www_md5" ] || { fail net_user "guest's md5 '$(value md5)', want $www_md5"; return; }
	[ "$page" = svmm-guest-httpd-page ] || { fail net_user "host port 8081 gave '$page', want the guest's page"; return; }
	[ "$rc" = 0 ] || { fail net_user "$(status), want 0"; return; }
	pass net_user
}

scenario_boot_all_devices() {
	local img=$LAB_TMP/all.img sock=$LAB_TMP/all.sock
	lab_net_up || { fail boot_all_devices "cannot set up the lab host's network"; return; }
	image "$img" 8
	rm -f "$sock"
	svmm_run boot_all_devices 60 run --kernel "$GUEST/Image" --initrd "$GUEST/rootfs.cpio.gz" \
		--cmdline "console=hvc0 quiet svmm.test=marker" --console virtio --cpus 2 --memory 256M \
		--disk "$img" --net user --rng --vsock "cid=3,socket=$sock"
	booted boot_all_devices || return
	# disk, net, console, rng, vsock: each bound to its driver.
	[ "$(value SVMM-GUEST-VIRTIO-BOUND)" = 5 ] ||
		{ fail boot_all_devices "'$(value SVMM-GUEST-VIRTIO-BOUND)' virtio devices bound, want 5"; return; }
	pass boot_all_devices
}


# Offloads on tap, end to end: the driver negotiates checksum and TCP segmentation
# offloads both ways, 8 MiB of random bytes go host to guest (the guest fetches them
# over HTTP) and back (the lab host fetches the guest's copy), both checked by md5,
# and svmm's counters show frames longer than any MTU crossing both ways.
scenario_net_tap_offload() {
	local httpd i=0 api=$LAB_TMP/net_tap_offload.api feat want back metrics
	lab_net_up || { fail net_tap_offload "cannot set up the lab host's network"; return; }
	mkdir -p "$LAB_TMP/wwwbig"
	head -c 8388608 /dev/urandom >"$LAB_TMP/wwwbig/blob"
	want=$(md5 <"$LAB_TMP/wwwbig/blob")
	httpd -f -p 8080 -h "$LAB_TMP/wwwbig" &
	httpd=$!
	guest_start net_tap_offload 120 "$GUEST_CMDLINE svmm.test=net svmm.modules=1 svmm.net=10.0.3.2/24 svmm.url=http://10.0.3.1:8080/blob svmm.serve=1" \
		--cpus 1 --memory 256M --net tap=tap0 --api "$api"
	while [ $i -lt 50 ] && [ ! -e /sys/class/net/tap0 ]; do sleep 0.1; i=$((i + 1)); done
	ip link set tap0 up 2>/dev/null && ip addr add 10.0.3.1/24 dev tap0 ||
		{ kill $httpd; guest_abort; fail net_tap_offload "svmm did not create tap0"; return; }
	if ! wait_for SVMM-GUEST-SERVING 90 $pid; then
		kill $httpd
		guest_abort
		fail net_tap_offload "no SVMM-GUEST-SERVING, $(status)"
		return
	fi
	back=$(timeout 60 wget -q -O - http://10.0.3.2/fetched | md5)
	metrics=$("$SVMM" ctl "$api" metrics 2>&1)
	echo done >&3
	guest_wait
	kill $httpd
	wait $httpd 2>/dev/null
	[ "$rc" = 0 ] || { fail net_tap_offload "$(status), want 0"; return; }
	# Bits 0 CSUM, 1 GUEST_CSUM, 7 GUEST_TSO4, 11 HOST_TSO4 of the driver's features.
	feat=$(value SVMM-GUEST-NETFEAT)
	case $feat in 11?????1???1*) ;; *)
		fail net_tap_offload "driver features '$feat': want CSUM, GUEST_CSUM, GUEST_TSO4, HOST_TSO4"
		return ;;
	esac
	[ "$(value md5)" = "$want" ] || { fail net_tap_offload "host to guest: md5 '$(value md5)', want $want"; return; }
	[ "$back" = "$want" ] || { fail net_tap_offload "guest to host: md5 '$back', want $want"; return; }
	# Mean frame sizes past 1514 bytes: segmentation offloads were used both ways.
	echo "$metrics" | awk -F': ' '
		/\.tx_frames:/ { txf = $2 } /\.tx_bytes:/ { txb = $2 }
		/\.rx_frames:/ { rxf = $2 } /\.rx_bytes:/ { rxb = $2 }
		END {
			printf "lab: net_tap_offload: mean frame %d bytes out, %d in\n", txb / (txf + !txf), rxb / (rxf + !rxf)
			exit !(txf > 0 && rxf > 0 && txb / txf > 1514 && rxb / rxf > 1514)
		}' || { fail net_tap_offload "no frame longer than an MTU either way: $(echo "$metrics" | grep -E 'tx_|rx_' | tr '\n' ' ')"; return; }
	[ "$(echo "$metrics" | sed -n 's/.*\.tx_errors: //p')" = 0 ] ||
		{ fail net_tap_offload "transmit errors: $(echo "$metrics" | grep tx_errors)"; return; }
	pass net_tap_offload
}

# SPDX-License-Identifier: Apache-2.0
# Durability under svmm's sudden death, sourced by scenarios.sh. Long (each
# trial boots a guest): not in the default run; `make check-durability` runs
# them. In each trial the guest writes numbered records, flushing each
# before it prints its number; svmm is killed -9 once the guest has
# acknowledged a randomly chosen record (the guest is still writing then);
# afterwards every acknowledged record must be in the image.
# LAB_TRIALS (run.sh passes it in) sets the trials per scenario, default 100.

# durability_trial NAME DISK-OPTIONS TRIAL: one trial; prints nothing when it
# held, else the reason.
durability_trial() {
	local name=$1 opts=$2 trial=$3 img=$4/durability.img k n got acked
	image "$img" 8
	# The record after which svmm dies: 1..40, different every trial.
	k=$(($(od -An -N2 -tu2 /dev/urandom) % 40 + 1))
	guest_start "$name" 120 "$GUEST_CMDLINE svmm.test=records svmm.modules=1" \
		--cpus 1 --memory 256M --disk "$img$opts"
	if ! wait_for "SVMM-REC-ACK=$k[^0-9]" 60 $pid; then
		guest_abort
		echo "trial $trial: no acknowledgement of record $k, $(status)"
		return
	fi
	kill -9 $pid
	guest_wait
	[ "$rc" = 137 ] || { echo "trial $trial: svmm $(status), want 137 (SIGKILL)"; return; }
	acked=$(tr -d '\r' <"$out" | sed -n 's/^SVMM-REC-ACK=\([0-9]*\)$/\1/p')
	for n in $acked; do
		got=$(dd if="$img" bs=512 skip="$n" count=1 2>/dev/null | tr -d '\0')
		[ "$got" = "svmm-record-$n" ] ||
			{ echo "trial $trial (killed after record $k): acknowledged record $n holds '$got'"; return; }
	done
	n=$(echo "$acked" | grep -c .)
	[ "$n" -ge "$k" ] || echo "trial $trial: $n records acknowledged, want >= $k"
}

# durability_run NAME DISK-OPTIONS DIR: LAB_TRIALS trials with the image in
# DIR; the first failure fails NAME.
durability_run() {
	local name=$1 opts=$2 dir=$3 trials=${LAB_TRIALS:-100} i=1 why
	while [ "$i" -le "$trials" ]; do
		why=$(durability_trial "$name" "$opts" "$i" "$dir")
		out=$LAB_TMP/$name.out err=$LAB_TMP/$name.err # for fail(): the trial ran in a subshell
		[ -z "$why" ] || { fail "$name" "$why"; return; }
		i=$((i + 1))
	done
	echo "  | $trials trials, svmm killed -9 mid-write, every acknowledged record in the image"
	pass "$name"
}

scenario_durability() { durability_run durability "" "$LAB_TMP"; }
# direct (O_DIRECT) needs a file system that has it: the lab host's ext4 disk.
scenario_durability_direct() {
	lab_disk_up || { fail durability_direct "cannot mount the lab host's ext4 disk"; return; }
	durability_run durability_direct ",direct" /mnt/disk
}

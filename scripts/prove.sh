#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make prove`: Frama-C WP proves the ACSL contracts of svmm's guest-facing
# parsers, with run-time-error goals (-wp-rte: overflow, shifts, division,
# pointer validity), on exactly the files listed below. Every goal must be
# proven; the script fails on the first file with an unproven goal and prints,
# per file, the goals, how many were proven and the time taken.
#
# Pinned: the provers (z3 and cvc4, the ones Debian's why3 1.5.1 detects; it
# does not know cvc5 1.0), the per-goal timeout and the WP options.
# Logs: build/prove/<file>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/prove
mkdir -p "$out"
# why3's prover list, detected here rather than in the user's ~/.why3.conf.
export WHY3CONFIG="$PWD/$out/why3.conf"
why3 --config="$WHY3CONFIG" config detect >"$out/why3-detect.log" 2>&1

# 30 s per goal: every goal here proves in a few seconds on a quiet host, but a
# loaded 2-core CI machine once let a 10 s bound expire on one that had passed.
timeout_s=${PROVE_TIMEOUT:-30}
# Each target is FILE:FUNCTIONS:MODEL:EXTRA-OPTIONS: the functions whose
# contracts are proven (the others in the file are not analysed, and their
# contracts are only used by callers), the WP memory model, and extra
# Frama-C options. -warn-unsigned-overflow (unsigned wrap-around is an RTE)
# is on where no arithmetic wraps by design; the syndrome decoder's PC
# arithmetic wraps like the hardware's, so it goes without.
# PROVE_ONLY=FILE proves one file. core/guest_mem.c converts between void * (which Frama-C
# sees as char *, signed on its x86_64 machdep) and uint8_t *: +cast accepts
# such casts, sound there because guest_mem itself never reads or writes
# through the pointers, only computes them (memcpy's contract is in char).
# virtio/virtqueue.c needs +cast for the same conversions (guest_mem_ptr's
# void * as uint8_t *, byte buffers passed as void *); it reads guest memory
# only through guest_mem_read and the 16-bit ring loads, whose results the
# proof takes as arbitrary values. load16_relaxed and store16_relaxed (the
# atomic builtins) are left out: their contracts are assumed. chain_copy and
# virtq_chain_read/write are not proven yet. virtio/mmio.c needs +cast for
# the bus's opaque pointer, which is always the struct virtio_mmio that
# virtio_mmio_init registered; it calls the device models only through
# virtio/device.c, whose contracts (and log_limited's) are assumed.
# arch/aarch64/vgic_dist.c needs +cast for its opaque pointer too (the struct
# vgic vgic_attach registered); the contracts of vgic_update_all and
# vgic_finished (arch/aarch64/vgic.c, not proven) are assumed. Its registers
# are shifts and masks, so it goes without -warn-unsigned-overflow.
targets=(
	"core/guest_mem.c:guest_mem_add,guest_mem_ptr,guest_mem_read,guest_mem_write,guest_mem_clear:Typed+cast:-warn-unsigned-overflow -warn-unsigned-downcast"
	"arch/aarch64/syndrome.c:esr_iss,arm64_reg_get,arm64_reg_set,arm64_esr_class,arm64_esr_il32,it_advance,arm64_skip_instruction,size_mask,arm64_size_bytes,arm64_reg_field,arm64_decode_data_abort,arm64_complete_data_abort:Typed:"
	"arch/aarch64/insn.c:field,sign_extend,size_mask,base_reg,arm64_size_bytes,arm64_reg_field,single_kind,take_store_values,indexed_address,decode_pair,decode_single,decode_literal,decode_ordered,decode_dc_zva,arm64_insn_decode,arm64_insn_span:Typed:"
	"virtio/virtqueue.c:load_le16,load_le32,load_le64,store_le32,avail_ring_bytes,used_ring_bytes,ring_load16,ring_store16,in_guest_ram,virtq_reset,virtq_enable,read_desc,add_segment,walk_indirect,walk_chain,virtq_next_chain,virtq_push_used_batch,virtq_push_used,virtq_needs_interrupt,virtq_publish_avail_event:Typed+cast:-warn-unsigned-overflow"
	"virtio/mmio.c:mmio_vm,access_kind,ignore_access,queue_count,selected_queue,virtio_mmio_reset,features_refusal,refuse_features,refuse_driver_ok,report_queue_not_enabled,write_status,write_driver_features,write_queue_ready,with_half,write_queue_config,register_write,device_features_word,register_read,config_access,virtio_mmio_access,virtio_mmio_notify:Typed+cast:-warn-unsigned-overflow"
	"arch/aarch64/vgic_dist.c:vgic_slice_count,vgic_slice_valid,vgic_cpu_mask,vgic_slice,vgic_priority_of,vgic_sgi_pending,vgic_slice_pending,vgic_set_spi_target,read_bit_reg,report_dropped,write_bit_reg,read_icfgr,write_icfgr,write_sgir,read_id,byte_accessible,read_byte,write_byte,read_word,write_word,vgic_dist_access:Typed+cast:"
)

wp_opts=(-wp -wp-rte -wp-prover z3,cvc4 -wp-timeout "$timeout_s" -wp-par 2
	 -machdep gcc_x86_64 -cpp-extra-args=-I.)

printf '%-28s %6s %7s %7s\n' file goals proven time
failed=0
all_start=$(date +%s)
for target in "${targets[@]}"; do
	[ -z "${PROVE_ONLY:-}" ] || [[ $target == "$PROVE_ONLY":* ]] || continue
	file=${target%%:*}
	rest=${target#*:}
	fcts=${rest%%:*}
	rest=${rest#*:}
	model=${rest%%:*}
	read -r -a extra <<<"${rest#*:}"
	log="$out/$(echo "$file" | tr / _).log"
	start=$(date +%s)
	frama-c "${wp_opts[@]}" -wp-model "$model" ${extra[@]+"${extra[@]}"} -wp-fct "$fcts" "$file" >"$log" 2>&1 || true
	secs=$(($(date +%s) - start))
	line=$(grep -E '^\[wp\] Proved goals: ' "$log" | tail -1 || true)
	proven=$(echo "$line" | sed -E 's/.*: *([0-9]+) *\/ *([0-9]+).*/\1/')
	goals=$(echo "$line" | sed -E 's/.*: *([0-9]+) *\/ *([0-9]+).*/\2/')
	printf '%-28s %6s %7s %6ss\n' "$file" "${goals:-?}" "${proven:-?}" "$secs"
	if [ -z "$line" ] || [ "$proven" != "$goals" ] || grep -qE '^\[kernel\].*(error|Error)' "$log"; then
		echo "prove: $file: not every goal proven (see $log):" >&2
		grep -E 'Timeout|Unknown|Failed|error' "$log" | head -20 >&2 || true
		failed=1
	fi
done
printf '%-28s %6s %7s %6ss\n' total '' '' "$(($(date +%s) - all_start))"
exit $failed

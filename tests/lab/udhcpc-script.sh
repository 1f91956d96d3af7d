#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# busybox udhcpc's lease script in the guest (/etc/udhcpc/default.script, as Debian builds it):
# applies the lease ($ip, $mask, $router, $mtu from udhcpc's environment) to
# $interface. passt offers MTU 65520: frames then span several receive buffers.
# shellcheck disable=SC2154 # udhcpc sets interface, ip, mask, mtu, router
case $1 in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -z "$mtu" ] || ip link set dev "$interface" mtu "$mtu"
	for r in $router; do
		ip route add default via "$r" dev "$interface"
		break
	done
	;;
esac
exit 0

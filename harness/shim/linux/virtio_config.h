/*
 * Shim for <linux/virtio_config.h>.
 * Provides: the uapi feature bits (VIRTIO_F_*, #include_next) and the byte
 * order helpers the kernel header brings in through <linux/virtio_byteorder.h>.
 * Stubbed: struct virtio_config_ops and the virtio device API.
 */
#ifndef VL_SHIM_LINUX_VIRTIO_CONFIG_H
#define VL_SHIM_LINUX_VIRTIO_CONFIG_H

#include <linux/types.h>
#include_next <linux/virtio_config.h>
#include <linux/virtio_byteorder.h>

#endif

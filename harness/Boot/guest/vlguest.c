// SPDX-License-Identifier: MIT
/*
 * vlguest: the in-guest program of `vhostlog boot` (docs/boot.md).
 *
 * It is /init of a small initramfs booted under QEMU with the distribution
 * kernel of the tree being checked. It is both the VMM and the guest of one
 * /dev/vhost-scsi device at a time: its own anonymous memory is the guest's
 * physical memory (one VHOST_SET_MEM_TABLE region at guest-physical 0), it
 * lays the split rings out by hand where the host's GuestLayout says, posts
 * virtio-scsi requests, kicks through eventfds and reads the dirty bitmap it
 * gave VHOST_SET_LOG_BASE. The disk behind the device is a LIO ramdisk set
 * up over configfs.
 *
 * It judges nothing. It reports what it did and saw as JSON lines on
 * /dev/ttyS1 (one object per line, "t" names the record), and the host
 * compares that with each variant's expectation and with the model.
 *
 * Input: /plan, lines of "key value..." written by the host (module files
 * to load, the guest layout, the workloads to run).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_scsi.h>

#define PAGE 4096UL
#define CONFIGFS "/sys/kernel/config"
#define CORE CONFIGFS "/target/core"
#define WWPN "naa.5001405000000001"
#define NEXUS "naa.5001405000000002"
#define TPG CONFIGFS "/target/vhost/" WWPN "/tpgt_1"
#define DISK_PAGES 256 /* 1 MiB ramdisks */
#define BLOCK 512
#define MAX_DESCS 64
#define WAIT_MS 10000

enum { Q_CTL, Q_EVT, Q_IO, NQ };

/* The guest layout, from the plan (the host's GuestLayout). */
static struct {
	unsigned long pages, queue_size, first_data_page, io_buffer_page,
		control_buffer_page, event_buffer_page, indirect_table_page,
		buffer_size, resp_offset;
	unsigned long desc_page[NQ], avail_page[NQ], used_page[NQ];
	/* the migration's I/O stream (the host's MigrationStream) */
	unsigned long read_area, read_pages, write_area, write_pages, group,
		reads_in_4;
} L;

static FILE *out;

/* ---------------------------------------------------------------- output */

static void emit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static _Noreturn void fail(const char *what)
{
	fprintf(out, "{\"t\":\"error\",\"what\":");
	json_string(out, what);
	fprintf(out, ",\"errno\":%d,\"strerror\":", errno);
	json_string(out, strerror(errno));
	fprintf(out, "}\n");
	fflush(out);
	_exit(3);
}

/* ------------------------------------------------------------ the system */

static void write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	char what[300];

	if (fd < 0 || write(fd, value, strlen(value)) < 0) {
		snprintf(what, sizeof(what), "write %s", path);
		fail(what);
	}
	close(fd);
}

static void make_dir(const char *path)
{
	char what[300];

	if (mkdir(path, 0755) && errno != EEXIST) {
		snprintf(what, sizeof(what), "mkdir %s", path);
		fail(what);
	}
}

static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? -1 : (int)syscall(SYS_finit_module, fd, "", 0);
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	fprintf(out, "{\"t\":\"module\",\"name\":");
	json_string(out, name);
	fprintf(out, ",\"ok\":%s,\"errno\":%d}\n", r == 0 ? "true" : "false",
		r == 0 ? 0 : errno);
	fflush(out);
	if (fd >= 0)
		close(fd);
}

/* A ramdisk backstore of target_core_mod (rd_mcp). */
static void make_ramdisk(const char *name)
{
	char dir[200], path[300], opt[64];

	make_dir(CORE "/rd_mcp_0");
	snprintf(dir, sizeof(dir), CORE "/rd_mcp_0/%s", name);
	make_dir(dir);
	snprintf(path, sizeof(path), "%s/control", dir);
	snprintf(opt, sizeof(opt), "rd_pages=%d", DISK_PAGES);
	write_file(path, opt);
	snprintf(path, sizeof(path), "%s/enable", dir);
	write_file(path, "1");
}

/* Export a ramdisk as LUN n of the vhost target. */
static void link_lun(int n, const char *disk)
{
	char lun[200], link[300], dev[200];

	snprintf(lun, sizeof(lun), TPG "/lun/lun_%d", n);
	make_dir(lun);
	snprintf(link, sizeof(link), "%s/port", lun);
	snprintf(dev, sizeof(dev), CORE "/rd_mcp_0/%s", disk);
	if (symlink(dev, link) && errno != EEXIST)
		fail("symlink lun");
}

static void unlink_lun(int n)
{
	char lun[200], link[300];

	snprintf(lun, sizeof(lun), TPG "/lun/lun_%d", n);
	snprintf(link, sizeof(link), "%s/port", lun);
	if (unlink(link) || rmdir(lun))
		fail("remove lun");
}

static void setup_target(void)
{
	make_ramdisk("disk0");
	make_ramdisk("disk1");
	make_dir(CONFIGFS "/target/vhost");
	make_dir(CONFIGFS "/target/vhost/" WWPN);
	make_dir(TPG);
	link_lun(0, "disk0");
	write_file(TPG "/nexus", NEXUS);
	emit("{\"t\":\"target\",\"wwpn\":\"%s\",\"tpgt\":1,\"luns\":[0]}", WWPN);
}

/* ---------------------------------------------------------- the device */

struct queue {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx, used_seen;
	int kick, call;
	uint64_t desc_gpa, avail_gpa, used_gpa;
};

struct dev {
	int fd;
	uint64_t features;
	uint8_t *mem;		/* guest-physical 0 */
	uint64_t *bitmap;	/* one bit per guest page */
	struct queue q[NQ];
	bool logging;
};

/* One buffer of a chain: guest-physical address, length, device-writable. */
struct buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static void *gpa_ptr(struct dev *d, uint64_t gpa)
{
	return d->mem + gpa;
}

static void set_vring_addr(struct dev *d, int i, bool log)
{
	struct queue *q = &d->q[i];
	struct vhost_vring_addr a = {
		.index = i,
		.flags = log ? 1u << VHOST_VRING_F_LOG : 0,
		.desc_user_addr = (uint64_t)(uintptr_t)q->desc,
		.avail_user_addr = (uint64_t)(uintptr_t)q->avail,
		.used_user_addr = (uint64_t)(uintptr_t)q->used,
		.log_guest_addr = q->used_gpa,
	};

	if (ioctl(d->fd, VHOST_SET_VRING_ADDR, &a))
		fail("VHOST_SET_VRING_ADDR");
}

/*
 * Logging on or off as QEMU switches it at the start and end of a
 * migration: VHOST_F_LOG_ALL in the features, then VHOST_VRING_F_LOG on
 * every ring.
 */
static void set_logging(struct dev *d, bool on)
{
	uint64_t f = d->features & ~(1ULL << VHOST_F_LOG_ALL);

	if (on)
		f |= 1ULL << VHOST_F_LOG_ALL;
	if (ioctl(d->fd, VHOST_SET_FEATURES, &f))
		fail("VHOST_SET_FEATURES");
	d->features = f;
	for (int i = 0; i < NQ; i++)
		set_vring_addr(d, i, on);
	d->logging = on;
}

static void dev_open(struct dev *d, uint8_t *mem, uint64_t *bitmap)
{
	struct vhost_memory *m;
	struct vhost_scsi_target t = { 0 };
	uint64_t offered, base = (uint64_t)(uintptr_t)bitmap;
	int abi;

	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->bitmap = bitmap;
	d->fd = open("/dev/vhost-scsi", O_RDWR);
	if (d->fd < 0)
		fail("open /dev/vhost-scsi");
	if (ioctl(d->fd, VHOST_SET_OWNER))
		fail("VHOST_SET_OWNER");
	if (ioctl(d->fd, VHOST_GET_FEATURES, &offered))
		fail("VHOST_GET_FEATURES");
	d->features = offered & (1ULL << VIRTIO_F_VERSION_1 |
				 1ULL << VIRTIO_RING_F_INDIRECT_DESC |
				 1ULL << VIRTIO_SCSI_F_HOTPLUG);
	if (ioctl(d->fd, VHOST_SET_FEATURES, &d->features))
		fail("VHOST_SET_FEATURES");

	m = calloc(1, sizeof(*m) + sizeof(m->regions[0]));
	m->nregions = 1;
	m->regions[0].guest_phys_addr = 0;
	m->regions[0].memory_size = L.pages * PAGE;
	m->regions[0].userspace_addr = (uint64_t)(uintptr_t)mem;
	if (ioctl(d->fd, VHOST_SET_MEM_TABLE, m))
		fail("VHOST_SET_MEM_TABLE");
	free(m);
	if (ioctl(d->fd, VHOST_SET_LOG_BASE, &base))
		fail("VHOST_SET_LOG_BASE");

	for (int i = 0; i < NQ; i++) {
		struct queue *q = &d->q[i];
		struct vhost_vring_state num = { .index = i, .num = L.queue_size };
		struct vhost_vring_state vbase = { .index = i, .num = 0 };
		struct vhost_vring_file kick, call;

		q->desc_gpa = L.desc_page[i] * PAGE;
		q->avail_gpa = L.avail_page[i] * PAGE;
		q->used_gpa = L.used_page[i] * PAGE;
		q->desc = gpa_ptr(d, q->desc_gpa);
		q->avail = gpa_ptr(d, q->avail_gpa);
		q->used = gpa_ptr(d, q->used_gpa);
		memset(q->desc, 0, PAGE);
		memset(q->avail, 0, PAGE);
		memset(q->used, 0, PAGE);
		q->kick = eventfd(0, EFD_CLOEXEC);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		kick = (struct vhost_vring_file){ .index = i, .fd = q->kick };
		call = (struct vhost_vring_file){ .index = i, .fd = q->call };
		if (ioctl(d->fd, VHOST_SET_VRING_NUM, &num))
			fail("VHOST_SET_VRING_NUM");
		if (ioctl(d->fd, VHOST_SET_VRING_BASE, &vbase))
			fail("VHOST_SET_VRING_BASE");
		set_vring_addr(d, i, false);
		if (ioctl(d->fd, VHOST_SET_VRING_KICK, &kick))
			fail("VHOST_SET_VRING_KICK");
		if (ioctl(d->fd, VHOST_SET_VRING_CALL, &call))
			fail("VHOST_SET_VRING_CALL");
	}
	set_logging(d, true);

	if (ioctl(d->fd, VHOST_SCSI_GET_ABI_VERSION, &abi))
		fail("VHOST_SCSI_GET_ABI_VERSION");
	t.abi_version = abi;
	strncpy(t.vhost_wwpn, WWPN, sizeof(t.vhost_wwpn) - 1);
	t.vhost_tpgt = 1;
	if (ioctl(d->fd, VHOST_SCSI_SET_ENDPOINT, &t))
		fail("VHOST_SCSI_SET_ENDPOINT");
}

static void dev_close(struct dev *d)
{
	struct vhost_scsi_target t = { 0 };

	t.abi_version = VHOST_SCSI_ABI_VERSION;
	strncpy(t.vhost_wwpn, WWPN, sizeof(t.vhost_wwpn) - 1);
	t.vhost_tpgt = 1;
	if (ioctl(d->fd, VHOST_SCSI_CLEAR_ENDPOINT, &t))
		fail("VHOST_SCSI_CLEAR_ENDPOINT");
	close(d->fd);
	for (int i = 0; i < NQ; i++) {
		close(d->q[i].kick);
		close(d->q[i].call);
	}
}

/*
 * Take the ring's vq->mutex once (VHOST_GET_VRING_BASE locks it): the
 * series writes the log of control and event responses after it signals
 * the call eventfd, inside the same locked region.
 */
static void sync_queue(struct dev *d, int i)
{
	struct vhost_vring_state s = { .index = i };

	if (ioctl(d->fd, VHOST_GET_VRING_BASE, &s))
		fail("VHOST_GET_VRING_BASE");
}

/* ------------------------------------------------------------- requests */

/*
 * Post one chain on queue i. Chains of 2 to 16 buffers go into an
 * indirect table when asked; the table slot is the queue's own page area
 * so tables of different queues never collide.
 */
static uint16_t post(struct dev *d, int i, const struct buf *b, int n,
		     bool indirect)
{
	struct queue *q = &d->q[i];
	uint16_t head = q->avail_idx % L.queue_size;
	struct vring_desc *table;

	if (indirect) {
		uint64_t tgpa = L.indirect_table_page * PAGE + i * 16 * 16UL;

		table = gpa_ptr(d, tgpa);
		for (int k = 0; k < n; k++) {
			table[k].addr = b[k].gpa;
			table[k].len = b[k].len;
			table[k].flags = (b[k].write ? VRING_DESC_F_WRITE : 0) |
					 (k + 1 < n ? VRING_DESC_F_NEXT : 0);
			table[k].next = k + 1 < n ? k + 1 : 0;
		}
		q->desc[head].addr = tgpa;
		q->desc[head].len = n * sizeof(struct vring_desc);
		q->desc[head].flags = VRING_DESC_F_INDIRECT;
		q->desc[head].next = 0;
	} else {
		/* slots head .. head+n-1 (mod size), one request in flight */
		for (int k = 0; k < n; k++) {
			uint16_t s = (head + k) % L.queue_size;

			q->desc[s].addr = b[k].gpa;
			q->desc[s].len = b[k].len;
			q->desc[s].flags = (b[k].write ? VRING_DESC_F_WRITE : 0) |
					   (k + 1 < n ? VRING_DESC_F_NEXT : 0);
			q->desc[s].next = (head + k + 1) % L.queue_size;
		}
	}
	q->avail->ring[q->avail_idx % L.queue_size] = head;
	__atomic_store_n(&q->avail->idx, (uint16_t)(q->avail_idx + 1),
			 __ATOMIC_RELEASE);
	q->avail_idx++;
	return head;
}

static void kick(struct dev *d, int i)
{
	uint64_t one = 1;

	if (write(d->q[i].kick, &one, sizeof(one)) != sizeof(one))
		fail("kick");
}

/* Wait until queue i's used index passes what we saw; false on timeout. */
static bool wait_used(struct dev *d, int i, int ms)
{
	struct queue *q = &d->q[i];
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		uint16_t idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
		struct pollfd p = { .fd = q->call, .events = POLLIN };
		uint64_t v;
		long waited;

		if (idx != q->used_seen) {
			q->used_seen++;
			return true;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
			 (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= ms)
			return false;
		if (poll(&p, 1, 20) > 0 && read(q->call, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			fail("read call eventfd");
	}
}

/*
 * Answers beyond the one wait_used() took: a request must get exactly one
 * used entry. Read once the ring's mutex was taken (sync_queue), so that
 * whatever the device was going to write for it is written.
 */
static int extra_answers(struct dev *d, int i)
{
	struct queue *q = &d->q[i];
	uint16_t idx = __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE);
	int extra = (uint16_t)(idx - q->used_seen);

	q->used_seen = idx;
	return extra;
}

/*
 * Wait for the answer; when none comes, kick once more (a request the
 * device put back with vhost_discard_vq_desc() is taken again on the next
 * kick) and wait a little longer.
 */
static bool wait_answer(struct dev *d, int i, int ms, bool *rekicked)
{
	uint64_t one = 1;

	*rekicked = false;
	if (wait_used(d, i, ms))
		return true;
	*rekicked = true;
	if (write(d->q[i].kick, &one, sizeof(one)) != sizeof(one))
		fail("kick");
	return wait_used(d, i, 2000);
}

static void clear_bitmap(struct dev *d)
{
	for (unsigned long w = 0; w < (L.pages + 63) / 64; w++)
		__atomic_store_n(&d->bitmap[w], 0, __ATOMIC_SEQ_CST);
}

/* "dirty":[pages...] from the bitmap. */
static void print_dirty(struct dev *d)
{
	bool first = true;

	fprintf(out, "\"dirty\":[");
	for (unsigned long p = 0; p < L.pages; p++)
		if (d->bitmap[p / 64] & (1ULL << (p % 64))) {
			fprintf(out, "%s%lu", first ? "" : ",", p);
			first = false;
		}
	fprintf(out, "]");
}

static void print_chain(const struct buf *b, int n)
{
	fprintf(out, "\"chain\":[");
	for (int k = 0; k < n; k++)
		fprintf(out, "%s[%llu,%u,%d]", k ? "," : "",
			(unsigned long long)b[k].gpa, b[k].len, b[k].write);
	fprintf(out, "]");
}

static uint64_t io_buffer(int k)
{
	return L.io_buffer_page * PAGE + k * L.buffer_size;
}

static uint64_t ctl_buffer(int k)
{
	return L.control_buffer_page * PAGE + k * L.buffer_size;
}

static uint64_t evt_buffer(int k)
{
	return L.event_buffer_page * PAGE + k * 16UL;
}

static uint64_t data_page(unsigned long k)
{
	return (L.first_data_page + k) * PAGE;
}

static void fill_lun(uint8_t lun[8], int target, int n)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[1] = target;
	lun[2] = 0x40 | (n >> 8);
	lun[3] = n & 0xff;
}

struct cmd_result {
	bool done, rekicked;
	int answers;
	uint8_t response, status, sense_key, asc;
	uint32_t resid;
};

/*
 * One SCSI command on the I/O queue: request header in I/O buffer slot,
 * response right after it (GuestLayout.RespOffset), data pages as given.
 * Reports a "request" line with the chain, the result and (when asked) the
 * dirty pages after it.
 */
static struct cmd_result scsi_cmd(struct dev *d, const char *w,
				  const char *step, int slot, int target,
				  int lun, const uint8_t *cdb, int cdb_len,
				  const uint64_t *data, int ndata, bool data_in,
				  bool indirect, bool report)
{
	struct buf b[MAX_DESCS];
	int n = 0;
	uint64_t req_gpa = io_buffer(slot), resp_gpa = req_gpa + L.resp_offset;
	struct virtio_scsi_cmd_req *req = gpa_ptr(d, req_gpa);
	struct virtio_scsi_cmd_resp *resp = gpa_ptr(d, resp_gpa);
	struct cmd_result r = { 0 };

	memset(req, 0, sizeof(*req));
	fill_lun(req->lun, target, lun);
	req->tag = 0x1000 + slot;
	memcpy(req->cdb, cdb, cdb_len);
	memset(resp, 0xee, sizeof(*resp));

	b[n++] = (struct buf){ req_gpa, sizeof(*req), false };
	if (!data_in)
		for (int k = 0; k < ndata; k++)
			b[n++] = (struct buf){ data[k], PAGE, false };
	b[n++] = (struct buf){ resp_gpa, sizeof(*resp), true };
	if (data_in)
		for (int k = 0; k < ndata; k++)
			b[n++] = (struct buf){ data[k], PAGE, true };

	if (report)
		clear_bitmap(d);
	post(d, Q_IO, b, n, indirect && n <= 16);
	kick(d, Q_IO);
	r.done = wait_answer(d, Q_IO, WAIT_MS, &r.rekicked);
	sync_queue(d, Q_IO);
	r.answers = r.done + extra_answers(d, Q_IO);
	r.response = resp->response;
	r.status = resp->status;
	r.resid = resp->resid;
	if (resp->sense_len >= 14) {
		r.sense_key = resp->sense[2] & 0xf;
		r.asc = resp->sense[12];
	}
	if (report) {
		fprintf(out, "{\"t\":\"request\",\"w\":\"%s\",\"step\":\"%s\","
			"\"queue\":\"io\",\"indirect\":%s,", w, step,
			indirect && n <= 16 ? "true" : "false");
		print_chain(b, n);
		fprintf(out, ",\"done\":%s,\"answers\":%d,\"rekicked\":%s,"
			"\"response\":%u,\"status\":%u,"
			"\"sense_key\":%u,\"asc\":%u,\"logging\":%s,",
			r.done ? "true" : "false", r.answers,
			r.rekicked ? "true" : "false", r.response, r.status,
			r.sense_key, r.asc, d->logging ? "true" : "false");
		print_dirty(d);
		fprintf(out, "}\n");
		fflush(out);
	}
	return r;
}

static void cdb_rw(uint8_t *cdb, bool read, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = read ? 0x28 : 0x2a;
	cdb[2] = lba >> 24;
	cdb[3] = lba >> 16;
	cdb[4] = lba >> 8;
	cdb[5] = lba;
	cdb[7] = blocks >> 8;
	cdb[8] = blocks;
}

/*
 * READ(10) or WRITE(10) of whole pages; a UNIT ATTENTION (which a LUN
 * reset leaves behind) is reported and the command sent again.
 */
static struct cmd_result rw_pages(struct dev *d, const char *w,
				  const char *step, bool read, uint32_t lba,
				  const uint64_t *pages, int n, bool indirect)
{
	uint8_t cdb[10];
	struct cmd_result r;

	cdb_rw(cdb, read, lba, n * (PAGE / BLOCK));
	for (int attempt = 0; attempt < 3; attempt++) {
		r = scsi_cmd(d, w, step, 0, 1, 0, cdb, 10, pages, n, read,
			     indirect, true);
		if (!(r.done && r.status == 2 && r.sense_key == 6))
			break;
	}
	return r;
}

static void fill_pattern(struct dev *d, uint64_t gpa, uint32_t seed)
{
	uint32_t *p = gpa_ptr(d, gpa);

	for (unsigned long k = 0; k < PAGE / 4; k++)
		p[k] = seed * 2654435761u + k;
}

static bool check_pattern(struct dev *d, uint64_t gpa, uint32_t seed)
{
	uint32_t *p = gpa_ptr(d, gpa);

	for (unsigned long k = 0; k < PAGE / 4; k++)
		if (p[k] != seed * 2654435761u + k)
			return false;
	return true;
}

static void report_data(const char *w, const char *step, int good, int n)
{
	emit("{\"t\":\"data\",\"w\":\"%s\",\"step\":\"%s\",\"pages\":%d,"
	     "\"correct\":%d}", w, step, n, good);
}

/* --------------------------------------------------------------- workloads */

#define SWAP_PAGES 8

/*
 * swapin: WRITE a pattern from 8 pages, then READ it back into 8 other
 * pages, every other page apart, through a direct chain and then through
 * an indirect table; the data must come back in every variant.
 */
static void w_swapin(struct dev *d)
{
	uint64_t src[SWAP_PAGES], dst[SWAP_PAGES];
	int good;

	for (int k = 0; k < SWAP_PAGES; k++) {
		src[k] = data_page(k);
		dst[k] = data_page(16 + 2 * k);
		fill_pattern(d, src[k], 100 + k);
	}
	rw_pages(d, "swapin", "write", false, 0, src, SWAP_PAGES, false);
	for (int pass = 0; pass < 2; pass++) {
		const char *step = pass ? "read-indirect" : "read-direct";

		for (int k = 0; k < SWAP_PAGES; k++)
			memset(gpa_ptr(d, dst[k]), 0, PAGE);
		rw_pages(d, "swapin", step, true, 0, dst, SWAP_PAGES, pass);
		good = 0;
		for (int k = 0; k < SWAP_PAGES; k++)
			good += check_pattern(d, dst[k], 100 + k);
		report_data("swapin", step, good, SWAP_PAGES);
	}
}

/* onoff: READs with logging on, off, and on again (migration start, end, retry). */
static void w_onoff(struct dev *d)
{
	uint64_t src[4], dst[4];
	static const char *const steps[] = { "read-on", "read-off", "read-on-again" };
	int good;

	for (int k = 0; k < 4; k++) {
		src[k] = data_page(40 + k);
		dst[k] = data_page(48 + k);
		fill_pattern(d, src[k], 300 + k);
	}
	rw_pages(d, "onoff", "write", false, 64, src, 4, false);
	for (int s = 0; s < 3; s++) {
		set_logging(d, s != 1);
		for (int k = 0; k < 4; k++)
			memset(gpa_ptr(d, dst[k]), 0, PAGE);
		rw_pages(d, "onoff", steps[s], true, 64, dst, 4, s == 2);
		good = 0;
		for (int k = 0; k < 4; k++)
			good += check_pattern(d, dst[k], 300 + k);
		report_data("onoff", steps[s], good, 4);
	}
}

/* One control-queue request; reports the chain, the response and the log. */
static void ctl_request(struct dev *d, const char *w, const char *step,
			int slot, const void *req, uint32_t req_len,
			uint32_t resp_len, bool expect_answer)
{
	struct buf b[2];
	uint64_t req_gpa = ctl_buffer(slot), resp_gpa = req_gpa + L.resp_offset;
	uint8_t *resp = gpa_ptr(d, resp_gpa);
	bool done, rekicked;
	int answers;

	memcpy(gpa_ptr(d, req_gpa), req, req_len);
	memset(resp, 0xee, resp_len);
	b[0] = (struct buf){ req_gpa, req_len, false };
	b[1] = (struct buf){ resp_gpa, resp_len, true };
	clear_bitmap(d);
	post(d, Q_CTL, b, 2, false);
	kick(d, Q_CTL);
	done = wait_answer(d, Q_CTL, expect_answer ? WAIT_MS : 1000, &rekicked);
	sync_queue(d, Q_CTL);
	answers = done + extra_answers(d, Q_CTL);
	fprintf(out, "{\"t\":\"request\",\"w\":\"%s\",\"step\":\"%s\","
		"\"queue\":\"control\",\"indirect\":false,", w, step);
	print_chain(b, 2);
	fprintf(out, ",\"done\":%s,\"answers\":%d,\"rekicked\":%s,"
		"\"response\":%u,\"logging\":%s,",
		done ? "true" : "false", answers, rekicked ? "true" : "false",
		resp_len == 1 ? resp[0] : resp[4], d->logging ? "true" : "false");
	print_dirty(d);
	fprintf(out, "}\n");
	fflush(out);
}

static void tmf(struct dev *d, const char *w, const char *step, int slot,
		int target, uint32_t subtype)
{
	struct virtio_scsi_ctrl_tmf_req req = {
		.type = VIRTIO_SCSI_T_TMF, .subtype = subtype, .tag = 0,
	};

	fill_lun(req.lun, target, 0);
	ctl_request(d, w, step, slot, &req, sizeof(req),
		    sizeof(struct virtio_scsi_ctrl_tmf_resp), true);
}

/* control: a LUN RESET, an ABORT TASK (rejected at once) and an AN query. */
static void w_control(struct dev *d)
{
	struct virtio_scsi_ctrl_an_req an = {
		.type = VIRTIO_SCSI_T_AN_QUERY, .event_requested = 0,
	};

	tmf(d, "control", "lun-reset", 0, 1,
	    VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET);
	tmf(d, "control", "abort-task", 1, 1, VIRTIO_SCSI_T_TMF_ABORT_TASK);
	fill_lun(an.lun, 1, 0);
	ctl_request(d, "control", "an-query", 2, &an, sizeof(an),
		    sizeof(struct virtio_scsi_ctrl_an_resp), true);
}

/* Post one event buffer; returns its gpa. */
static uint64_t post_event_buffer(struct dev *d, int slot)
{
	struct buf b = { evt_buffer(slot), sizeof(struct virtio_scsi_event), true };

	memset(gpa_ptr(d, b.gpa), 0xee, b.len);
	post(d, Q_EVT, &b, 1, false);
	return b.gpa;
}

static void report_event(struct dev *d, const char *step, uint64_t gpa,
			 bool done)
{
	struct virtio_scsi_event *e = gpa_ptr(d, gpa);
	struct buf b = { gpa, sizeof(*e), true };

	int answers;

	sync_queue(d, Q_EVT);
	answers = done + extra_answers(d, Q_EVT);
	fprintf(out, "{\"t\":\"request\",\"w\":\"event\",\"step\":\"%s\","
		"\"queue\":\"event\",\"indirect\":false,", step);
	print_chain(&b, 1);
	fprintf(out, ",\"done\":%s,\"answers\":%d,\"event\":%u,"
		"\"reason\":%u,\"lun\":%u,\"logging\":%s,",
		done ? "true" : "false", answers, e->event, e->reason,
		e->lun[3], d->logging ? "true" : "false");
	print_dirty(d);
	fprintf(out, "}\n");
	fflush(out);
}

/*
 * event: the VMM says events were missed (VHOST_SCSI_SET_EVENTS_MISSED) and
 * kicks the event queue; then a LUN is hot-added and hot-removed through
 * configfs. Each event goes into a buffer the guest posted.
 */
static void w_event(struct dev *d)
{
	uint32_t missed = 1;
	uint64_t gpa;
	bool done;

	clear_bitmap(d);
	gpa = post_event_buffer(d, 0);
	if (ioctl(d->fd, VHOST_SCSI_SET_EVENTS_MISSED, &missed))
		fail("VHOST_SCSI_SET_EVENTS_MISSED");
	kick(d, Q_EVT);
	done = wait_used(d, Q_EVT, WAIT_MS);
	report_event(d, "events-missed", gpa, done);

	clear_bitmap(d);
	gpa = post_event_buffer(d, 1);
	link_lun(1, "disk1");
	done = wait_used(d, Q_EVT, WAIT_MS);
	report_event(d, "lun-added", gpa, done);

	clear_bitmap(d);
	gpa = post_event_buffer(d, 2);
	unlink_lun(1);
	done = wait_used(d, Q_EVT, WAIT_MS);
	report_event(d, "lun-removed", gpa, done);
}

/*
 * errors: requests the guest can get wrong. A target that does not exist
 * (BAD TARGET from vhost-scsi itself), a LUN that does not exist (LIO
 * answers CHECK CONDITION), and a TMF for a target that does not exist.
 */
static void w_errors(struct dev *d)
{
	uint8_t cdb[10];
	uint64_t page = data_page(60);

	cdb_rw(cdb, true, 0, PAGE / BLOCK);
	scsi_cmd(d, "errors", "bad-target", 1, 5, 0, cdb, 10, &page, 1, true,
		 false, true);
	scsi_cmd(d, "errors", "bad-lun", 2, 1, 7, cdb, 10, &page, 1, true,
		 false, true);
	tmf(d, "errors", "tmf-bad-target", 3, 5,
	    VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET);
}

/*
 * alloc-fail: the verification build's injection point
 * (vhostlog_fail_log_alloc, a parameter of the vhost_scsi module we build,
 * never of the series) makes the next log allocation fail. The request
 * must still get exactly one answer (the tree's: TASK SET FULL, or BAD
 * TARGET where the tree has no TASK SET FULL), and its pages be logged;
 * the next request must be served as usual.
 */
static char fail_alloc[400];	/* the injection point's sysfs file, from /plan */

static void w_allocfail(struct dev *d)
{
	uint8_t cdb[10];
	uint64_t page = data_page(90);
	struct virtio_scsi_ctrl_tmf_req req = {
		.type = VIRTIO_SCSI_T_TMF,
		.subtype = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
	};

	if (!fail_alloc[0] || access(fail_alloc, W_OK)) {
		emit("{\"t\":\"skip\",\"w\":\"alloc-fail\",\"why\":"
		     "\"these modules have no allocation-failure injection "
		     "point (only the series' verification build has one)\"}");
		return;
	}
	cdb_rw(cdb, true, 0, PAGE / BLOCK);
	write_file(fail_alloc, "1");
	scsi_cmd(d, "alloc-fail", "io-log-alloc", 4, 1, 0, cdb, 10, &page, 1,
		 true, false, true);
	rw_pages(d, "alloc-fail", "io-after", true, 0, &page, 1, false);
	write_file(fail_alloc, "1");
	fill_lun(req.lun, 1, 0);
	ctl_request(d, "alloc-fail", "tmf-log-alloc", 4, &req, sizeof(req),
		    sizeof(struct virtio_scsi_ctrl_tmf_resp), true);
	write_file(fail_alloc, "0");
}

/* ------------------------------------------------------------- migration */

/*
 * migrate: a pre-copy live migration of this guest's memory while an I/O
 * stream runs. The source is d->mem, the destination a buffer of the same
 * size. Round 0 sends every page; each later round exchanges every bitmap
 * word with 0 (atomically, as QEMU does), ORs in the pages the guest's CPU
 * wrote (what KVM's dirty log would give) and sends those pages. Then the
 * stream stops, the device stops (CLEAR_ENDPOINT flushes it), one last
 * sync, and the destination is compared with the source page by page.
 */
struct stream {
	struct dev *d;
	uint64_t *cpu_dirty;	/* pages the guest CPU wrote */
	volatile int stop;
	unsigned long reads, writes, generation;
};

/*
 * The stream swaps in (READ, reads_in_4 times in four) into page groups of
 * a read area and swaps out (WRITE) from a separate write area whose pages
 * the CPU fills first, so that a page the device wrote is only ever sent
 * again because its bit in the device's log says so.
 */
#define MAX_GROUP 16

static void cpu_wrote(struct stream *s, uint64_t gpa, uint64_t len)
{
	for (uint64_t p = gpa / PAGE; p <= (gpa + len - 1) / PAGE; p++)
		__atomic_fetch_or(&s->cpu_dirty[p / 64], 1ULL << (p % 64),
				  __ATOMIC_SEQ_CST);
}

static void *stream_main(void *arg)
{
	struct stream *s = arg;
	struct dev *d = s->d;
	uint32_t x = 12345;
	uint8_t cdb[10];

	while (!s->stop) {
		uint64_t pages[MAX_GROUP];
		unsigned long g = L.group;
		uint32_t lba;
		bool read;
		struct cmd_result r;

		x = x * 1103515245 + 12345;
		lba = ((x >> 4) % (DISK_PAGES / g)) * g * (PAGE / BLOCK);
		read = ((x >> 20) & 3) < L.reads_in_4;
		for (unsigned long k = 0; k < g; k++)
			pages[k] = data_page(read ?
				L.read_area + ((x >> 8) % (L.read_pages / g)) * g + k :
				L.write_area + ((x >> 8) % (L.write_pages / g)) * g + k);
		if (!read) {
			s->generation++;
			for (unsigned long k = 0; k < g; k++) {
				fill_pattern(d, pages[k], s->generation * 64 + k);
				cpu_wrote(s, pages[k], PAGE);
			}
		}
		cdb_rw(cdb, read, lba, g * (PAGE / BLOCK));
		/* the header, response and ring slots the CPU writes */
		cpu_wrote(s, io_buffer(0), L.buffer_size);
		cpu_wrote(s, d->q[Q_IO].desc_gpa, PAGE);
		cpu_wrote(s, d->q[Q_IO].avail_gpa, PAGE);
		r = scsi_cmd(d, "migrate", "stream", 0, 1, 0, cdb, 10, pages, g,
			     read, false, false);
		if (!r.done)
			break;
		if (read)
			s->reads++;
		else
			s->writes++;
	}
	return NULL;
}

/* Collect and clear the logs: returns the pages to send in `send`. */
static unsigned long sync_logs(struct dev *d, struct stream *s, uint64_t *send,
			       unsigned long *vhost_pages)
{
	unsigned long n = 0, v = 0;

	for (unsigned long w = 0; w < (L.pages + 63) / 64; w++) {
		uint64_t dev_bits = __atomic_exchange_n(&d->bitmap[w], 0,
							__ATOMIC_SEQ_CST);
		uint64_t cpu_bits = __atomic_exchange_n(&s->cpu_dirty[w], 0,
							__ATOMIC_SEQ_CST);

		v += __builtin_popcountll(dev_bits);
		send[w] = dev_bits | cpu_bits;
		n += __builtin_popcountll(send[w]);
	}
	*vhost_pages = v;
	return n;
}

static void send_pages(struct dev *d, uint8_t *dest, const uint64_t *send)
{
	for (unsigned long p = 0; p < L.pages; p++)
		if (send[p / 64] & (1ULL << (p % 64)))
			memcpy(dest + p * PAGE, d->mem + p * PAGE, PAGE);
}

static void w_migrate(struct dev *d)
{
	unsigned long words = (L.pages + 63) / 64, lost = 0, vhost_pages;
	uint64_t *send = calloc(words, 8);
	uint8_t *dest = malloc(L.pages * PAGE);
	struct stream s = { .d = d, .cpu_dirty = calloc(words, 8) };
	pthread_t t;
	bool first = true;

	if (!L.group || L.group > MAX_GROUP || L.group > DISK_PAGES ||
	    L.read_pages < L.group || L.write_pages < L.group ||
	    L.pages < L.first_data_page + L.read_area + L.read_pages ||
	    L.pages < L.first_data_page + L.write_area + L.write_pages)
		fail("the stream in /plan does not fit the guest");
	if (!send || !dest || !s.cpu_dirty)
		fail("allocate the destination");
	/* The disk starts with known contents. */
	clear_bitmap(d);
	if (pthread_create(&t, NULL, stream_main, &s))
		fail("pthread_create");
	/* round 0: everything */
	for (unsigned long w = 0; w < words; w++)
		send[w] = ~0ULL;
	send_pages(d, dest, send);
	emit("{\"t\":\"round\",\"w\":\"migrate\",\"round\":0,\"sent\":%lu}",
	     L.pages);
	for (int round = 1; round <= 6; round++) {
		unsigned long n;

		usleep(150 * 1000);
		n = sync_logs(d, &s, send, &vhost_pages);
		send_pages(d, dest, send);
		emit("{\"t\":\"round\",\"w\":\"migrate\",\"round\":%d,"
		     "\"sent\":%lu,\"vhost_logged\":%lu,\"reads\":%lu,"
		     "\"writes\":%lu}", round, n, vhost_pages, s.reads, s.writes);
	}
	s.stop = 1;
	pthread_join(t, NULL);
	/* stop the device as QEMU does: no request in flight after this */
	dev_close(d);
	{
		unsigned long n = sync_logs(d, &s, send, &vhost_pages);

		send_pages(d, dest, send);
		emit("{\"t\":\"round\",\"w\":\"migrate\",\"round\":\"final\","
		     "\"sent\":%lu,\"vhost_logged\":%lu,\"reads\":%lu,"
		     "\"writes\":%lu}", n, vhost_pages, s.reads, s.writes);
	}
	fprintf(out, "{\"t\":\"migration\",\"w\":\"migrate\",\"reads\":%lu,"
		"\"writes\":%lu,\"lost_pages\":[", s.reads, s.writes);
	for (unsigned long p = 0; p < L.pages; p++)
		if (memcmp(dest + p * PAGE, d->mem + p * PAGE, PAGE)) {
			if (lost < 256)
				fprintf(out, "%s%lu", first ? "" : ",", p);
			first = false;
			lost++;
		}
	fprintf(out, "],\"lost\":%lu}\n", lost);
	fflush(out);
	d->fd = -1;
}

/* ------------------------------------------------------------ self-tests */

/* selftest-hang: never returns; the host must stop the guest at its timeout. */
static void w_selftest_hang(struct dev *d)
{
	(void)d;
	for (;;)
		pause();
}

/* selftest-panic: the kernel panics; the host must report it with the console. */
static void w_selftest_panic(struct dev *d)
{
	(void)d;
	write_file("/proc/sysrq-trigger", "c");
}

/* ------------------------------------------------------------------ main */

struct workload {
	const char *name;
	void (*run)(struct dev *d);
};

static const struct workload workloads[] = {
	{ "swapin", w_swapin },   { "onoff", w_onoff },
	{ "control", w_control }, { "event", w_event },
	{ "errors", w_errors },   { "migrate", w_migrate },
	{ "alloc-fail", w_allocfail },
	{ "selftest-hang", w_selftest_hang },
	{ "selftest-panic", w_selftest_panic },
};

/* Each workload in a child on a fresh device: a crash is reported, not fatal. */
static void run_workload(const char *name)
{
	const struct workload *w = NULL;
	pid_t pid;
	int status;

	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(workloads[i].name, name))
			w = &workloads[i];
	if (!w) {
		emit("{\"t\":\"workload\",\"w\":\"%s\",\"result\":\"unknown\"}",
		     name);
		return;
	}
	emit("{\"t\":\"workload\",\"w\":\"%s\",\"result\":\"start\"}", name);
	pid = fork();
	if (pid == 0) {
		uint8_t *mem = mmap(NULL, L.pages * PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				    -1, 0);
		uint64_t *bitmap = aligned_alloc(PAGE, PAGE + L.pages / 8);
		struct dev d;

		if (mem == MAP_FAILED || !bitmap)
			fail("allocate guest memory");
		memset(bitmap, 0, PAGE + L.pages / 8);
		dev_open(&d, mem, bitmap);
		w->run(&d);
		if (d.fd >= 0)
			dev_close(&d);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		fail("fork workload");
	if (WIFEXITED(status))
		emit("{\"t\":\"workload\",\"w\":\"%s\",\"result\":\"exit\","
		     "\"code\":%d}", name, WEXITSTATUS(status));
	else
		emit("{\"t\":\"workload\",\"w\":\"%s\",\"result\":\"signal\","
		     "\"signal\":%d}", name, WTERMSIG(status));
}

/* The kernel log, every record, for the host to scan. */
static void dump_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	char rec[8192];
	ssize_t n;

	if (fd < 0)
		return;
	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = 0;
		fprintf(out, "{\"t\":\"kmsg\",\"r\":");
		json_string(out, rec);
		fprintf(out, "}\n");
	}
	fflush(out);
	close(fd);
}

static void report_taint(void)
{
	char buf[64] = "";
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = 0;
		close(fd);
	}
	emit("{\"t\":\"taint\",\"value\":%lu}", strtoul(buf, NULL, 10));
}

static unsigned long plan_number(const char *key, const char *value)
{
	char *end;
	unsigned long v = strtoul(value, &end, 0);

	if (*end && *end != '\n') {
		emit("{\"t\":\"error\",\"what\":\"bad number for %s in /plan\"}", key);
		_exit(3);
	}
	return v;
}

int main(void)
{
	FILE *plan;
	char line[512];
	char *names[16];
	int nworkloads = 0;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	out = fopen("/dev/ttyS1", "w");
	if (!out)
		out = stdout;
	emit("{\"t\":\"hello\",\"program\":\"vlguest\",\"version\":1}");

	plan = fopen("/plan", "r");
	if (!plan)
		fail("open /plan");
	while (fgets(line, sizeof(line), plan)) {
		char key[64], value[400];
		unsigned int q;
		unsigned long desc, avail, used;

		if (sscanf(line, "ring %u %lu %lu %lu", &q, &desc, &avail, &used) == 4 &&
		    q < NQ) {
			L.desc_page[q] = desc;
			L.avail_page[q] = avail;
			L.used_page[q] = used;
			continue;
		}
		if (sscanf(line, "%63s %399s", key, value) != 2)
			continue;
		if (!strcmp(key, "module"))
			load_module(value);
		else if (!strcmp(key, "workload") && nworkloads < 16)
			names[nworkloads++] = strdup(value);
		else if (!strcmp(key, "pages"))
			L.pages = plan_number(key, value);
		else if (!strcmp(key, "queue_size"))
			L.queue_size = plan_number(key, value);
		else if (!strcmp(key, "first_data_page"))
			L.first_data_page = plan_number(key, value);
		else if (!strcmp(key, "io_buffer_page"))
			L.io_buffer_page = plan_number(key, value);
		else if (!strcmp(key, "control_buffer_page"))
			L.control_buffer_page = plan_number(key, value);
		else if (!strcmp(key, "event_buffer_page"))
			L.event_buffer_page = plan_number(key, value);
		else if (!strcmp(key, "indirect_table_page"))
			L.indirect_table_page = plan_number(key, value);
		else if (!strcmp(key, "buffer_size"))
			L.buffer_size = plan_number(key, value);
		else if (!strcmp(key, "resp_offset"))
			L.resp_offset = plan_number(key, value);
		else if (!strcmp(key, "fail_alloc"))
			snprintf(fail_alloc, sizeof(fail_alloc), "%s", value);
		else if (!strcmp(key, "stream_read_area"))
			L.read_area = plan_number(key, value);
		else if (!strcmp(key, "stream_read_pages"))
			L.read_pages = plan_number(key, value);
		else if (!strcmp(key, "stream_write_area"))
			L.write_area = plan_number(key, value);
		else if (!strcmp(key, "stream_write_pages"))
			L.write_pages = plan_number(key, value);
		else if (!strcmp(key, "stream_group"))
			L.group = plan_number(key, value);
		else if (!strcmp(key, "stream_reads_in_4"))
			L.reads_in_4 = plan_number(key, value);
	}
	fclose(plan);
	if (!L.pages || !L.queue_size || !L.buffer_size || !L.used_page[Q_IO])
		fail("the layout in /plan is incomplete");

	if (mount("configfs", CONFIGFS, "configfs", 0, NULL))
		fail("mount configfs");
	setup_target();
	for (int i = 0; i < nworkloads; i++)
		run_workload(names[i]);
	report_taint();
	dump_kmsg();
	emit("{\"t\":\"done\"}");
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A test livepatch for Molt: /proc/cmdline prints the boot command line followed by
 * " molt_livepatch=VARIANT", so a test sees at once whether the patch is live.
 *
 * Built twice (Kbuild sets MOLT_VARIANT): molt_lp_cmdline_a and molt_lp_cmdline_b. Both are
 * cumulative (.replace = true): enabling B atomically replaces A.
 *
 * The boot command line is copied at load time by reading /proc/cmdline itself, before the patch
 * is enabled (saved_command_line is not exported to modules).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#ifndef MOLT_VARIANT
#error "MOLT_VARIANT must name the build (a or b)"
#endif
#define MOLT_STR2(x) #x
#define MOLT_STR(x) MOLT_STR2(x)

static char boot_line[4096];

/* Replaces fs/proc/cmdline.c's cmdline_proc_show. */
static int molt_cmdline_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s molt_livepatch=%s\n", boot_line, MOLT_STR(MOLT_VARIANT));
	return 0;
}

static void copy_boot_line(void)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open("/proc/cmdline", O_RDONLY, 0);
	if (IS_ERR(f))
		return;
	n = kernel_read(f, boot_line, sizeof(boot_line) - 1, &pos);
	filp_close(f, NULL);
	if (n <= 0) {
		boot_line[0] = '\0';
		return;
	}
	boot_line[n] = '\0';
	/* A line printed by an already-live variant of this patch: keep only the boot part. */
	{
		char *mark = strstr(boot_line, " molt_livepatch=");
		if (mark)
			*mark = '\0';
	}
	strim(boot_line);
}

static struct klp_func funcs[] = {
	{ .old_name = "cmdline_proc_show", .new_func = molt_cmdline_show, },
	{ }
};

static struct klp_object objs[] = {
	{ /* name NULL: vmlinux */ .funcs = funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.replace = true,
};

static int __init molt_lp_cmdline_init(void)
{
	copy_boot_line();
	return klp_enable_patch(&patch);
}

static void __exit molt_lp_cmdline_exit(void)
{
}

module_init(molt_lp_cmdline_init);
module_exit(molt_lp_cmdline_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Molt test livepatch: /proc/cmdline says which variant is live");
MODULE_INFO(livepatch, "Y");
/* Which kernel release's fixes this patch brings to the running kernel: Molt's planner reads it. */
MODULE_INFO(molt_equivalent, MOLT_EQUIVALENT);

// SPDX-License-Identifier: GPL-2.0
/*
 * A test livepatch for Molt that replaces both sleeping functions of molt_lp_target. A released
 * reader then reads "new\n" instead of "old\n", and the "d" device's readers sleep
 * interruptibly: the fix is what a real one would be, a D-state wait made killable.
 *
 * Not cumulative (.replace = false): it stacks on whatever patch is live. It uses the target's
 * exported wait state, so it depends on molt_lp_target (modinfo depends=molt_lp_target).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/sched.h>
#include <linux/wait.h>

extern struct wait_queue_head molt_target_sleepers_s;
extern atomic_t molt_target_generation_s;
extern atomic_t molt_target_generation_d;

static int fixed_sleep(atomic_t *generation)
{
	int start = atomic_read(generation);
	int ret;

	while (atomic_read(generation) == start) {
		ret = wait_event_interruptible_timeout(molt_target_sleepers_s,
				atomic_read(generation) != start, HZ / 2);
		if (ret < 0)
			return ret;
	}
	return 1;
}

static int fixed_sleep_s(void)
{
	return fixed_sleep(&molt_target_generation_s);
}

static int fixed_sleep_d(void)
{
	return fixed_sleep(&molt_target_generation_d);
}

static struct klp_func funcs[] = {
	{ .old_name = "molt_target_sleep_s", .new_func = fixed_sleep_s, },
	{ .old_name = "molt_target_sleep_d", .new_func = fixed_sleep_d, },
	{ }
};

static struct klp_object objs[] = {
	{ .name = "molt_lp_target", .funcs = funcs, },
	{ }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
	.replace = false,
};

static int __init molt_lp_target_fix_init(void)
{
	return klp_enable_patch(&patch);
}

static void __exit molt_lp_target_fix_exit(void)
{
}

module_init(molt_lp_target_fix_init);
module_exit(molt_lp_target_fix_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Molt test livepatch: replaces molt_lp_target's sleeping functions");
MODULE_INFO(livepatch, "Y");
MODULE_INFO(molt_equivalent, MOLT_EQUIVALENT);

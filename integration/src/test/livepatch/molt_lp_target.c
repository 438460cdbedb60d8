// SPDX-License-Identifier: GPL-2.0
/*
 * The target of Molt's transition tests: a module whose functions a livepatch
 * (molt_lp_target_fix) replaces, and in which user tasks can be made to sleep.
 *
 *   /dev/molt_lp_sleep_s  read() sleeps INTERRUPTIBLY in molt_target_sleep_s() until released
 *   /dev/molt_lp_sleep_d  read() sleeps UNINTERRUPTIBLY in molt_target_sleep_d() until released
 *
 * Writing anything to either device releases every sleeper of that device; the read then
 * returns "old\n" (these functions) or "new\n" (the fix's).
 *
 * Why this stalls a transition: the livepatch consistency model switches a sleeping task only
 * when no patched function is on its stack. A reader asleep here has the function on its stack
 * until it returns to user space: the interruptible one does so on any signal (SIGSTOP/SIGCONT,
 * or the kernel's own fake signal after ~15 s) and is switched on its way out; the
 * uninterruptible one only when released.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/uaccess.h>

/* Exported for molt_lp_target_fix, whose functions wait on the same release events. */
DECLARE_WAIT_QUEUE_HEAD(molt_target_sleepers_s);
EXPORT_SYMBOL_GPL(molt_target_sleepers_s);
atomic_t molt_target_generation_s = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(molt_target_generation_s);
atomic_t molt_target_generation_d = ATOMIC_INIT(0);
EXPORT_SYMBOL_GPL(molt_target_generation_d);

/* Replaced by molt_lp_target_fix. noinline: each must be a frame of its own on the sleeper's stack. */
noinline int molt_target_sleep_s(void)
{
	int start = atomic_read(&molt_target_generation_s);
	return wait_event_interruptible(molt_target_sleepers_s, atomic_read(&molt_target_generation_s) != start);
}

/*
 * Uninterruptible, waking every 500 ms to look at the release flag: the task stays in D state and
 * keeps this frame on its stack, but it is not a hung task (it is scheduled), so the kernel's
 * hung-task detector stays quiet however long a test keeps it.
 */
noinline int molt_target_sleep_d(void)
{
	int start = atomic_read(&molt_target_generation_d);
	while (atomic_read(&molt_target_generation_d) == start)
		schedule_timeout_uninterruptible(HZ / 2);
	return 0;
}

/* slept: < 0 interrupted (-ERESTARTSYS: the syscall restarts after the signal), 0 the old
 * functions returned, 1 the fix's did. */
static ssize_t answer(char __user *buf, size_t count, loff_t *ppos, int slept)
{
	const char *text = slept == 1 ? "new\n" : "old\n";
	if (slept < 0)
		return slept;
	return simple_read_from_buffer(buf, count, ppos, text, strlen(text));
}

static ssize_t read_s(struct file *f, char __user *buf, size_t count, loff_t *ppos)
{
	if (*ppos)
		return 0;
	return answer(buf, count, ppos, molt_target_sleep_s());
}

static ssize_t read_d(struct file *f, char __user *buf, size_t count, loff_t *ppos)
{
	if (*ppos)
		return 0;
	return answer(buf, count, ppos, molt_target_sleep_d());
}

static ssize_t release_s(struct file *f, const char __user *buf, size_t count, loff_t *ppos)
{
	atomic_inc(&molt_target_generation_s);
	wake_up_all(&molt_target_sleepers_s);
	return count;
}

static ssize_t release_d(struct file *f, const char __user *buf, size_t count, loff_t *ppos)
{
	atomic_inc(&molt_target_generation_d);
	return count;
}

static const struct file_operations fops_s = {
	.owner = THIS_MODULE, .read = read_s, .write = release_s, .llseek = noop_llseek,
};
static const struct file_operations fops_d = {
	.owner = THIS_MODULE, .read = read_d, .write = release_d, .llseek = noop_llseek,
};

static struct miscdevice dev_s = {
	.minor = MISC_DYNAMIC_MINOR, .name = "molt_lp_sleep_s", .fops = &fops_s, .mode = 0666,
};
static struct miscdevice dev_d = {
	.minor = MISC_DYNAMIC_MINOR, .name = "molt_lp_sleep_d", .fops = &fops_d, .mode = 0666,
};

static int __init molt_lp_target_init(void)
{
	int ret = misc_register(&dev_s);
	if (ret)
		return ret;
	ret = misc_register(&dev_d);
	if (ret)
		misc_deregister(&dev_s);
	return ret;
}

static void __exit molt_lp_target_exit(void)
{
	misc_deregister(&dev_d);
	misc_deregister(&dev_s);
}

module_init(molt_lp_target_init);
module_exit(molt_lp_target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Molt test target: devices whose readers sleep inside patchable functions");

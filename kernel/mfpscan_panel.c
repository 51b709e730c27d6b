// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan panel: what the engine's operator panel shows, the patent's
 * error screen and lamps (S107, S409). Each device gets
 *
 *  - the sysfs attribute panel_message (mode 0664): a UTF-8 message of at
 *    most MFPSCAN_PANEL_MAX bytes without control characters, one trailing
 *    newline stripped; read back with a newline;
 *  - two LED class devices, children of the class device:
 *    "mfpscanN:green:status" and "mfpscanN:amber:attention", brightness
 *    0 or 1. A child of a class device lives right in its directory; the
 *    contract's path mfpscanN/leds/<name> is a "leds" group of links.
 *
 * Every change reaches the engine through its optional set_panel
 * operation, with the whole panel state, under the device's I/O mutex;
 * an engine that must ask its device answers later, and the write waits
 * for that answer without the core's locks. See Documentation/uapi.rst
 * ("The panel").
 */
#include <linux/device.h>
#include <linux/leds.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/wait_bit.h>

#include "mfpscan.h"
#include "mfpscan_dev.h"

static const char * const mfpscan_lamp_names[MFPSCAN_LAMP_COUNT] = {
	[MFPSCAN_LAMP_STATUS]		= "green:status",
	[MFPSCAN_LAMP_ATTENTION]	= "amber:attention",
};

/*
 * A panel change and the engine's answer
 *
 * The core does not hold its locks while the engine tells its device
 * (MFPSCAN_PANEL_PENDING): a device that does not answer would hold
 * @io_mutex, and with it every other file's ioctls, for the whole timeout
 * of its request. A change is made in three steps: mfpscan_panel_lock()
 * waits until the engine answered the previous change and takes
 * @io_mutex, the caller changes @panel, mfpscan_panel_push_unlock() calls
 * the engine, drops @io_mutex and waits for the answer. At most one call
 * is pending per device; each carries the whole state, so a change that
 * follows one whose writer was killed shows both.
 */

/*
 * The engine answered call @seq (or a later one, whose state included
 * ours), or the device went.
 */
static bool mfpscan_panel_answered(struct mfpscan_dev *mdev, u32 seq)
{
	bool answered;

	spin_lock(&mdev->lock);
	answered = !mdev->panel_pending || mdev->panel_seq != seq;
	spin_unlock(&mdev->lock);
	return answered;
}

/**
 * mfpscan_panel_answer() - end the pending set_panel call with @result
 * @mdev: the device
 * @result: 0 or a negative errno, what the write returns
 *
 * Wakes the writer waiting in mfpscan_panel_push_unlock() and the next
 * writer waiting in mfpscan_panel_lock(). Nothing when no call is pending.
 */
void mfpscan_panel_answer(struct mfpscan_dev *mdev, int result)
{
	spin_lock(&mdev->lock);
	if (mdev->panel_pending) {
		mdev->panel_pending = false;
		mdev->panel_result = result;
	}
	spin_unlock(&mdev->lock);
	/* pairs with the barrier in wait_var_event()'s set_current_state() */
	smp_mb();
	wake_up_var(&mdev->panel_pending);
}

/**
 * mfpscan_panel_done() - the engine's answer to a pending set_panel call
 * @mdev: the device
 * @result: 0 if the device shows the panel, else a negative errno (the
 *	write fails with it; the state is kept)
 *
 * For an engine whose @set_panel returned MFPSCAN_PANEL_PENDING; called
 * once, from process context, without any lock of the core held. Does
 * nothing once the device was unregistered (the write got -ENODEV).
 */
void mfpscan_panel_done(struct mfpscan_dev *mdev, int result)
{
	mfpscan_panel_answer(mdev, result);
}
EXPORT_SYMBOL_GPL(mfpscan_panel_done);

/*
 * Wait until no set_panel call is pending, then take @io_mutex: 0, or
 * -EINTR for a fatal signal, -ENODEV once the device is gone (unlocked).
 */
static int mfpscan_panel_lock(struct mfpscan_dev *mdev)
{
	u32 seq;

	for (;;) {
		spin_lock(&mdev->lock);
		seq = mdev->panel_seq;
		spin_unlock(&mdev->lock);
		if (wait_var_event_killable(&mdev->panel_pending,
					    mfpscan_panel_answered(mdev, seq)))
			return -EINTR;
		mutex_lock(&mdev->io_mutex);
		if (!mdev->registered) {
			mutex_unlock(&mdev->io_mutex);
			return -ENODEV;
		}
		if (!mdev->panel_pending)
			return 0;
		/* another writer's call came first: wait for that one */
		mutex_unlock(&mdev->io_mutex);
	}
}

/*
 * Tell the engine the whole state, @io_mutex held (dropped here), and wait
 * for its answer without the core's locks. 0 when it has no panel; -EINTR
 * for a fatal signal (the call stays pending: the next change waits for
 * its answer), -ENODEV when the device goes meanwhile.
 */
static int mfpscan_panel_push_unlock(struct mfpscan_dev *mdev)
{
	u32 seq;
	int ret;

	lockdep_assert_held(&mdev->io_mutex);
	if (!mdev->ops->set_panel) {
		mutex_unlock(&mdev->io_mutex);
		return 0;
	}
	if (!mfpscan_engine_get(mdev)) {
		mutex_unlock(&mdev->io_mutex);
		return -ENODEV;	/* the engine's module is going away */
	}
	spin_lock(&mdev->lock);
	seq = ++mdev->panel_seq;
	mdev->panel_pending = true;
	spin_unlock(&mdev->lock);
	ret = mdev->ops->set_panel(mdev, &mdev->panel);
	mfpscan_engine_put(mdev);
	if (ret != MFPSCAN_PANEL_PENDING)
		mfpscan_panel_answer(mdev, ret);
	mutex_unlock(&mdev->io_mutex);
	if (ret != MFPSCAN_PANEL_PENDING)
		return ret;

	if (wait_var_event_killable(&mdev->panel_pending,
				    mfpscan_panel_answered(mdev, seq)))
		return -EINTR;
	spin_lock(&mdev->lock);
	ret = mdev->panel_result;
	spin_unlock(&mdev->lock);
	return ret;
}

/* Length of one UTF-8 sequence at @s (at most @n bytes), 0 if invalid. */
static size_t mfpscan_utf8_seq(const u8 *s, size_t n)
{
	size_t len, i;
	u32 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * A message the panel can show: well-formed UTF-8, no C0 control
 * character, no DEL, no C1 control (U+0080..U+009F).
 */
static bool mfpscan_panel_text_valid(const char *buf, size_t len)
{
	const u8 *s = (const u8 *)buf;
	size_t i = 0, n;

	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		n = mfpscan_utf8_seq(s + i, len - i);
		if (!n || (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0))
			return false;
		i += n;
	}
	return true;
}

static ssize_t panel_message_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct mfpscan_dev *mdev = to_mfpscan_dev(dev);
	ssize_t ret;

	mutex_lock(&mdev->io_mutex);
	ret = sysfs_emit(buf, "%s\n", mdev->panel.text);
	mutex_unlock(&mdev->io_mutex);
	return ret;
}

static ssize_t panel_message_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	struct mfpscan_dev *mdev = to_mfpscan_dev(dev);
	size_t len = count;
	int ret;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len > MFPSCAN_PANEL_MAX || !mfpscan_panel_text_valid(buf, len))
		return -EINVAL;

	ret = mfpscan_panel_lock(mdev);
	if (ret)
		return ret;
	memcpy(mdev->panel.text, buf, len);
	mdev->panel.text[len] = '\0';
	mdev->panel.len = len;
	ret = mfpscan_panel_push_unlock(mdev);
	return ret ? ret : count;
}

/*
 * 0664, not DEVICE_ATTR_RW's 0644: the udev rules give the attribute group
 * scanner, whose members (the daemon) set the message.
 */
static struct device_attribute dev_attr_panel_message =
	__ATTR(panel_message, 0664, panel_message_show, panel_message_store);

static struct attribute *mfpscan_panel_attrs[] = {
	&dev_attr_panel_message.attr,
	NULL
};

static struct attribute *mfpscan_leds_attrs[] = {
	NULL
};

const struct attribute_group mfpscan_panel_group = {
	.attrs = mfpscan_panel_attrs,
};

/* The directory "leds": a link to each lamp's LED class device. */
const struct attribute_group mfpscan_leds_group = {
	.name = "leds",
	.attrs = mfpscan_leds_attrs,
};

/* LED class: may sleep (the USB engine sends a control request). */
static int mfpscan_lamp_set(struct led_classdev *cdev,
			    enum led_brightness brightness)
{
	struct mfpscan_lamp *lamp = container_of(cdev, struct mfpscan_lamp,
						 cdev);
	struct mfpscan_dev *mdev = lamp->mdev;
	u32 bit = BIT(lamp->index);
	int ret;

	ret = mfpscan_panel_lock(mdev);
	/* gone: the lamp is as off as the engine; the LED core turns it off */
	if (ret == -ENODEV)
		return 0;
	if (ret)
		return ret;
	if (brightness)
		mdev->panel.lamps |= bit;
	else
		mdev->panel.lamps &= ~bit;
	return mfpscan_panel_push_unlock(mdev);
}

/**
 * mfpscan_panel_register() - create the lamps' LED class devices
 * @mdev: the device, its class device registered
 *
 * Return: 0 or a negative errno (nothing left registered).
 */
int mfpscan_panel_register(struct mfpscan_dev *mdev)
{
	struct mfpscan_lamp *lamp;
	int ret;
	u32 i;

	for (i = 0; i < MFPSCAN_LAMP_COUNT; i++) {
		lamp = &mdev->lamps[i];
		lamp->mdev = mdev;
		lamp->index = i;
		snprintf(lamp->name, sizeof(lamp->name), "%s:%s",
			 dev_name(&mdev->dev), mfpscan_lamp_names[i]);
		lamp->cdev.name = lamp->name;
		lamp->cdev.max_brightness = 1;
		lamp->cdev.brightness_set_blocking = mfpscan_lamp_set;
		ret = led_classdev_register(&mdev->dev, &lamp->cdev);
		if (ret)
			goto out_unregister_lamps;
		ret = sysfs_add_link_to_group(&mdev->dev.kobj,
					      mfpscan_leds_group.name,
					      &lamp->cdev.dev->kobj, lamp->name);
		if (ret) {
			led_classdev_unregister(&lamp->cdev);
			goto out_unregister_lamps;
		}
		mdev->lamps_registered = i + 1;
	}
	return 0;

out_unregister_lamps:
	mfpscan_panel_unregister(mdev);
	return ret;
}

/**
 * mfpscan_panel_unregister() - remove the lamps' LED class devices
 * @mdev: the device; not with @io_mutex held (the LED core turns each lamp
 *	off through mfpscan_lamp_set() and waits for it)
 */
void mfpscan_panel_unregister(struct mfpscan_dev *mdev)
{
	struct mfpscan_lamp *lamp;

	while (mdev->lamps_registered) {
		lamp = &mdev->lamps[--mdev->lamps_registered];
		sysfs_remove_link_from_group(&mdev->dev.kobj,
					     mfpscan_leds_group.name,
					     lamp->name);
		led_classdev_unregister(&lamp->cdev);
	}
}

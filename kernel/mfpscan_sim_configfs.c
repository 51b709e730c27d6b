// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan sim: the simulated scanner engine, for tests and demos, a module
 * of its own (mfpscan_sim.ko) on top of mfpscan.ko.
 *
 * Instances are configfs items (/sys/kernel/config/mfpscan-sim/<name>) with
 * the attributes model, serial, line_rate, adf_pages, can_stall, ring_kib,
 * live, devname, content and content_dpi; "echo 1 > live" registers
 * /dev/mfpscanN. This file holds the instances, their activation and the
 * module; the producer is in mfpscan_sim_engine.c, fault injection and the
 * panel in mfpscan_sim_debugfs.c. See Documentation/sim-engine.rst.
 */
#include <linux/configfs.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mfpscan.h"
#include "mfpscan_sim.h"
#include "mfpscan_sim_content.h"

static const u32 mfpscan_sim_resolutions[] = { 75, 150, 200, 300, 600 };

/* Activation; all with @live_mutex held */

static bool mfpscan_sim_is_live(struct mfpscan_sim *sim)
{
	bool live;

	mutex_lock(&sim->lock);
	live = sim->live;
	mutex_unlock(&sim->lock);
	return live;
}

static void mfpscan_sim_deactivate(struct mfpscan_sim *sim)
{
	struct mfpscan_dev *mdev;
	struct dentry *dir;

	mutex_lock(&sim->lock);
	mdev = sim->mdev;
	dir = sim->dir;
	sim->mdev = NULL;
	sim->dir = NULL;
	sim->live = false;
	mutex_unlock(&sim->lock);

	/* Waits for running debugfs handlers; new ones see !live. */
	debugfs_remove_recursive(dir);
	if (mdev) {
		mfpscan_dev_unregister(mdev);
		mfpscan_dev_put(mdev);
	}
}

static int mfpscan_sim_activate(struct mfpscan_sim *sim)
{
	struct mfpscan_caps caps = {
		.sources = BIT(MFPSCAN_SOURCE_FLATBED) | BIT(MFPSCAN_SOURCE_ADF) |
			   BIT(MFPSCAN_SOURCE_ADF_DUPLEX),
		.color_modes = BIT(MFPSCAN_MODE_MONO1) |
			       BIT(MFPSCAN_MODE_GRAY8) | BIT(MFPSCAN_MODE_RGB24),
		.n_resolutions = ARRAY_SIZE(mfpscan_sim_resolutions),
		.max_width_um = SIM_MAX_WIDTH_UM,
		.max_height_um = SIM_MAX_HEIGHT_UM,
		.min_band_lines = 1,
		.max_band_lines = SIM_MAX_BAND_LINES,
		.adf_capacity = SIM_ADF_CAPACITY,
		.ring_bytes = sim->ring_kib * 1024,
		.flags = sim->can_stall ? MFPSCAN_CAP_CAN_STALL : 0,
	};
	struct mfpscan_dev *mdev;
	struct dentry *dir;
	int ret;

	if (mfpscan_sim_is_live(sim))
		return 0;
	mfpscan_sim_deactivate(sim);	/* leftovers of a forced removal */

	spin_lock(&sim->panel_lock);
	memset(&sim->panel, 0, sizeof(sim->panel));	/* a new device's */
	spin_unlock(&sim->panel_lock);
	memcpy(caps.resolutions, mfpscan_sim_resolutions,
	       sizeof(mfpscan_sim_resolutions));
	strscpy(caps.model, sim->model, sizeof(caps.model));
	strscpy(caps.serial, sim->serial, sizeof(caps.serial));

	mdev = mfpscan_dev_alloc_dma(&caps, &mfpscan_sim_ops, sim, NULL,
				     mfpscan_sim_dma_device());
	if (IS_ERR(mdev))
		return PTR_ERR(mdev);
	ret = mfpscan_dev_register(mdev);
	if (ret)
		goto out_put_mdev;
	dir = mfpscan_sim_debugfs_create(sim, mfpscan_dev_name(mdev));

	mutex_lock(&sim->lock);
	sim->mdev = mdev;
	sim->dir = dir;
	sim->live = true;
	mutex_unlock(&sim->lock);
	return 0;

out_put_mdev:
	mfpscan_dev_put(mdev);
	return ret;
}

static void mfpscan_sim_reap(struct work_struct *work)
{
	struct mfpscan_sim *sim = container_of(work, struct mfpscan_sim,
					       reap_work);

	mutex_lock(&sim->live_mutex);
	if (!mfpscan_sim_is_live(sim))
		mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
}

/* configfs */

static struct mfpscan_sim *to_mfpscan_sim(struct config_item *item)
{
	return container_of(to_config_group(item), struct mfpscan_sim, group);
}

static ssize_t mfpscan_sim_show_str(struct mfpscan_sim *sim, const char *str,
				    char *page)
{
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%s\n", str);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_store_str(struct mfpscan_sim *sim, char *dst,
				     const char *page, size_t count)
{
	size_t len = strcspn(page, "\n");
	ssize_t ret = count;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
	} else if (!len || len >= MFPSCAN_NAME_LEN) {
		ret = -EINVAL;
	} else {
		memcpy(dst, page, len);
		dst[len] = '\0';
	}
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_show_u32(struct mfpscan_sim *sim, const u32 *val,
				    char *page)
{
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%u\n", *val);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

/* Attributes are -EBUSY while live, whatever the value written. */
static ssize_t mfpscan_sim_store_u32(struct mfpscan_sim *sim, u32 *dst,
				     const char *page, size_t count,
				     u32 min, u32 max, bool pow2)
{
	ssize_t ret;
	u32 val;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = kstrtou32(page, 0, &val);
	if (ret)
		goto out_unlock;
	if (val < min || val > max || (pow2 && !is_power_of_2(val))) {
		ret = -EINVAL;
		goto out_unlock;
	}
	*dst = val;
	ret = count;
out_unlock:
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_model_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_str(sim, sim->model, page);
}

static ssize_t mfpscan_sim_model_store(struct config_item *item,
				       const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_str(sim, sim->model, page, count);
}
CONFIGFS_ATTR(mfpscan_sim_, model);

static ssize_t mfpscan_sim_serial_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_str(sim, sim->serial, page);
}

static ssize_t mfpscan_sim_serial_store(struct config_item *item,
					const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_str(sim, sim->serial, page, count);
}
CONFIGFS_ATTR(mfpscan_sim_, serial);

static ssize_t mfpscan_sim_line_rate_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->line_rate, page);
}

static ssize_t mfpscan_sim_line_rate_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_u32(sim, &sim->line_rate, page, count,
				     0, U32_MAX, false);
}
CONFIGFS_ATTR(mfpscan_sim_, line_rate);

static ssize_t mfpscan_sim_adf_pages_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->adf_pages, page);
}

static ssize_t mfpscan_sim_adf_pages_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	/* At most the capacity: the page count of a duplex job fits. */
	return mfpscan_sim_store_u32(sim, &sim->adf_pages, page, count,
				     0, SIM_ADF_CAPACITY, false);
}
CONFIGFS_ATTR(mfpscan_sim_, adf_pages);

static ssize_t mfpscan_sim_ring_kib_show(struct config_item *item,
					 char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_show_u32(sim, &sim->ring_kib, page);
}

static ssize_t mfpscan_sim_ring_kib_store(struct config_item *item,
					  const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return mfpscan_sim_store_u32(sim, &sim->ring_kib, page, count,
				     SIM_MIN_RING_KIB, SIM_MAX_RING_KIB, true);
}
CONFIGFS_ATTR(mfpscan_sim_, ring_kib);

static ssize_t mfpscan_sim_can_stall_show(struct config_item *item,
					  char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;

	mutex_lock(&sim->live_mutex);
	ret = scnprintf(page, PAGE_SIZE, "%d\n", sim->can_stall);
	mutex_unlock(&sim->live_mutex);
	return ret;
}

static ssize_t mfpscan_sim_can_stall_store(struct config_item *item,
					   const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;
	bool val;

	mutex_lock(&sim->live_mutex);
	if (mfpscan_sim_is_live(sim)) {
		ret = -EBUSY;
	} else {
		ret = kstrtobool(page, &val);
		if (!ret) {
			sim->can_stall = val;
			ret = count;
		}
	}
	mutex_unlock(&sim->live_mutex);
	return ret;
}
CONFIGFS_ATTR(mfpscan_sim_, can_stall);

static ssize_t mfpscan_sim_live_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	return scnprintf(page, PAGE_SIZE, "%d\n", mfpscan_sim_is_live(sim));
}

static ssize_t mfpscan_sim_live_store(struct config_item *item,
				      const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	bool live;
	int ret;

	ret = kstrtobool(page, &live);
	if (ret)
		return ret;
	mutex_lock(&sim->live_mutex);
	if (live)
		ret = mfpscan_sim_activate(sim);
	else
		mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
	return ret ? ret : count;
}
CONFIGFS_ATTR(mfpscan_sim_, live);

static ssize_t mfpscan_sim_devname_show(struct config_item *item, char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	ssize_t ret;

	mutex_lock(&sim->lock);
	ret = scnprintf(page, PAGE_SIZE, "%s\n",
			sim->live ? mfpscan_dev_name(sim->mdev) : "");
	mutex_unlock(&sim->lock);
	return ret;
}
CONFIGFS_ATTR_RO(mfpscan_sim_, devname);

/*
 * Page content. Unlike the other attributes these may change while the
 * instance is live: a job scans what was loaded when it started.
 */

static ssize_t mfpscan_sim_content_dpi_show(struct config_item *item,
					    char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	u32 dpi;

	spin_lock(&sim->content_lock);
	dpi = sim->content_dpi;
	spin_unlock(&sim->content_lock);
	return scnprintf(page, PAGE_SIZE, "%u\n", dpi);
}

static ssize_t mfpscan_sim_content_dpi_store(struct config_item *item,
					     const char *page, size_t count)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	u32 val;
	int ret;

	ret = kstrtou32(page, 0, &val);
	if (ret)
		return ret;
	if (!val || val > MFPSCAN_CONTENT_DPI_MAX)
		return -EINVAL;
	spin_lock(&sim->content_lock);
	sim->content_dpi = val;
	spin_unlock(&sim->content_lock);
	return count;
}
CONFIGFS_ATTR(mfpscan_sim_, content_dpi);

static ssize_t mfpscan_sim_content_status_show(struct config_item *item,
					       char *page)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	size_t n = 0;

	spin_lock(&sim->content_lock);
	if (sim->content)
		n = mfpscan_sim_content_describe(sim->content, page,
						 PAGE_SIZE - 1);
	else
		n = scnprintf(page, PAGE_SIZE - 1, "pattern");
	n += scnprintf(page + n, PAGE_SIZE - n, "\n");
	if (sim->content_error[0])
		n += scnprintf(page + n, PAGE_SIZE - n, "error: %s\n",
			       sim->content_error);
	spin_unlock(&sim->content_lock);
	return n;
}
CONFIGFS_ATTR_RO(mfpscan_sim_, content_status);

/* Replace the content (or reset it with "none"); a bad one is refused. */
static ssize_t mfpscan_sim_content_write(struct config_item *item,
					 const void *buf, size_t len)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);
	struct mfpscan_sim_content *c = NULL, *old;
	char why[sizeof(sim->content_error)] = "";

	if (!(len >= 4 && len <= 5 && !memcmp(buf, "none\n", len))) {
		c = mfpscan_sim_content_parse(buf, len, why, sizeof(why));
		if (IS_ERR(c)) {
			/* configfs drops the result: say it in content_status */
			pr_info("mfpscan-sim %s: content refused: %s\n",
				config_item_name(item), why);
			spin_lock(&sim->content_lock);
			strscpy(sim->content_error, why,
				sizeof(sim->content_error));
			spin_unlock(&sim->content_lock);
			return PTR_ERR(c);
		}
	}
	spin_lock(&sim->content_lock);
	old = sim->content;
	sim->content = c;
	sim->content_error[0] = '\0';
	spin_unlock(&sim->content_lock);
	mfpscan_sim_content_put(old);
	return len;
}
CONFIGFS_BIN_ATTR_WO(mfpscan_sim_, content, NULL, MFPSCAN_CONTENT_MAX_BYTES);

static struct configfs_attribute *mfpscan_sim_attrs[] = {
	&mfpscan_sim_attr_model,
	&mfpscan_sim_attr_serial,
	&mfpscan_sim_attr_line_rate,
	&mfpscan_sim_attr_adf_pages,
	&mfpscan_sim_attr_can_stall,
	&mfpscan_sim_attr_ring_kib,
	&mfpscan_sim_attr_live,
	&mfpscan_sim_attr_devname,
	&mfpscan_sim_attr_content_dpi,
	&mfpscan_sim_attr_content_status,
	NULL
};

static struct configfs_bin_attribute *mfpscan_sim_bin_attrs[] = {
	&mfpscan_sim_attr_content,
	NULL
};

static void mfpscan_sim_release(struct config_item *item)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	kvfree(sim->base[0]);
	mfpscan_sim_content_put(sim->job_content);
	mfpscan_sim_content_put(sim->content);
	mutex_destroy(&sim->lock);
	mutex_destroy(&sim->live_mutex);
	kfree(sim);
}

static struct configfs_item_operations mfpscan_sim_item_ops = {
	.release	= mfpscan_sim_release,
};

static const struct config_item_type mfpscan_sim_type = {
	.ct_item_ops	= &mfpscan_sim_item_ops,
	.ct_attrs	= mfpscan_sim_attrs,
	.ct_bin_attrs	= mfpscan_sim_bin_attrs,
	.ct_owner	= THIS_MODULE,
};

static struct config_group *mfpscan_sim_make_group(struct config_group *group,
						   const char *name)
{
	struct mfpscan_sim *sim;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return ERR_PTR(-ENOMEM);

	config_group_init_type_name(&sim->group, name, &mfpscan_sim_type);
	mutex_init(&sim->live_mutex);
	mutex_init(&sim->lock);
	spin_lock_init(&sim->fault_lock);
	spin_lock_init(&sim->panel_lock);
	spin_lock_init(&sim->content_lock);
	init_waitqueue_head(&sim->wq);
	INIT_WORK(&sim->scan_work, mfpscan_sim_scan);
	INIT_WORK(&sim->reap_work, mfpscan_sim_reap);
	strscpy(sim->model, SIM_DEFAULT_MODEL, sizeof(sim->model));
	strscpy(sim->serial, name, sizeof(sim->serial));
	sim->adf_pages = SIM_DEFAULT_ADF_PAGES;
	sim->ring_kib = SIM_DEFAULT_RING_KIB;
	sim->can_stall = true;
	sim->content_dpi = MFPSCAN_CONTENT_DPI_DEFAULT;
	return &sim->group;
}

/* rmdir: a live instance is unregistered like "echo 0 > live". */
static void mfpscan_sim_drop_item(struct config_group *group,
				  struct config_item *item)
{
	struct mfpscan_sim *sim = to_mfpscan_sim(item);

	mutex_lock(&sim->live_mutex);
	mfpscan_sim_deactivate(sim);
	mutex_unlock(&sim->live_mutex);
	/* Takes @live_mutex; cannot be queued again, debugfs is gone. */
	cancel_work_sync(&sim->reap_work);
	config_item_put(item);
}

static struct configfs_group_operations mfpscan_sim_group_ops = {
	.make_group	= mfpscan_sim_make_group,
	.drop_item	= mfpscan_sim_drop_item,
};

static const struct config_item_type mfpscan_sim_subsys_type = {
	.ct_group_ops	= &mfpscan_sim_group_ops,
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem mfpscan_sim_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "mfpscan-sim",
			.ci_type	= &mfpscan_sim_subsys_type,
		},
	},
};

static int __init mfpscan_sim_init(void)
{
	int ret;

	mfpscan_sim_wq = alloc_workqueue("mfpscan_sim", WQ_UNBOUND, 0);
	if (!mfpscan_sim_wq)
		return -ENOMEM;
	mfpscan_sim_debugfs_init();

	config_group_init(&mfpscan_sim_subsys.su_group);
	mutex_init(&mfpscan_sim_subsys.su_mutex);
	ret = configfs_register_subsystem(&mfpscan_sim_subsys);
	if (ret)
		goto out_remove_debugfs;
	return 0;

out_remove_debugfs:
	mutex_destroy(&mfpscan_sim_subsys.su_mutex);
	mfpscan_sim_debugfs_exit();
	destroy_workqueue(mfpscan_sim_wq);
	return ret;
}

static void __exit mfpscan_sim_exit(void)
{
	configfs_unregister_subsystem(&mfpscan_sim_subsys);
	mutex_destroy(&mfpscan_sim_subsys.su_mutex);
	mfpscan_sim_dma_exit();
	mfpscan_sim_debugfs_exit();
	destroy_workqueue(mfpscan_sim_wq);
}
module_init(mfpscan_sim_init);
module_exit(mfpscan_sim_exit);

MODULE_DESCRIPTION("Multifunction printer scanner engines: the simulated engine");
MODULE_AUTHOR("mfpscan project");
MODULE_LICENSE("GPL");

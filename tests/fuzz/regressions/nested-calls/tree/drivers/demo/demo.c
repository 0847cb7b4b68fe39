#include <linux/spinlock.h>

static DEFINE_SPINLOCK(demo_lock);

int demo_count(int v)
{
	spin_lock(&demo_lock);
	v++;
	spin_unlock(&demo_lock);
	return v;
}

void demo_nested(int a)
{
	spin_lock(&l);
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
	if (a) {
		g();
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	}
	spin_unlock(&l);
}

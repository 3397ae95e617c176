#include "catalog.h"
#include "suites.h"

Suite *
inventory_suite(void)
{
	return suite_create("inventory");
}

#include "catalog.h"
#include "suites.h"

Suite *
products_suite(void)
{
	return suite_create("products");
}

#include "catalog.h"
#include "suites.h"

Suite *
listings_suite(void)
{
	return suite_create("listings");
}

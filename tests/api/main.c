/*
 * Runs the API test suites against a real soukd and PostgreSQL; see
 * harness.h.  Start it through tests/api/run.sh.
 */
#include <stdlib.h>

#include "harness.h"
#include "suites.h"

static Suite *(*const suites[])(void) = {
	http_suite,
	health_suite,
	shutdown_suite,
	migrate_suite,
	regions_suite,
	pipe_suite,
	openapi_suite,
	jobs_suite,
	stream_suite,
	auth_suite,
	access_suite,
	signin_suite,
	outbox_suite,
	jobs_staff_suite,
	registrations_suite,
	notify_suite,
	taxonomy_suite,
	audit_suite,
	listings_csv_suite,
	oauth_suite,
	images_suite,
	users_suite,
	vendors_suite,
	listings_suite,
	inventory_suite,
	products_suite,
	/* tele-calling: queues, calls, callbacks, DNC, agents */
	tele_calls_suite,
	leads_suite,
	/* click-to-call: Twilio Voice */
	tele_voice_suite,
	/* tele-calling: who may do what */
	tele_authz_suite,
};

int
main(void)
{
	SRunner	*sr;
	size_t	 i;
	int	 failed;

	harness_setup();
	sr = srunner_create(NULL);
	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	/* Running nothing is a failure unless one suite was asked for. */
	if (srunner_ntests_run(sr) == 0 && getenv("CK_RUN_SUITE") == NULL)
		failed = 1;
	srunner_free(sr);
	harness_teardown();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

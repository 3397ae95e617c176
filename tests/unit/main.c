/* Runs every unit test suite; see suites.h. */
#include <stdlib.h>

#include "suites.h"

static Suite *(*const suites[])(void) = {
	buf_suite,
	conf_suite,
	num_suite,
	utf8_suite,
	config_suite,
	router_suite,
	jsonv_suite,
	page_suite,
	problem_suite,
	dbjson_suite,
	jobs_suite,
	phone_suite,
	kyc_suite,
	template_suite,
	text_suite,
	table_suite,
	when_suite,
	cmd_suite,
	keymap_suite,
	client_suite,
	script_suite,
	form_suite,
	settings_suite,
	notify_suite,
	csv_suite,
	image_suite,
	media_suite,
	creds_suite,
	sse_suite,
	views_suite,
	lead_suite,
	tele_suite,
	urlenc_suite,
	popularity_suite,
};

const char *
test_root(void)
{
	const char	*root = getenv("SOUK_ROOT");

	return root != NULL ? root : ".";
}

int
main(void)
{
	SRunner	*sr;
	size_t	 i;
	int	 failed;

	sr = srunner_create(NULL);
	for (i = 0; i < sizeof suites / sizeof suites[0]; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	/* Running nothing is a failure unless one suite was asked for. */
	if (srunner_ntests_run(sr) == 0 && getenv("CK_RUN_SUITE") == NULL)
		failed = 1;
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

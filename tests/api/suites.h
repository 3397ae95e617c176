/* The API test suites; each is tests/api/test_<area>.c. */
#ifndef SOUK_API_SUITES_H
#define SOUK_API_SUITES_H

#include <check.h>

Suite	*http_suite(void);
Suite	*health_suite(void);
Suite	*shutdown_suite(void);
Suite	*migrate_suite(void);
Suite	*regions_suite(void);
/* the event loops' pipelined database connection */
Suite	*pipe_suite(void);
Suite	*openapi_suite(void);
Suite	*jobs_suite(void);
Suite	*stream_suite(void);
Suite	*auth_suite(void);
Suite	*access_suite(void);
Suite	*signin_suite(void);
Suite	*outbox_suite(void);
Suite	*jobs_staff_suite(void);
Suite	*registrations_suite(void);
Suite	*notify_suite(void);
Suite	*taxonomy_suite(void);
Suite	*audit_suite(void);
Suite	*listings_csv_suite(void);
Suite	*oauth_suite(void);
Suite	*images_suite(void);
Suite	*users_suite(void);
Suite	*vendors_suite(void);
Suite	*listings_suite(void);
Suite	*inventory_suite(void);
Suite	*products_suite(void);
/* tele-calling: queues, calls, callbacks, DNC, agents */
Suite	*tele_calls_suite(void);
Suite	*leads_suite(void);
/* click-to-call: Twilio Voice */
Suite	*tele_voice_suite(void);
/* tele-calling: who may edit queues, own leads; capture rates */
Suite	*tele_authz_suite(void);

#endif

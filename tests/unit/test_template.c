#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "template.h"

static const char *const vars[] = { "order.number", "user.name", "link",
    NULL };

static void
expect_check(const char *text, bool ok, const char *cause_part)
{
	char	*cause = NULL;

	ck_assert_msg(template_check(text, vars, &cause) == ok, "%s: %s", text,
	    cause != NULL ? cause : "(accepted)");
	if (!ok && cause_part != NULL)
		ck_assert_msg(strstr(cause, cause_part) != NULL, "%s", cause);
	free(cause);
}

START_TEST(test_template_check)
{
	expect_check("Order {{order.number}} for {{ user.name }}", true, NULL);
	expect_check("no variables at all", true, NULL);
	expect_check("", true, NULL);
	expect_check(NULL, true, NULL);
	expect_check("a lone }} is text", true, NULL);
	expect_check("{{order.id}}", false, "{{order.id}}");
	expect_check("{{ order.number", false, "malformed");
	expect_check("{{}}", false, "malformed");
	expect_check("{{Order.Number}}", false, "malformed");
	expect_check("{{order number}}", false, "malformed");
	expect_check("{{{order.number}}}", false, "malformed");
	expect_check("{{order.number}} then {{evil}}", false, "{{evil}}");
}
END_TEST

START_TEST(test_template_render_hostile_values)
{
	json_t	*v = json_pack("{s:s, s:s, s:i}", "user.name",
		    "<img src=x onerror=alert(1)> & 'Ravi' \"R\"\r\nBcc: x@y",
		    "link", "{{order.number}}", "order.number", 42);
	char	*s;

	/* Plain text keeps values as they are, in one pass. */
	s = template_render("Hi {{user.name}}: {{link}} #{{order.number}}", v,
	    TEMPLATE_TEXT);
	ck_assert_str_eq(s, "Hi <img src=x onerror=alert(1)> & 'Ravi' "
	    "\"R\"\r\nBcc: x@y: {{order.number}} #42");
	free(s);
	/* HTML escapes every value. */
	s = template_render("<p>{{user.name}}</p>", v, TEMPLATE_HTML);
	ck_assert_str_eq(s, "<p>&lt;img src=x onerror=alert(1)&gt; &amp; "
	    "&#39;Ravi&#39; &quot;R&quot;\r\nBcc: x@y</p>");
	free(s);
	/* A subject stays on one line: no header injection. */
	s = template_render("About {{user.name}}", v, TEMPLATE_SUBJECT);
	ck_assert_ptr_null(strpbrk(s, "\r\n"));
	free(s);
	/* A missing value renders empty; text outside variables is kept. */
	s = template_render("[{{absent}}] {{ order.number }}", v,
	    TEMPLATE_TEXT);
	ck_assert_str_eq(s, "[] 42");
	free(s);
	s = template_render("{{ broken", v, TEMPLATE_TEXT);
	ck_assert_str_eq(s, "{{ broken");
	free(s);
	json_decref(v);
}
END_TEST

START_TEST(test_template_variables_in_order)
{
	json_t	*n = template_variables("{{b}} {{a}} {{b}} {{ c }} {{bad");

	ck_assert_uint_eq(json_array_size(n), 3);
	ck_assert_str_eq(json_string_value(json_array_get(n, 0)), "b");
	ck_assert_str_eq(json_string_value(json_array_get(n, 1)), "a");
	ck_assert_str_eq(json_string_value(json_array_get(n, 2)), "c");
	json_decref(n);
}
END_TEST

Suite *
template_suite(void)
{
	Suite	*s = suite_create("template");
	TCase	*tc = tcase_create("template");

	tcase_add_test(tc, test_template_check);
	tcase_add_test(tc, test_template_render_hostile_values);
	tcase_add_test(tc, test_template_variables_in_order);
	suite_add_tcase(s, tc);
	return s;
}

/* test-product.c: product and assistant names, and the one rule for an unknown product */
#include <locale.h>

#include "cmt-product.h"

static void
test_known (void)
{
  g_assert_cmpint (cmt_product_from_string ("jira"), ==, CMT_PRODUCT_JIRA);
  g_assert_cmpint (cmt_product_from_string ("confluence"), ==, CMT_PRODUCT_CONFLUENCE);
  g_assert_cmpstr (cmt_product_name ("jira"), ==, "Jira");
  g_assert_cmpstr (cmt_product_name ("confluence"), ==, "Confluence");
  g_assert_cmpstr (cmt_assistant_short_name ("jira"), ==, "JCMA");
  g_assert_cmpstr (cmt_assistant_short_name ("confluence"), ==, "CCMA");
  g_assert_cmpstr (cmt_assistant_name ("jira"), ==, "Jira Cloud Migration Assistant");
  g_assert_cmpstr (cmt_assistant_name ("confluence"), ==, "Confluence Cloud Migration Assistant");
}

static void
test_unknown_is_shown_as_given (void)
{
  /* Never a guess: neither Jira nor Confluence for what is neither. */
  g_assert_cmpint (cmt_product_from_string ("bitbucket"), ==, CMT_PRODUCT_UNKNOWN);
  g_assert_cmpint (cmt_product_from_string ("Jira"), ==, CMT_PRODUCT_UNKNOWN);
  g_assert_cmpstr (cmt_product_name ("bitbucket"), ==, "bitbucket");
  g_assert_cmpstr (cmt_assistant_short_name ("bitbucket"), ==, "bitbucket");
  g_assert_cmpstr (cmt_assistant_name ("bitbucket"), ==, "bitbucket");
  g_assert_cmpstr (cmt_product_name (NULL), ==, "");
  g_assert_cmpstr (cmt_assistant_short_name (NULL), ==, "");
  g_assert_cmpstr (cmt_assistant_name (NULL), ==, "");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/product/known", test_known);
  g_test_add_func ("/product/unknown-is-shown-as-given", test_unknown_is_shown_as_given);
  return g_test_run ();
}

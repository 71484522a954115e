/* test-summary.c: the summary's counting rules and its English wording */
#include <locale.h>

#include "cmt-summary.h"

#define DAY CMT_SECONDS_PER_DAY

static const gint64 now = 1800000000;

static char *
describe (const CmtSummary *summary)
{
  return cmt_summary_describe (summary);
}

static void
test_empty_and_all_valid (void)
{
  CmtSummary s = { 0 };
  g_autofree char *none = describe (&s);
  g_autofree char *one = NULL;
  g_autofree char *three = NULL;

  g_assert_cmpstr (none, ==, "");
  g_assert_false (cmt_summary_needs_attention (&s));

  cmt_summary_add (&s, CMT_STATUS_VALID, now + 20 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  one = describe (&s);
  g_assert_cmpstr (one, ==, "1 valid");
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 8 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 21 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  three = describe (&s);
  g_assert_cmpstr (three, ==, "All 3 valid");
  g_assert_false (cmt_summary_needs_attention (&s));
}

static void
test_each_connection_counts_once (void)
{
  CmtSummary s = { 0 };
  g_autofree char *text = NULL;

  /* Expired wins over a rejected credential. */
  cmt_summary_add (&s, CMT_STATUS_EXPIRED, now - DAY, CMT_SUMMARY_BLOCK_TOKEN_REJECTED, now);
  cmt_summary_add (&s, CMT_STATUS_EXPIRED, now - 3 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  /* A token that expires this week, but cannot be renewed: cannot renew. */
  cmt_summary_add (&s, CMT_STATUS_EXPIRING, now + 2 * DAY, CMT_SUMMARY_BLOCK_TOKEN_REJECTED, now);
  /* Valid (the service's warning time is 5 days) but within a week. */
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 6 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  cmt_summary_add (&s, CMT_STATUS_UNKNOWN, 0, CMT_SUMMARY_BLOCK_NONE, now);
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 15 * DAY, CMT_SUMMARY_BLOCK_NONE, now);
  g_assert_cmpuint (s.expired, ==, 2);
  g_assert_cmpuint (s.cannot_renew, ==, 1);
  g_assert_cmpuint (s.this_week, ==, 1);
  g_assert_cmpuint (s.never_renewed, ==, 1);
  g_assert_cmpuint (s.valid, ==, 1);
  g_assert_true (cmt_summary_needs_attention (&s));
  text = describe (&s);
  g_assert_cmpstr (text, ==, "2 expired · 1 cannot renew (API token rejected) · 1 expires this week · "
                             "1 never renewed here · 1 valid");
}

static void
test_reasons (void)
{
  CmtSummary s = { 0 };
  g_autofree char *one_reason = NULL;
  g_autofree char *two_reasons = NULL;
  g_autofree char *server = NULL;

  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_VALID, CMT_STATUS_VALID, CMT_STATUS_VALID, FALSE, ""), ==,
                   CMT_SUMMARY_BLOCK_NONE);
  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_EXPIRING, CMT_STATUS_EXPIRY_UNKNOWN, CMT_STATUS_VALID, TRUE, ""), ==,
                   CMT_SUMMARY_BLOCK_NONE);
  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_INVALID, CMT_STATUS_EXPIRED, CMT_STATUS_VALID, TRUE, ""), ==,
                   CMT_SUMMARY_BLOCK_TOKEN_REJECTED | CMT_SUMMARY_BLOCK_SERVER_EXPIRED);
  /* An error that stops renewal (AttentionNeeded on a token not expiring)... */
  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_UNKNOWN, CMT_STATUS_UNKNOWN, CMT_STATUS_UNKNOWN, TRUE, "Refused"), ==,
                   CMT_SUMMARY_BLOCK_LAST_ERROR);
  /* ...not a passing one, nor one on a token whose expiry is the attention. */
  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_VALID, CMT_STATUS_VALID, CMT_STATUS_VALID, FALSE, "Timed out"), ==,
                   CMT_SUMMARY_BLOCK_NONE);
  g_assert_cmpint (cmt_summary_block_for (CMT_STATUS_VALID, CMT_STATUS_VALID, CMT_STATUS_EXPIRING, TRUE, "Timed out"), ==,
                   CMT_SUMMARY_BLOCK_NONE);

  cmt_summary_add (&s, CMT_STATUS_VALID, now + 15 * DAY, CMT_SUMMARY_BLOCK_TOKEN_EXPIRED, now);
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 15 * DAY, CMT_SUMMARY_BLOCK_TOKEN_EXPIRED, now);
  one_reason = describe (&s);
  g_assert_cmpstr (one_reason, ==, "2 cannot renew (API token expired)");
  /* Several reasons: the rows say which; the summary only counts. */
  cmt_summary_add (&s, CMT_STATUS_VALID, now + 15 * DAY, CMT_SUMMARY_BLOCK_SERVER_REFUSED, now);
  two_reasons = describe (&s);
  g_assert_cmpstr (two_reasons, ==, "3 cannot renew");

  memset (&s, 0, sizeof s);
  cmt_summary_add (&s, CMT_STATUS_UNKNOWN, 0, CMT_SUMMARY_BLOCK_SERVER_REFUSED, now);
  server = describe (&s);
  g_assert_cmpstr (server, ==, "1 cannot renew (server credential refused)");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/summary/empty-and-all-valid", test_empty_and_all_valid);
  g_test_add_func ("/summary/each-connection-counts-once", test_each_connection_counts_once);
  g_test_add_func ("/summary/reasons", test_reasons);
  return g_test_run ();
}

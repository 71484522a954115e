/* test-expiry.c: status arithmetic and the English wording of expiries */
#include <locale.h>

#include "cmt-error.h"
#include "cmt-expiry.h"

#define DAY CMT_SECONDS_PER_DAY

static void
test_status (void)
{
  gint64 now = 1800000000;

  g_assert_cmpint (cmt_expiry_status (0, 5 * DAY, now), ==, CMT_STATUS_UNKNOWN);
  g_assert_cmpint (cmt_expiry_status (now + 6 * DAY, 5 * DAY, now), ==, CMT_STATUS_VALID);
  g_assert_cmpint (cmt_expiry_status (now + 5 * DAY, 5 * DAY, now), ==, CMT_STATUS_EXPIRING);
  g_assert_cmpint (cmt_expiry_status (now + 1, 5 * DAY, now), ==, CMT_STATUS_EXPIRING);
  g_assert_cmpint (cmt_expiry_status (now, 5 * DAY, now), ==, CMT_STATUS_EXPIRED);
  g_assert_cmpint (cmt_expiry_next_change (now + 6 * DAY, 5 * DAY, now), ==, now + DAY);
  g_assert_cmpint (cmt_expiry_next_change (now + 2 * DAY, 5 * DAY, now), ==, now + 2 * DAY);
  g_assert_cmpint (cmt_expiry_next_change (now - 1, 5 * DAY, now), ==, 0);
  g_assert_cmpint (cmt_expiry_next_change (0, 5 * DAY, now), ==, 0);

  for (int s = CMT_STATUS_UNKNOWN; s <= CMT_STATUS_INVALID; s++)
    g_assert_cmpint (cmt_status_from_string (cmt_status_to_string (s)), ==, s);
  g_assert_cmpint (cmt_status_from_string ("bogus"), ==, CMT_STATUS_UNKNOWN);
}

static void
test_describe (void)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  struct { gint64 expires; const char *expected; } cases[] = {
    { 0, "Never renewed here" },
    { now + 3 * DAY, "Expires in 3 days" },
    { now + 1 * DAY, "Expires in 1 day" },
    { now + 2 * 3600, "Expires in 2 hours" },
    { now - 2 * DAY - 60, "Expired 2 days ago" },
    { now - 1 * DAY, "Expired 1 day ago" },
    { now - 30, "Expired just now" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = cmt_expiry_describe (CMT_EXPIRY_CONTAINER_TOKEN,
                                                   cases[i].expires, 5 * DAY, now);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  {
    g_autofree char *valid = cmt_expiry_describe (CMT_EXPIRY_CONTAINER_TOKEN, now + 10 * DAY, 5 * DAY, now);
    g_autofree char *none = cmt_expiry_describe (CMT_EXPIRY_CREDENTIAL, 0, 14 * DAY, now);
    g_assert_true (g_str_has_prefix (valid, "Valid until "));
    g_assert_cmpstr (none, ==, "No expiry date entered");
  }

  g_assert_cmpfloat_with_epsilon (cmt_expiry_fraction_left (now + 7 * DAY, 21 * DAY, now), 1.0 / 3.0, 1e-9);
  g_assert_cmpfloat (cmt_expiry_fraction_left (now - DAY, 21 * DAY, now), ==, 0.0);
}

static void
test_error_names (void)
{
  g_autoptr(GError) remote = NULL;

  for (int code = 0; code < CMT_ERROR_N_CODES; code++)
    g_assert_cmpint (cmt_error_code_from_name (cmt_error_code_to_name (code)), ==, code);
  g_assert_cmpint (cmt_error_code_from_name ("io.github.cmatoken.Error.Network"), ==, CMT_ERROR_NETWORK);
  g_assert_cmpint (cmt_error_code_from_name ("Nope"), ==, -1);

  remote = g_dbus_error_new_for_dbus_error ("io.github.cmatoken.Error.InUse", "busy");
  cmt_error_from_dbus (&remote);
  g_assert_error (remote, CMT_ERROR, CMT_ERROR_IN_USE);
  g_assert_cmpstr (remote->message, ==, "busy");
}

/* The one clock of the service, the app and the CLI: shifted by
 * $CMATOKEN_NOW_OFFSET, read once (so each case runs in a process of its own). */
static void
test_now_offset (void)
{
  if (g_test_subprocess ())
    {
      gint64 ahead;

      g_setenv ("CMATOKEN_NOW_OFFSET", "86400", TRUE);
      ahead = cmt_expiry_now () - g_get_real_time () / G_USEC_PER_SEC;
      g_assert_cmpint (cmt_expiry_now_offset (), ==, 86400);
      g_assert_cmpint (ahead, >=, 86399);
      g_assert_cmpint (ahead, <=, 86400);
      /* Read once: a later change does not move the clock under a running program. */
      g_setenv ("CMATOKEN_NOW_OFFSET", "0", TRUE);
      g_assert_cmpint (cmt_expiry_now_offset (), ==, 86400);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_now_offset_invalid (void)
{
  if (g_test_subprocess ())
    {
      g_setenv ("CMATOKEN_NOW_OFFSET", "tomorrow", TRUE);
      g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*not a number of seconds*");
      g_assert_cmpint (cmt_expiry_now_offset (), ==, 0);
      g_test_assert_expected_messages ();
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "C", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/expiry/status", test_status);
  g_test_add_func ("/expiry/describe", test_describe);
  g_test_add_func ("/error/names", test_error_names);
  g_test_add_func ("/expiry/now-offset", test_now_offset);
  g_test_add_func ("/expiry/now-offset-invalid", test_now_offset_invalid);
  return g_test_run ();
}

/* cmt-expiry.c: expiry arithmetic and its wording, shared by the service, app and CLI */
#include <glib/gi18n-lib.h>

#include "cmt-expiry.h"

static const char * const status_names[] = {
  [CMT_STATUS_UNKNOWN] = "unknown",
  [CMT_STATUS_VALID] = "valid",
  [CMT_STATUS_EXPIRING] = "expiring",
  [CMT_STATUS_EXPIRED] = "expired",
  [CMT_STATUS_INVALID] = "invalid",
  [CMT_STATUS_EXPIRY_UNKNOWN] = "expiry-unknown",
};

gint64
cmt_expiry_now_offset (void)
{
  static gsize once = 0;
  static gint64 offset = 0;

  if (g_once_init_enter (&once))
    {
      const char *text = g_getenv ("CMATOKEN_NOW_OFFSET");
      gint64 value = 0;

      if (text != NULL && *text != '\0' &&
          !g_ascii_string_to_signed (text, 10, G_MININT32, G_MAXINT32, &value, NULL))
        {
          g_warning ("$CMATOKEN_NOW_OFFSET is not a number of seconds (“%s”): the clock is not shifted", text);
          value = 0;
        }
      offset = value;
      g_once_init_leave (&once, 1);
    }
  return offset;
}

gint64
cmt_expiry_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC + cmt_expiry_now_offset ();
}

const char *
cmt_status_to_string (CmtStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "unknown";
  return status_names[status];
}

CmtStatus
cmt_status_from_string (const char *status)
{
  for (guint i = 0; status != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (status, status_names[i]))
      return (CmtStatus) i;
  return CMT_STATUS_UNKNOWN;
}

CmtStatus
cmt_expiry_status (gint64 expires_at,
                   gint64 warn_before,
                   gint64 now)
{
  if (expires_at <= 0)
    return CMT_STATUS_UNKNOWN;
  if (now >= expires_at)
    return CMT_STATUS_EXPIRED;
  if (now >= expires_at - MAX (warn_before, 0))
    return CMT_STATUS_EXPIRING;
  return CMT_STATUS_VALID;
}

gint64
cmt_expiry_next_change (gint64 expires_at,
                        gint64 warn_before,
                        gint64 now)
{
  gint64 warn_at;

  if (expires_at <= 0 || now >= expires_at)
    return 0;
  warn_at = expires_at - MAX (warn_before, 0);
  if (now < warn_at)
    return warn_at;
  return expires_at;
}

char *
cmt_expiry_format_date (gint64 when)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (when);
  g_autoptr(GDateTime) today = g_date_time_new_now_local ();

  if (dt == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (dt) == g_date_time_get_year (today))
    /* Translators: a day in the current year, as strftime() format: "12 December". */
    return g_date_time_format (dt, C_("date in this year", "%-d %B"));
  /* Translators: a day in another year, as strftime() format: "12 December 2027". */
  return g_date_time_format (dt, C_("date in another year", "%-d %B %Y"));
}

char *
cmt_expiry_describe (CmtExpiryKind kind,
                     gint64        expires_at,
                     gint64        warn_before,
                     gint64        now)
{
  gint64 delta;

  if (expires_at <= 0)
    {
      if (kind == CMT_EXPIRY_CONTAINER_TOKEN)
        return g_strdup (_("Never renewed here"));
      /* Not "no expiry": nobody entered the date (Atlassian shows it only
       * when a token is made), which is a question, not an answer. */
      return g_strdup (_("No expiry date entered"));
    }

  delta = expires_at - now;
  if (delta > 0 && delta > warn_before)
    {
      g_autofree char *date = cmt_expiry_format_date (expires_at);
      /* Translators: %s is a date, "12 December". */
      return g_strdup_printf (_("Valid until %s"), date);
    }
  if (delta > 0)
    {
      if (delta < CMT_SECONDS_PER_DAY)
        {
          int hours = (int) MAX ((delta + 3599) / 3600, 1);
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Expires in %d hour",
                                               "Expires in %d hours", hours),
                                  hours);
        }
      else
        {
          int days = (int) ((delta + CMT_SECONDS_PER_DAY - 1) / CMT_SECONDS_PER_DAY);
          return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Expires in %d day",
                                               "Expires in %d days", days),
                                  days);
        }
    }

  delta = -delta;
  if (delta < CMT_SECONDS_PER_DAY)
    {
      int hours = (int) (delta / 3600);
      if (hours == 0)
        return g_strdup (_("Expired just now"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "Expired %d hour ago",
                                           "Expired %d hours ago", hours),
                              hours);
    }
  {
    int days = (int) (delta / CMT_SECONDS_PER_DAY);
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Expired %d day ago",
                                         "Expired %d days ago", days),
                            days);
  }
}

double
cmt_expiry_fraction_left (gint64 expires_at,
                          gint64 lifetime,
                          gint64 now)
{
  if (expires_at <= 0 || lifetime <= 0)
    return 0.0;
  return CLAMP ((double) (expires_at - now) / (double) lifetime, 0.0, 1.0);
}

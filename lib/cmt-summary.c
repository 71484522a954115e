/* cmt-summary.c: every connection's state at a glance */
#include <glib/gi18n-lib.h>

#include "cmt-summary.h"

#define WEEK (7 * CMT_SECONDS_PER_DAY)

static CmtSummaryBlock
credential_block (CmtStatus       status,
                  CmtSummaryBlock rejected,
                  CmtSummaryBlock expired)
{
  switch (status)
    {
    case CMT_STATUS_INVALID:
      return rejected;
    case CMT_STATUS_EXPIRED:
      return expired;
    case CMT_STATUS_UNKNOWN:
    case CMT_STATUS_VALID:
    case CMT_STATUS_EXPIRING:
    case CMT_STATUS_EXPIRY_UNKNOWN:
    default:
      return CMT_SUMMARY_BLOCK_NONE;
    }
}

CmtSummaryBlock
cmt_summary_block_for (CmtStatus   account_status,
                       CmtStatus   server_status,
                       CmtStatus   status,
                       gboolean    attention_needed,
                       const char *last_error)
{
  /* A token that is not expiring needs the admin only for an error that
   * stops its renewal (the service's AttentionNeeded). */
  gboolean error_needs_admin = attention_needed && last_error != NULL && *last_error != '\0' &&
                               status != CMT_STATUS_EXPIRING && status != CMT_STATUS_EXPIRED;

  return credential_block (account_status, CMT_SUMMARY_BLOCK_TOKEN_REJECTED, CMT_SUMMARY_BLOCK_TOKEN_EXPIRED) |
         credential_block (server_status, CMT_SUMMARY_BLOCK_SERVER_REFUSED, CMT_SUMMARY_BLOCK_SERVER_EXPIRED) |
         (error_needs_admin ? CMT_SUMMARY_BLOCK_LAST_ERROR : CMT_SUMMARY_BLOCK_NONE);
}

CmtSummaryCategory
cmt_summary_category (CmtStatus       status,
                      gint64          expires_at,
                      CmtSummaryBlock block,
                      gint64          now)
{
  if (status == CMT_STATUS_EXPIRED || (expires_at > 0 && expires_at <= now))
    return CMT_SUMMARY_EXPIRED;
  if (block != CMT_SUMMARY_BLOCK_NONE)
    return CMT_SUMMARY_CANNOT_RENEW;
  if (expires_at > 0 && expires_at - now <= WEEK)
    return CMT_SUMMARY_THIS_WEEK;
  if (expires_at <= 0)
    return CMT_SUMMARY_NEVER_RENEWED;
  return CMT_SUMMARY_VALID;
}

void
cmt_summary_add (CmtSummary     *summary,
                 CmtStatus       status,
                 gint64          expires_at,
                 CmtSummaryBlock block,
                 gint64          now)
{
  g_return_if_fail (summary != NULL);

  switch (cmt_summary_category (status, expires_at, block, now))
    {
    case CMT_SUMMARY_EXPIRED:
      summary->expired++;
      break;
    case CMT_SUMMARY_CANNOT_RENEW:
      summary->cannot_renew++;
      summary->blocks |= block;
      break;
    case CMT_SUMMARY_THIS_WEEK:
      summary->this_week++;
      break;
    case CMT_SUMMARY_NEVER_RENEWED:
      summary->never_renewed++;
      break;
    case CMT_SUMMARY_VALID:
    default:
      summary->valid++;
      break;
    }
}

gboolean
cmt_summary_needs_renewal (CmtStatus status)
{
  return status != CMT_STATUS_VALID;
}

gboolean
cmt_summary_needs_attention (const CmtSummary *summary)
{
  return summary->expired > 0 || summary->cannot_renew > 0 || summary->this_week > 0;
}

/* The one reason all connections that cannot renew share, or NULL. */
static const char *
block_reason (CmtSummaryBlock blocks)
{
  switch (blocks)
    {
    case CMT_SUMMARY_BLOCK_TOKEN_REJECTED:
      /* Translators: why connections cannot renew, in "1 cannot renew (API token rejected)". */
      return _("API token rejected");
    case CMT_SUMMARY_BLOCK_TOKEN_EXPIRED:
      /* Translators: why connections cannot renew, in "1 cannot renew (API token expired)". */
      return _("API token expired");
    case CMT_SUMMARY_BLOCK_SERVER_REFUSED:
      /* Translators: why connections cannot renew, in "1 cannot renew (server credential refused)". */
      return _("server credential refused");
    case CMT_SUMMARY_BLOCK_SERVER_EXPIRED:
      /* Translators: why connections cannot renew, in "1 cannot renew (server credential expired)". */
      return _("server credential expired");
    case CMT_SUMMARY_BLOCK_NONE:
    case CMT_SUMMARY_BLOCK_LAST_ERROR:
    default:
      return NULL;
    }
}

char *
cmt_summary_describe (const CmtSummary *summary)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  guint total;

  g_return_val_if_fail (summary != NULL, NULL);

  total = summary->expired + summary->cannot_renew + summary->this_week +
          summary->never_renewed + summary->valid;
  if (total == 0)
    return g_strdup ("");
  if (summary->valid == total && total > 1)
    /* Translators: the summary when every connection (at least two) is valid for more than a week. */
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "All %u valid", "All %u valid", total), total);

  if (summary->expired > 0)
    /* Translators: a part of the summary, "2 expired · 1 expires this week". */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u expired", "%u expired",
                                                          summary->expired), summary->expired));
  if (summary->cannot_renew > 0)
    {
      const char *reason = block_reason (summary->blocks);
      /* Translators: a part of the summary: connections whose credentials stop their renewal. */
      g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u cannot renew", "%u cannot renew",
                                                             summary->cannot_renew), summary->cannot_renew);

      if (reason != NULL)
        /* Translators: %1$s is "1 cannot renew", %2$s why ("API token rejected"). */
        g_ptr_array_add (parts, g_strdup_printf (_("%1$s (%2$s)"), count, reason));
      else
        g_ptr_array_add (parts, g_steal_pointer (&count));
    }
  if (summary->this_week > 0)
    /* Translators: a part of the summary: tokens that expire within 7 days. */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u expires this week",
                                                          "%u expire this week", summary->this_week),
                                             summary->this_week));
  if (summary->never_renewed > 0)
    /* Translators: a part of the summary: connections without a known renewal date. */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u never renewed here",
                                                          "%u never renewed here", summary->never_renewed),
                                             summary->never_renewed));
  if (summary->valid > 0)
    /* Translators: a part of the summary: tokens valid for more than a week. */
    g_ptr_array_add (parts, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u valid", "%u valid",
                                                          summary->valid), summary->valid));
  g_ptr_array_add (parts, NULL);
  /* Translators: what separates the parts of the summary. */
  return g_strjoinv (C_("summary separator", " · "), (char **) parts->pdata);
}

/* cmt-summary.h: every connection's state at a glance, "2 expired · 1 expires this week · …" */
#pragma once

#include <glib.h>

#include "cmt-expiry.h"

G_BEGIN_DECLS

/* What stands in the way of a connection's next renewal. */
typedef enum {
  CMT_SUMMARY_BLOCK_NONE           = 0,
  CMT_SUMMARY_BLOCK_TOKEN_REJECTED = 1 << 0,  /* its cloud account's API token */
  CMT_SUMMARY_BLOCK_TOKEN_EXPIRED  = 1 << 1,
  CMT_SUMMARY_BLOCK_SERVER_REFUSED = 1 << 2,  /* its server's credential */
  CMT_SUMMARY_BLOCK_SERVER_EXPIRED = 1 << 3,
  CMT_SUMMARY_BLOCK_LAST_ERROR     = 1 << 4,  /* its last renewal failed in a way only the admin can fix */
} CmtSummaryBlock;

/* Each connection counts once, in the first of these that applies. */
typedef struct {
  guint expired;
  guint cannot_renew;
  guint this_week;
  guint never_renewed;
  guint valid;
  CmtSummaryBlock blocks;   /* every reason seen among cannot_renew */
} CmtSummary;

/* The block a connection's credentials and record make: @account_status and
 * @server_status are its cloud account's and server's (CMT_STATUS_UNKNOWN
 * when unknown); @status, @attention_needed and @last_error its own. */
CmtSummaryBlock cmt_summary_block_for (CmtStatus   account_status,
                                       CmtStatus   server_status,
                                       CmtStatus   status,
                                       gboolean    attention_needed,
                                       const char *last_error);

/* The one part of the summary a connection counts in. */
typedef enum {
  CMT_SUMMARY_EXPIRED,
  CMT_SUMMARY_CANNOT_RENEW,
  CMT_SUMMARY_THIS_WEEK,
  CMT_SUMMARY_NEVER_RENEWED,
  CMT_SUMMARY_VALID,
} CmtSummaryCategory;

CmtSummaryCategory cmt_summary_category (CmtStatus       status,
                                         gint64          expires_at,
                                         CmtSummaryBlock block,
                                         gint64          now);

/* Counts one connection whose token expires at @expires_at (0: never renewed
 * here) and has @status. */
void            cmt_summary_add       (CmtSummary     *summary,
                                       CmtStatus       status,
                                       gint64          expires_at,
                                       CmtSummaryBlock block,
                                       gint64          now);

/* What "renew --expiring" and the app's "Renew All That Need It…" renew: a
 * token not valid beyond its warning time (expiring, expired, never renewed here). */
gboolean        cmt_summary_needs_renewal   (CmtStatus status);

/* TRUE when something in @summary needs the admin now or this week. */
gboolean        cmt_summary_needs_attention (const CmtSummary *summary);

/* "2 expired · 1 cannot renew (API token rejected) · 1 expires this week · 96 valid",
 * "All 3 valid", or "" without connections; in the user's language. */
char           *cmt_summary_describe  (const CmtSummary *summary);

G_END_DECLS

/* cmt-expiry.h: when a token or credential expires, and how to say it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CMT_SECONDS_PER_DAY ((gint64) 86400)

typedef enum {
  CMT_STATUS_UNKNOWN,
  CMT_STATUS_VALID,
  CMT_STATUS_EXPIRING,
  CMT_STATUS_EXPIRED,
  CMT_STATUS_INVALID,
  /* An API token that works, but whose expiry date nobody entered: Atlassian
   * shows the date only when the token is made, and tokens do expire (those
   * made before 15 December 2024 between 14 March and 12 May 2026, later ones
   * within a year). A state that asks for the date, never a green OK. */
  CMT_STATUS_EXPIRY_UNKNOWN,
} CmtStatus;

/* What kind of expiry is described: a container token (0 = never renewed)
 * or a credential (0 = no expiry date). */
typedef enum {
  CMT_EXPIRY_CONTAINER_TOKEN,
  CMT_EXPIRY_CREDENTIAL,
} CmtExpiryKind;

const char *cmt_status_to_string     (CmtStatus    status);
/* CMT_STATUS_UNKNOWN for anything unrecognised. */
CmtStatus   cmt_status_from_string   (const char  *status);

/*
 * The status at @now of something that expires at @expires_at (0: unknown,
 * gives CMT_STATUS_UNKNOWN) and turns "expiring" @warn_before seconds before.
 */
CmtStatus   cmt_expiry_status        (gint64       expires_at,
                                      gint64       warn_before,
                                      gint64       now);

/* The next moment after @now at which cmt_expiry_status() changes; 0 if never. */
gint64      cmt_expiry_next_change   (gint64       expires_at,
                                      gint64       warn_before,
                                      gint64       now);

/* "Valid until 12 December", "Expires in 3 days", "Expired 2 days ago",
 * "Never renewed here", in the user's language. */
char       *cmt_expiry_describe      (CmtExpiryKind kind,
                                      gint64       expires_at,
                                      gint64       warn_before,
                                      gint64       now);

/* $CMATOKEN_NOW_OFFSET: how many seconds the clock runs ahead, for demos and
 * tests; read once, 0 when unset or not a whole number. */
gint64      cmt_expiry_now_offset    (void);
/* Seconds since the epoch plus that offset: the one "now" of the service,
 * the app and the CLI, so that their "in 3 days" agree. */
gint64      cmt_expiry_now           (void);

/* A date in the user's language and the local time zone: "12 December 2026". */
char       *cmt_expiry_format_date   (gint64       when);

/* Fraction of @lifetime left at @now, clamped to [0, 1]; 0 when unknown. */
double      cmt_expiry_fraction_left (gint64       expires_at,
                                      gint64       lifetime,
                                      gint64       now);

G_END_DECLS

/* cmtd-history.h: what happened to what the service stores, append-only, for audits */
#pragma once

#include <gio/gio.h>

#include "cmtd-clock.h"

G_BEGIN_DECLS

/* Entries beyond this many are dropped, oldest first. */
#define CMTD_HISTORY_MAX_ENTRIES 10000

#define CMTD_TYPE_HISTORY (cmtd_history_get_type ())
G_DECLARE_FINAL_TYPE (CmtdHistory, cmtd_history, CMTD, HISTORY, GObject)

/*
 * One JSON object per line in @path (mode 0600), appended off the main
 * loop in order. Each entry: time (x, seconds since the epoch), object (o),
 * kind (s: "add", "replace", "remove", "renew", "auto-renew",
 * "mark-renewed"), result (s: "ok", "failed" or "cancelled"), error (s: the
 * D-Bus error name of a failure, else ""), caller (s: the process that
 * asked, "cmatokend" for automatic renewal), account (s: the cloud
 * account's email, when one is involved), subject (s: what the object is,
 * readable after it is gone). Never a secret. A line that does not parse
 * (a torn last write) is skipped. Finalizing waits for the writes under way.
 */
/* Entries are stamped with @clock's time. */
CmtdHistory *cmtd_history_new     (const char  *path,
                                   CmtdClock   *clock);

/* @account and @error may be NULL. */
void         cmtd_history_record  (CmtdHistory *self,
                                   const char  *object,
                                   const char  *kind,
                                   const char  *result,
                                   const char  *error,
                                   const char  *caller,
                                   const char  *account,
                                   const char  *subject);

/* The entries that match, oldest first: of @object (NULL: all), at or
 * after @since, the newest @limit of them (0: no limit). aa{sv}. */
GVariant    *cmtd_history_query   (CmtdHistory *self,
                                   const char  *object,
                                   gint64       since,
                                   guint        limit);

G_END_DECLS

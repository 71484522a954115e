/* cmt-history.h: reading Manager1.GetHistory's entries, and their words, for the app and the CLI */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A string (or object path) member of an entry (a{sv}), "" when missing. */
const char *cmt_history_entry_string (GVariant   *entry,
                                      const char *key);
/* Its "time", seconds since the epoch; 0 when missing. */
gint64      cmt_history_entry_time   (GVariant   *entry);

/* "renewed", "renewed automatically", "marked as renewed", "added",
 * "credential replaced", "removed" (lower case, for a line of text); an
 * unknown kind as it is. */
const char *cmt_history_kind_label   (const char *kind);
/* "failed", "cancelled", or "" for "ok". */
const char *cmt_history_result_label (const char *result);

G_END_DECLS

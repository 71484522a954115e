/* cmt-history.c: reading Manager1.GetHistory's entries, and their words */
#include <glib/gi18n-lib.h>

#include "cmt-history.h"

const char *
cmt_history_entry_string (GVariant   *entry,
                          const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (entry, key, "&s", &value) && !g_variant_lookup (entry, key, "&o", &value))
    return "";
  return value;
}

gint64
cmt_history_entry_time (GVariant *entry)
{
  gint64 time = 0;

  g_variant_lookup (entry, "time", "x", &time);
  return time;
}

const char *
cmt_history_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "renew") == 0)
    return C_("history", "renewed");
  if (g_strcmp0 (kind, "auto-renew") == 0)
    return C_("history", "renewed automatically");
  if (g_strcmp0 (kind, "mark-renewed") == 0)
    return C_("history", "marked as renewed");
  if (g_strcmp0 (kind, "add") == 0)
    return C_("history", "added");
  if (g_strcmp0 (kind, "replace") == 0)
    return C_("history", "credential replaced");
  if (g_strcmp0 (kind, "remove") == 0)
    return C_("history", "removed");
  return kind != NULL ? kind : "";
}

const char *
cmt_history_result_label (const char *result)
{
  if (g_strcmp0 (result, "failed") == 0)
    return C_("history", "failed");
  if (g_strcmp0 (result, "cancelled") == 0)
    return C_("history", "cancelled");
  return "";
}

/* cmt-connection-sorter.h: connections in the order that needs attention first */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CMT_TYPE_CONNECTION_SORTER (cmt_connection_sorter_get_type ())
G_DECLARE_FINAL_TYPE (CmtConnectionSorter, cmt_connection_sorter, CMT, CONNECTION_SORTER, GtkSorter)

/*
 * Sorts CmtObjects with a Connection1 interface: expired first, then
 * expiring, never renewed (unknown), valid; within each, the earliest
 * expiry first, then by server and cloud site. @manager (may be NULL) is
 * where the servers' names are looked up.
 */
GtkSorter *cmt_connection_sorter_new (GDBusObjectManager *manager);

G_END_DECLS

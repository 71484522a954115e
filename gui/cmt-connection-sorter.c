/* cmt-connection-sorter.c: connections in the order that needs attention first */
#include "cmt-connection-sorter.h"
#include "cmt-dbus.h"
#include "cmt-wording.h"

struct _CmtConnectionSorter
{
  GtkSorter           parent_instance;
  GDBusObjectManager *manager;
};

G_DEFINE_FINAL_TYPE (CmtConnectionSorter, cmt_connection_sorter, GTK_TYPE_SORTER)

static CmtConnection *
peek_connection (gpointer item)
{
  if (!CMT_IS_OBJECT (item))
    return NULL;
  return cmt_object_peek_connection (CMT_OBJECT (item));
}

static GtkOrdering
compare_int64 (gint64 a,
               gint64 b)
{
  return a < b ? GTK_ORDERING_SMALLER : a > b ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static GtkOrdering
cmt_connection_sorter_compare (GtkSorter *sorter,
                               gpointer   item1,
                               gpointer   item2)
{
  CmtConnectionSorter *self = CMT_CONNECTION_SORTER (sorter);
  CmtConnection *a = peek_connection (item1);
  CmtConnection *b = peek_connection (item2);
  g_autofree char *server_a = NULL;
  g_autofree char *server_b = NULL;
  GtkOrdering order;
  int cmp;

  /* Anything that is not a connection goes last, in a stable order. */
  if (a == NULL || b == NULL)
    return compare_int64 (a == NULL, b == NULL);

  order = compare_int64 (cmt_wording_status_rank (cmt_status_from_string (cmt_connection_get_status (a))),
                         cmt_wording_status_rank (cmt_status_from_string (cmt_connection_get_status (b))));
  if (order != GTK_ORDERING_EQUAL)
    return order;

  order = compare_int64 (cmt_connection_get_expires_at (a), cmt_connection_get_expires_at (b));
  if (order != GTK_ORDERING_EQUAL)
    return order;

  server_a = cmt_wording_server_display (self->manager, cmt_connection_get_server (a));
  server_b = cmt_wording_server_display (self->manager, cmt_connection_get_server (b));
  cmp = g_utf8_collate (server_a, server_b);
  if (cmp == 0)
    cmp = g_strcmp0 (cmt_connection_get_cloud_site_url (a), cmt_connection_get_cloud_site_url (b));
  if (cmp == 0)
    cmp = g_strcmp0 (g_dbus_object_get_object_path (item1), g_dbus_object_get_object_path (item2));
  return gtk_ordering_from_cmpfunc (cmp);
}

static GtkSorterOrder
cmt_connection_sorter_get_order (GtkSorter *sorter)
{
  return GTK_SORTER_ORDER_TOTAL;
}

static void
cmt_connection_sorter_dispose (GObject *object)
{
  CmtConnectionSorter *self = CMT_CONNECTION_SORTER (object);

  g_clear_object (&self->manager);
  G_OBJECT_CLASS (cmt_connection_sorter_parent_class)->dispose (object);
}

static void
cmt_connection_sorter_class_init (CmtConnectionSorterClass *klass)
{
  GtkSorterClass *sorter_class = GTK_SORTER_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cmt_connection_sorter_dispose;
  sorter_class->compare = cmt_connection_sorter_compare;
  sorter_class->get_order = cmt_connection_sorter_get_order;
}

static void
cmt_connection_sorter_init (CmtConnectionSorter *self)
{
}

GtkSorter *
cmt_connection_sorter_new (GDBusObjectManager *manager)
{
  CmtConnectionSorter *self = g_object_new (CMT_TYPE_CONNECTION_SORTER, NULL);

  g_set_object (&self->manager, manager);
  return GTK_SORTER (self);
}

/* cmt-forget-all.c: removes every object of the service, and with them their credentials */
#include <glib/gi18n.h>

#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-forget-all.h"
#include "cmt-names.h"
#include "cmt-wording.h"

/* The order of removal: what refers to others goes first. */
static const char *const kinds[] = {
  CMT_CONNECTION_INTERFACE,
  CMT_SERVER_INTERFACE,
  CMT_CLOUD_ACCOUNT_INTERFACE,
};

static guint
count_kind (GDBusObjectManager *manager,
            const char         *interface)
{
  GList *objects = g_dbus_object_manager_get_objects (manager);
  guint n = 0;

  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (l->data, interface);
      if (iface != NULL)
        n++;
    }
  g_list_free_full (objects, g_object_unref);
  return n;
}

void
cmt_forget_all_count (GDBusObjectManager *manager,
                      guint              *n_connections,
                      guint              *n_servers,
                      guint              *n_accounts)
{
  g_return_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager));

  *n_connections = count_kind (manager, kinds[0]);
  *n_servers = count_kind (manager, kinds[1]);
  *n_accounts = count_kind (manager, kinds[2]);
}

/* The next object to remove (of the first kind that still has one, and not
 * asked for yet: its InterfacesRemoved may still be on its way); NULL when done. */
static CmtObject *
next_object (GDBusObjectManager *manager,
             GHashTable         *asked)
{
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      GList *objects = g_dbus_object_manager_get_objects (manager);
      CmtObject *found = NULL;

      for (GList *l = objects; l != NULL && found == NULL; l = l->next)
        {
          g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (l->data, kinds[k]);
          if (iface != NULL && !g_hash_table_contains (asked, g_dbus_object_get_object_path (l->data)))
            found = g_object_ref (l->data);
        }
      g_list_free_full (objects, g_object_unref);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* "jira.example.com → acme.atlassian.net", "jira.example.com", "admin@acme.com". */
static char *
describe (GDBusObjectManager *manager,
          CmtObject          *object)
{
  if (cmt_object_peek_connection (object) != NULL)
    return cmt_wording_connection_title (manager, cmt_object_peek_connection (object));
  if (cmt_object_peek_server (object) != NULL)
    return cmt_wording_server_display (manager, g_dbus_object_get_object_path (G_DBUS_OBJECT (object)));
  return g_strdup (cmt_cloud_account_get_email (cmt_object_peek_cloud_account (object)));
}

typedef struct {
  GDBusObjectManager *manager;
  CmtObject          *current;
  char               *description;
  /* The paths already removed. */
  GHashTable         *asked;
} ForgetData;

static void
forget_data_free (ForgetData *data)
{
  g_clear_object (&data->manager);
  g_clear_object (&data->current);
  g_free (data->description);
  g_hash_table_unref (data->asked);
  g_free (data);
}

static void remove_next (GTask *task);

static void
on_removed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ForgetData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (CMT_IS_CONNECTION (source))
    ok = cmt_connection_call_remove_finish (CMT_CONNECTION (source), result, &error);
  else if (CMT_IS_SERVER (source))
    ok = cmt_server_call_remove_finish (CMT_SERVER (source), result, &error);
  else
    ok = cmt_cloud_account_call_remove_finish (CMT_CLOUD_ACCOUNT (source), result, &error);

  if (!ok)
    {
      cmt_error_from_dbus (&error);
      /* Translators: %1$s names what could not be removed, %2$s says why. */
      g_task_return_new_error (task, error->domain, error->code, _("%1$s could not be removed: %2$s"),
                               data->description, error->message);
      return;
    }
  remove_next (g_steal_pointer (&task));
}

static void
remove_next (GTask *task)
{
  ForgetData *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  CmtObject *object;
  const char *path;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  g_clear_object (&data->current);
  g_clear_pointer (&data->description, g_free);
  object = next_object (data->manager, data->asked);

  if (object == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  data->current = object;
  path = g_dbus_object_get_object_path (G_DBUS_OBJECT (object));
  g_hash_table_add (data->asked, g_strdup (path));
  data->description = describe (data->manager, object);

  if (cmt_object_peek_connection (object) != NULL)
    cmt_connection_call_remove (cmt_object_peek_connection (object), cancellable, on_removed, task);
  else if (cmt_object_peek_server (object) != NULL)
    cmt_server_call_remove (cmt_object_peek_server (object), cancellable, on_removed, task);
  else
    cmt_cloud_account_call_remove (cmt_object_peek_cloud_account (object), cancellable, on_removed, task);
}

void
cmt_forget_all_async (GDBusObjectManager  *manager,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;
  ForgetData *data;

  g_return_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager));

  task = g_task_new (manager, cancellable, callback, user_data);
  g_task_set_source_tag (task, cmt_forget_all_async);
  data = g_new0 (ForgetData, 1);
  data->manager = g_object_ref (manager);
  data->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) forget_data_free);
  remove_next (task);
}

gboolean
cmt_forget_all_finish (GDBusObjectManager  *manager,
                       GAsyncResult        *result,
                       GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, manager), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

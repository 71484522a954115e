/* cmt-object-model.c: the objects of a D-Bus object manager that have one interface, as a list model */
#include "cmt-object-model.h"
#include "cmt-wording.h"

/* Above this many changed objects at once, one "everything changed" is cheaper. */
#define BULK_CHANGE_THRESHOLD 64

struct _CmtObjectModel
{
  GObject             parent_instance;

  GDBusObjectManager *manager;
  char               *interface_name;
  GStrv               resort_properties;
  GPtrArray          *objects;          /* GDBusObject, in arrival order */
  GHashTable         *dirty;            /* GDBusObject set, waiting for the idle */
  guint               dirty_idle_id;
};

static void cmt_object_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CmtObjectModel, cmt_object_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cmt_object_model_list_model_init))

static GType
cmt_object_model_get_item_type (GListModel *model)
{
  return G_TYPE_DBUS_OBJECT;
}

static guint
cmt_object_model_get_n_items (GListModel *model)
{
  return CMT_OBJECT_MODEL (model)->objects->len;
}

static gpointer
cmt_object_model_get_item (GListModel *model,
                           guint       position)
{
  CmtObjectModel *self = CMT_OBJECT_MODEL (model);

  if (position >= self->objects->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->objects, position));
}

static void
cmt_object_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cmt_object_model_get_item_type;
  iface->get_n_items = cmt_object_model_get_n_items;
  iface->get_item = cmt_object_model_get_item;
}

static gboolean
flush_dirty (gpointer user_data)
{
  CmtObjectModel *self = user_data;
  GHashTableIter iter;
  gpointer object;

  self->dirty_idle_id = 0;

  if (g_hash_table_size (self->dirty) > BULK_CHANGE_THRESHOLD)
    {
      g_hash_table_remove_all (self->dirty);
      g_list_model_items_changed (G_LIST_MODEL (self), 0,
                                  self->objects->len, self->objects->len);
      return G_SOURCE_REMOVE;
    }

  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &object, NULL))
    {
      guint position;

      if (g_ptr_array_find (self->objects, object, &position))
        g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
    }
  g_hash_table_remove_all (self->dirty);
  return G_SOURCE_REMOVE;
}

static void
on_interface_notify (GObject    *iface,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  CmtObjectModel *self = user_data;
  GDBusObject *object;

  if (self->resort_properties == NULL ||
      !g_strv_contains ((const char * const *) self->resort_properties, pspec->name))
    return;

  object = g_dbus_interface_get_object (G_DBUS_INTERFACE (iface));
  if (object == NULL)
    return;

  /* A PropertiesChanged with several properties arrives as several notifies. */
  g_hash_table_add (self->dirty, object);
  if (self->dirty_idle_id == 0)
    self->dirty_idle_id = g_idle_add (flush_dirty, self);
}

static void
track (CmtObjectModel *self,
       GDBusObject    *object)
{
  g_autoptr(GDBusInterface) iface = NULL;

  iface = g_dbus_object_get_interface (object, self->interface_name);
  if (iface == NULL || g_ptr_array_find (self->objects, object, NULL))
    return;

  g_signal_connect_object (iface, "notify", G_CALLBACK (on_interface_notify), self, 0);
  g_ptr_array_add (self->objects, g_object_ref (object));
  g_list_model_items_changed (G_LIST_MODEL (self), self->objects->len - 1, 0, 1);
}

static void
untrack (CmtObjectModel *self,
         GDBusObject    *object)
{
  g_autoptr(GDBusInterface) iface = NULL;
  guint position;

  if (!g_ptr_array_find (self->objects, object, &position))
    return;

  iface = g_dbus_object_get_interface (object, self->interface_name);
  if (iface != NULL)
    g_signal_handlers_disconnect_by_data (iface, self);
  g_hash_table_remove (self->dirty, object);
  g_ptr_array_remove_index (self->objects, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
}

static void
on_object_added (GDBusObjectManager *manager,
                 GDBusObject        *object,
                 gpointer            user_data)
{
  track (user_data, object);
}

static void
on_object_removed (GDBusObjectManager *manager,
                   GDBusObject        *object,
                   gpointer            user_data)
{
  untrack (user_data, object);
}

static void
on_interface_added (GDBusObjectManager *manager,
                    GDBusObject        *object,
                    GDBusInterface     *iface,
                    gpointer            user_data)
{
  CmtObjectModel *self = user_data;

  if (g_str_equal (g_dbus_interface_get_info (iface)->name, self->interface_name))
    track (self, object);
}

static void
on_interface_removed (GDBusObjectManager *manager,
                      GDBusObject        *object,
                      GDBusInterface     *iface,
                      gpointer            user_data)
{
  CmtObjectModel *self = user_data;

  if (!g_str_equal (g_dbus_interface_get_info (iface)->name, self->interface_name))
    return;
  /* The interface is already gone from the object: disconnect from it here. */
  g_signal_handlers_disconnect_by_data (iface, self);
  untrack (self, object);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  GDBusObject *oa = *(GDBusObject **) a;
  GDBusObject *ob = *(GDBusObject **) b;

  return g_strcmp0 (g_dbus_object_get_object_path (oa), g_dbus_object_get_object_path (ob));
}

static void
cmt_object_model_dispose (GObject *object)
{
  CmtObjectModel *self = CMT_OBJECT_MODEL (object);

  g_clear_handle_id (&self->dirty_idle_id, g_source_remove);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  for (guint i = 0; self->objects != NULL && i < self->objects->len; i++)
    {
      g_autoptr(GDBusInterface) iface =
        g_dbus_object_get_interface (g_ptr_array_index (self->objects, i), self->interface_name);
      if (iface != NULL)
        g_signal_handlers_disconnect_by_data (iface, self);
    }
  g_clear_pointer (&self->objects, g_ptr_array_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_object (&self->manager);

  G_OBJECT_CLASS (cmt_object_model_parent_class)->dispose (object);
}

static void
cmt_object_model_finalize (GObject *object)
{
  CmtObjectModel *self = CMT_OBJECT_MODEL (object);

  g_free (self->interface_name);
  g_strfreev (self->resort_properties);

  G_OBJECT_CLASS (cmt_object_model_parent_class)->finalize (object);
}

static void
cmt_object_model_class_init (CmtObjectModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cmt_object_model_dispose;
  object_class->finalize = cmt_object_model_finalize;
}

static void
cmt_object_model_init (CmtObjectModel *self)
{
  self->objects = g_ptr_array_new_with_free_func (g_object_unref);
  self->dirty = g_hash_table_new (NULL, NULL);
}

CmtObjectModel *
cmt_object_model_new (GDBusObjectManager  *manager,
                      const char          *interface_name,
                      const char * const  *resort_properties)
{
  CmtObjectModel *self;
  GList *objects;

  g_return_val_if_fail (G_IS_DBUS_OBJECT_MANAGER (manager), NULL);
  g_return_val_if_fail (interface_name != NULL, NULL);

  self = g_object_new (CMT_TYPE_OBJECT_MODEL, NULL);
  self->manager = g_object_ref (manager);
  self->interface_name = g_strdup (interface_name);
  self->resort_properties = g_strdupv ((char **) resort_properties);

  g_signal_connect (manager, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (manager, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (manager, "interface-added", G_CALLBACK (on_interface_added), self);
  g_signal_connect (manager, "interface-removed", G_CALLBACK (on_interface_removed), self);

  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (l->data, interface_name);

      if (iface != NULL)
        {
          g_signal_connect_object (iface, "notify", G_CALLBACK (on_interface_notify), self, 0);
          g_ptr_array_add (self->objects, g_object_ref (l->data));
        }
    }
  g_list_free_full (objects, g_object_unref);
  /* A stable order to start with; sorters above decide what people see. */
  g_ptr_array_sort (self->objects, compare_paths);

  return self;
}

GDBusObjectManager *
cmt_object_model_get_manager (CmtObjectModel *self)
{
  g_return_val_if_fail (CMT_IS_OBJECT_MODEL (self), NULL);
  return self->manager;
}

GDBusObject *
cmt_object_model_find_by_id (CmtObjectModel *self,
                             const char     *id,
                             guint          *position)
{
  g_return_val_if_fail (CMT_IS_OBJECT_MODEL (self), NULL);

  for (guint i = 0; id != NULL && i < self->objects->len; i++)
    {
      GDBusObject *object = g_ptr_array_index (self->objects, i);

      if (g_str_equal (cmt_wording_object_id (g_dbus_object_get_object_path (object)), id))
        {
          if (position != NULL)
            *position = i;
          return object;
        }
    }
  return NULL;
}

/* cmtd-store.c: cmatokend's state key file, written atomically off the main thread */
#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cmt-error.h"
#include "cmtd-store.h"

struct _CmtdStore
{
  GObject    parent_instance;

  char      *path;
  GKeyFile  *key_file;

  gboolean   writing;
  /* Callers whose changes are in the write now running. */
  GPtrArray *in_flight;
  /* Callers whose changes came after it started: they need one more write. */
  GPtrArray *waiting;
  /* Callers of wait_idle. */
  GPtrArray *idle_waiters;
};

G_DEFINE_FINAL_TYPE (CmtdStore, cmtd_store, G_TYPE_OBJECT)

static void
cmtd_store_finalize (GObject *object)
{
  CmtdStore *self = CMTD_STORE (object);

  /* A task holds a reference on the store, so nothing can be waiting here. */
  g_assert (!self->writing);
  g_clear_pointer (&self->in_flight, g_ptr_array_unref);
  g_clear_pointer (&self->waiting, g_ptr_array_unref);
  g_clear_pointer (&self->idle_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->key_file, g_key_file_unref);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (cmtd_store_parent_class)->finalize (object);
}

static void
cmtd_store_class_init (CmtdStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cmtd_store_finalize;
}

static void
cmtd_store_init (CmtdStore *self)
{
  self->key_file = g_key_file_new ();
  self->in_flight = g_ptr_array_new_with_free_func (g_object_unref);
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

CmtdStore *
cmtd_store_new (const char *path)
{
  CmtdStore *self = g_object_new (CMTD_TYPE_STORE, NULL);

  self->path = g_strdup (path);
  return self;
}

const char *
cmtd_store_get_path (CmtdStore *self)
{
  return self->path;
}

GKeyFile *
cmtd_store_get_key_file (CmtdStore *self)
{
  return self->key_file;
}

gboolean
cmtd_store_load (CmtdStore *self,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (self->path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                   _("Cannot read the state file %1$s: %2$s. Check its permissions, then start the service again."),
                   self->path, local_error->message);
      return FALSE;
    }

  /* GKeyFile skips what it cannot read (a NUL ends a line); a file we did
   * not write must not pass for an empty state and be overwritten. */
  if (!g_utf8_validate (contents, (gssize) length, NULL) ||
      !g_key_file_load_from_data (key_file, contents, length,
                                  G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                   _("Cannot read the state file %1$s: %2$s. Repair it or move it away, then start the service again."),
                   self->path, local_error != NULL ? local_error->message : _("it is not valid text"));
      return FALSE;
    }

  g_key_file_unref (self->key_file);
  self->key_file = g_steal_pointer (&key_file);
  return TRUE;
}

typedef struct {
  char   *path;
  GBytes *contents;
} WriteData;

static void
write_data_free (WriteData *data)
{
  g_free (data->path);
  g_bytes_unref (data->contents);
  g_free (data);
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteData *data = task_data;
  g_autofree char *dir = g_path_get_dirname (data->path);
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *contents = g_bytes_get_data (data->contents, &size);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_FAILED,
                               _("Cannot create the folder %1$s: %2$s. Check its permissions and the free disk space."),
                               dir, g_strerror (saved_errno));
      return;
    }

  if (!g_file_set_contents_full (data->path, contents, size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &error))
    {
      g_task_return_new_error (task, CMT_ERROR, CMT_ERROR_FAILED,
                               _("Cannot save the state file %1$s: %2$s. Check its permissions and the free disk space, then try again."),
                               data->path, error->message);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void start_write (CmtdStore *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  CmtdStore *self = CMTD_STORE (source);
  g_autoptr(GPtrArray) done = NULL;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("%s", error->message);
  else
    g_debug ("Wrote %s", self->path);

  done = g_steal_pointer (&self->in_flight);
  self->in_flight = g_ptr_array_new_with_free_func (g_object_unref);

  /* Start the next write first: a caller may change the state again from
   * its callback, and that change then waits for the write after it. */
  if (self->waiting->len > 0)
    start_write (self);
  else
    {
      g_autoptr(GPtrArray) idle = g_steal_pointer (&self->idle_waiters);
      self->idle_waiters = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < idle->len; i++)
        g_task_return_boolean (g_ptr_array_index (idle, i), TRUE);
    }

  for (guint i = 0; i < done->len; i++)
    {
      GTask *waiter = g_ptr_array_index (done, i);
      if (error != NULL)
        g_task_return_error (waiter, g_error_copy (error));
      else
        g_task_return_boolean (waiter, TRUE);
    }
}

static void
start_write (CmtdStore *self)
{
  g_autoptr(GTask) task = NULL;
  WriteData *data;
  gsize length;
  char *contents;

  g_assert (!self->writing);

  /* Serialised here, on the main thread, so the worker never touches the
   * key file the objects are editing. */
  contents = g_key_file_to_data (self->key_file, &length, NULL);
  data = g_new0 (WriteData, 1);
  data->path = g_strdup (self->path);
  data->contents = g_bytes_new_take (contents, length);

  g_ptr_array_extend_and_steal (self->in_flight, g_steal_pointer (&self->waiting));
  self->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  self->writing = TRUE;

  task = g_task_new (self, NULL, write_done, NULL);
  g_task_set_source_tag (task, start_write);
  g_task_set_task_data (task, data, (GDestroyNotify) write_data_free);
  g_task_run_in_thread (task, write_thread);
}

void
cmtd_store_save_async (CmtdStore           *self,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CMTD_IS_STORE (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, cmtd_store_save_async);
  g_ptr_array_add (self->waiting, g_steal_pointer (&task));

  if (!self->writing)
    start_write (self);
}

gboolean
cmtd_store_save_finish (CmtdStore    *self,
                        GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cmtd_store_wait_idle_async (CmtdStore           *self,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, cmtd_store_wait_idle_async);
  if (cmtd_store_is_idle (self))
    g_task_return_boolean (task, TRUE);
  else
    g_ptr_array_add (self->idle_waiters, g_steal_pointer (&task));
}

gboolean
cmtd_store_wait_idle_finish (CmtdStore    *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
cmtd_store_is_idle (CmtdStore *self)
{
  return !self->writing && self->waiting->len == 0;
}

/* cmtd-store.c: cmatokend's state key file, written atomically off the main thread */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cmt-error.h"
#include "cmtd-store.h"

struct _CmtdStore
{
  GObject    parent_instance;

  char      *path;
  GKeyFile  *key_file;
  char      *moved_to;        /* where load() put an unreadable file, or NULL */

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
  g_clear_pointer (&self->moved_to, g_free);

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

/* g_file_set_contents() writes PATH.XXXXXX first: six letters or digits. */
static void
remove_leftover_temp_files (const char *path)
{
  g_autofree char *dir_path = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  size_t base_len = strlen (base);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *full = NULL;
      gboolean temp = strlen (name) == base_len + 7 &&
                      strncmp (name, base, base_len) == 0 && name[base_len] == '.';

      for (size_t i = base_len + 1; temp && name[i] != '\0'; i++)
        temp = g_ascii_isalnum (name[i]);
      if (!temp)
        continue;
      full = g_build_filename (dir_path, name, NULL);
      if (g_unlink (full) == 0)
        g_message ("Removed %s, left behind by an interrupted write", full);
    }
}

/* Adds the groups of @text that parse to @result; a group already there wins. */
static void
merge_groups (GKeyFile      *result,
              const GString *text)
{
  g_autoptr(GKeyFile) one = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  if (text->len == 0 || !g_key_file_load_from_data (one, text->str, text->len, G_KEY_FILE_NONE, NULL))
    return;
  groups = g_key_file_get_groups (one, NULL);
  for (guint g = 0; groups[g] != NULL; g++)
    {
      g_auto(GStrv) keys = NULL;

      if (g_key_file_has_group (result, groups[g]))
        continue; /* a duplicated group: the first one wins */
      keys = g_key_file_get_keys (one, groups[g], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *v = g_key_file_get_value (one, groups[g], keys[k], NULL);
          if (v != NULL)
            g_key_file_set_value (result, groups[g], keys[k], v);
        }
    }
}

/* The groups that still parse: the valid UTF-8 lines, a group at a time,
 * so that one broken group costs only itself. */
static GKeyFile *
salvage (const char *contents,
         gsize       length)
{
  GKeyFile *result = g_key_file_new ();
  g_autoptr(GString) group = g_string_new (NULL);
  const char *p = contents;
  const char *end = contents + length;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl : end;

      if (p[0] == '[')
        {
          merge_groups (result, group);
          g_string_truncate (group, 0);
        }
      if (g_utf8_validate (p, line_end - p, NULL) && memchr (p, '\0', (size_t) (line_end - p)) == NULL)
        {
          g_string_append_len (group, p, line_end - p);
          g_string_append_c (group, '\n');
        }
      p = nl != NULL ? nl + 1 : end;
    }
  merge_groups (result, group);
  return result;
}

static char *
move_aside (const char *path,
            GError    **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");

  for (guint n = 0; n < 1000; n++)
    {
      g_autofree char *target = n == 0 ? g_strdup_printf ("%s.broken-%s", path, stamp)
                                       : g_strdup_printf ("%s.broken-%s-%u", path, stamp, n);
      /* link() never replaces an existing file, unlike rename(). */
      if (link (path, target) == 0)
        {
          if (g_unlink (path) != 0)
            {
              int saved_errno = errno;
              g_unlink (target);
              g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                           _("Cannot move the unreadable state file %1$s aside: %2$s. Check the folder's permissions, then start the service again."),
                           path, g_strerror (saved_errno));
              return NULL;
            }
          return g_steal_pointer (&target);
        }
      if (errno != EEXIST)
        {
          int saved_errno = errno;
          g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                       _("Cannot move the unreadable state file %1$s aside: %2$s. Check the folder's permissions, then start the service again."),
                       path, g_strerror (saved_errno));
          return NULL;
        }
    }
  g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
               _("Cannot move the unreadable state file %s aside: too many broken copies next to it. Remove the old ones, then start the service again."),
               path);
  return NULL;
}

const char *
cmtd_store_get_moved_to (CmtdStore *self)
{
  return self->moved_to;
}

gboolean
cmtd_store_load (CmtdStore *self,
                 GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;

  remove_leftover_temp_files (self->path);

  if (!g_file_get_contents (self->path, &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, CMT_ERROR, CMT_ERROR_FAILED,
                   _("Cannot read the state file %1$s: %2$s. Check its permissions, then start the service again."),
                   self->path, local_error->message);
      return FALSE;
    }

  /* GKeyFile skips what it cannot read (a NUL ends a line): a file that is
   * not clean text is kept aside for the admin, never overwritten. */
  if (!g_utf8_validate (contents, (gssize) length, NULL) ||
      memchr (contents, '\0', length) != NULL ||
      !g_key_file_load_from_data (key_file, contents, length,
                                  G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_autofree char *target = move_aside (self->path, error);

      if (target == NULL)
        return FALSE;
      g_warning (_("The state file %1$s could not be read (%2$s); it was moved to %3$s and the service starts from what could be recovered. No keyring item was deleted."),
                 self->path, local_error != NULL ? local_error->message : _("it is not valid text"), target);
      g_key_file_unref (key_file);
      key_file = salvage (contents, length);
      g_free (self->moved_to);
      self->moved_to = g_steal_pointer (&target);
    }

  g_key_file_unref (self->key_file);
  self->key_file = g_steal_pointer (&key_file);
  return TRUE;
}

/* The retired slots of @object_id, with @add added and @drop left out. */
static void
edit_retired (CmtdStore  *self,
              const char *object_id,
              const char *add,
              const char *drop)
{
  g_auto(GStrv) slots = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  slots = g_key_file_get_string_list (self->key_file, CMTD_STORE_GROUP_RETIRED, object_id, NULL, NULL);
  for (guint i = 0; slots != NULL && slots[i] != NULL; i++)
    if (g_strcmp0 (slots[i], drop) != 0 && g_strcmp0 (slots[i], add) != 0)
      g_strv_builder_add (builder, slots[i]);
  if (add != NULL)
    g_strv_builder_add (builder, add);
  result = g_strv_builder_end (builder);
  if (result[0] == NULL)
    g_key_file_remove_key (self->key_file, CMTD_STORE_GROUP_RETIRED, object_id, NULL);
  else
    g_key_file_set_string_list (self->key_file, CMTD_STORE_GROUP_RETIRED, object_id,
                                (const char *const *) result, g_strv_length (result));
}

void
cmtd_store_retire_slot (CmtdStore  *self,
                        const char *object_id,
                        const char *slot)
{
  if (object_id != NULL && slot != NULL)
    edit_retired (self, object_id, slot, NULL);
}

gboolean
cmtd_store_slot_is_retired (CmtdStore  *self,
                            const char *object_id,
                            const char *slot)
{
  g_auto(GStrv) slots = NULL;

  if (object_id == NULL || slot == NULL)
    return FALSE;
  slots = g_key_file_get_string_list (self->key_file, CMTD_STORE_GROUP_RETIRED, object_id, NULL, NULL);
  return slots != NULL && g_strv_contains ((const char *const *) slots, slot);
}

void
cmtd_store_forget_retired (CmtdStore  *self,
                           const char *object_id,
                           const char *slot)
{
  if (object_id != NULL && slot != NULL && cmtd_store_slot_is_retired (self, object_id, slot))
    edit_retired (self, object_id, NULL, slot);
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

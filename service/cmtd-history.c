/* cmtd-history.c: what happened to what the service stores, append-only, for audits */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cmtd-history.h"

/* Past this many lines in the file, it is rewritten with the newest entries. */
#define COMPACT_AT (CMTD_HISTORY_MAX_ENTRIES + CMTD_HISTORY_MAX_ENTRIES / 10)

struct _CmtdHistory
{
  GObject      parent_instance;

  char        *path;
  CmtdClock   *clock;
  GQueue      *entries;     /* GVariant a{sv}, oldest first, at most CMTD_HISTORY_MAX_ENTRIES */
  guint        file_lines;  /* lines in the file, as far as we know */
  GThreadPool *writer;      /* one thread: the writes keep their order */
};

G_DEFINE_FINAL_TYPE (CmtdHistory, cmtd_history, G_TYPE_OBJECT)

typedef struct {
  char     *path;
  char     *text;     /* what to append, or the whole new file */
  gboolean  rewrite;
} Write;

static void
write_free (Write *w)
{
  g_free (w->path);
  g_free (w->text);
  g_free (w);
}

static void
write_job (gpointer data,
           gpointer user_data)
{
  Write *w = data;
  g_autoptr(GError) error = NULL;

  if (w->rewrite)
    {
      if (!g_file_set_contents_full (w->path, w->text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                     0600, &error))
        g_warning ("Could not rewrite the history %s: %s", w->path, error->message);
    }
  else
    {
      int fd = g_open (w->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
      size_t len = strlen (w->text), done = 0;

      if (fd < 0)
        g_warning ("Could not open the history %s: %s", w->path, g_strerror (errno));
      else
        {
          while (done < len)
            {
              ssize_t n = write (fd, w->text + done, len - done);
              if (n < 0 && errno == EINTR)
                continue;
              if (n <= 0)
                {
                  g_warning ("Could not write the history %s: %s", w->path, g_strerror (errno));
                  break;
                }
              done += (size_t) n;
            }
          close (fd);
        }
    }
  write_free (w);
}

static void
cmtd_history_finalize (GObject *object)
{
  CmtdHistory *self = CMTD_HISTORY (object);

  g_thread_pool_free (self->writer, FALSE, TRUE);
  g_queue_free_full (self->entries, (GDestroyNotify) g_variant_unref);
  g_free (self->path);
  g_clear_object (&self->clock);

  G_OBJECT_CLASS (cmtd_history_parent_class)->finalize (object);
}

static void
cmtd_history_class_init (CmtdHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cmtd_history_finalize;
}

static void
cmtd_history_init (CmtdHistory *self)
{
  self->entries = g_queue_new ();
  self->writer = g_thread_pool_new (write_job, NULL, 1, FALSE, NULL);
}

static const char *const string_members[] = {
  "object", "kind", "result", "error", "caller", "account", "subject",
};

/* An entry of the file, checked, or NULL. */
static GVariant *
entry_from_json (JsonNode *node)
{
  JsonObject *object;
  GVariantDict dict;
  JsonNode *time;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  time = json_object_get_member (object, "time");
  if (time == NULL || json_node_get_value_type (time) != G_TYPE_INT64)
    return NULL;
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "x", json_node_get_int (time));
  for (gsize i = 0; i < G_N_ELEMENTS (string_members); i++)
    {
      JsonNode *member = json_object_get_member (object, string_members[i]);
      const char *value = member != NULL && json_node_get_value_type (member) == G_TYPE_STRING
                          ? json_node_get_string (member) : "";

      if (i == 0)
        {
          if (!g_variant_is_object_path (value))
            {
              g_variant_dict_clear (&dict);
              return NULL;
            }
          g_variant_dict_insert (&dict, "object", "o", value);
        }
      else
        g_variant_dict_insert (&dict, string_members[i], "s", value);
    }
  return g_variant_ref_sink (g_variant_dict_end (&dict));
}

/* The line of the file for @entry: time, then the strings, in that order. */
static char *
line_of (GVariant *entry)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gint64 time = 0;

  g_variant_lookup (entry, "time", "x", &time);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_int_value (builder, time);
  for (gsize i = 0; i < G_N_ELEMENTS (string_members); i++)
    {
      const char *value = "";

      if (!g_variant_lookup (entry, string_members[i], "&s", &value))
        g_variant_lookup (entry, string_members[i], "&o", &value);
      json_builder_set_member_name (builder, string_members[i]);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static void
keep (CmtdHistory *self,
      GVariant    *entry)
{
  g_queue_push_tail (self->entries, entry);
  while (self->entries->length > CMTD_HISTORY_MAX_ENTRIES)
    g_variant_unref (g_queue_pop_head (self->entries));
}

static void
load (CmtdHistory *self)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  guint skipped = 0;

  if (!g_file_get_contents (self->path, &contents, NULL, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_warning ("Could not read the history %s: %s; it is kept as it is, new entries are added",
                   self->path, error->message);
      return;
    }
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      GVariant *entry;

      if (lines[i][0] == '\0')
        continue;
      self->file_lines++;
      if (!g_utf8_validate (lines[i], -1, NULL) ||
          !json_parser_load_from_data (parser, lines[i], -1, NULL) ||
          (entry = entry_from_json (json_parser_get_root (parser))) == NULL)
        {
          skipped++;
          continue;
        }
      keep (self, entry);
    }
  if (skipped > 0)
    g_message ("The history %s has %u line(s) that do not parse; they are skipped", self->path, skipped);
  g_debug ("History: %u entries", self->entries->length);
}

CmtdHistory *
cmtd_history_new (const char *path,
                  CmtdClock  *clock)
{
  CmtdHistory *self = g_object_new (CMTD_TYPE_HISTORY, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  self->path = g_strdup (path);
  self->clock = g_object_ref (clock);
  g_mkdir_with_parents (dir, 0700);
  load (self);
  return self;
}

static void
push (CmtdHistory *self,
      char        *text,
      gboolean     rewrite)
{
  Write *w = g_new0 (Write, 1);

  w->path = g_strdup (self->path);
  w->text = text;
  w->rewrite = rewrite;
  g_thread_pool_push (self->writer, w, NULL);
}

void
cmtd_history_record (CmtdHistory *self,
                     const char  *object,
                     const char  *kind,
                     const char  *result,
                     const char  *error,
                     const char  *caller,
                     const char  *account,
                     const char  *subject)
{
  const char *values[G_N_ELEMENTS (string_members)] = {
    object, kind, result, error, caller, account, subject,
  };
  GVariantDict dict;
  GVariant *entry;
  g_autofree char *line = NULL;

  g_return_if_fail (CMTD_IS_HISTORY (self));
  g_return_if_fail (g_variant_is_object_path (object));

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "x", cmtd_clock_now (self->clock));
  g_variant_dict_insert (&dict, "object", "o", object);
  for (gsize i = 1; i < G_N_ELEMENTS (string_members); i++)
    {
      g_autofree char *valid = g_utf8_make_valid (values[i] != NULL ? values[i] : "", -1);

      g_variant_dict_insert (&dict, string_members[i], "s", valid);
    }
  entry = g_variant_ref_sink (g_variant_dict_end (&dict));
  line = line_of (entry);
  keep (self, entry);

  self->file_lines++;
  if (self->file_lines < COMPACT_AT)
    push (self, g_strconcat (line, "\n", NULL), FALSE);
  else
    {
      /* The file holds the newest entries again. */
      GString *all = g_string_new (NULL);

      for (GList *l = self->entries->head; l != NULL; l = l->next)
        {
          g_autofree char *one = line_of (l->data);

          g_string_append (all, one);
          g_string_append_c (all, '\n');
        }
      self->file_lines = self->entries->length;
      push (self, g_string_free (all, FALSE), TRUE);
    }
}

GVariant *
cmtd_history_query (CmtdHistory *self,
                    const char  *object,
                    gint64       since,
                    guint        limit)
{
  GVariantBuilder builder;
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  guint start;

  /* Newest first, up to @limit; then answered oldest first. */
  for (GList *l = self->entries->tail; l != NULL; l = l->prev)
    {
      GVariant *entry = l->data;
      const char *path = NULL;
      gint64 time = 0;

      g_variant_lookup (entry, "time", "x", &time);
      if (time < since)
        continue;
      if (object != NULL && (!g_variant_lookup (entry, "object", "&o", &path) ||
                             g_strcmp0 (path, object) != 0))
        continue;
      g_ptr_array_add (found, entry);
      if (limit > 0 && found->len >= limit)
        break;
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (start = found->len; start > 0; start--)
    g_variant_builder_add_value (&builder, g_ptr_array_index (found, start - 1));
  return g_variant_builder_end (&builder);
}
